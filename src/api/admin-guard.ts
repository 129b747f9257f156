import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { ApiError } from './errors.js';

export interface AdminAccess {
  enabled: boolean;
  token?: string;
}

/**
 * `ADMIN_API` decides whether the admin endpoints exist; unset, they are on except in production
 * without `ADMIN_TOKEN`. With a token, every admin call needs `Authorization: Bearer <token>`.
 * Without one, only callers on this machine (loopback, not forwarded by a proxy) are admins, in
 * every mode: no one on the network can use an admin function without a credential.
 */
export function adminAccess(config: Config): AdminAccess {
  const enabled =
    config.adminApi === 'on' ||
    (config.adminApi === undefined && (config.nodeEnv !== 'production' || !!config.adminToken));
  return { enabled, token: config.adminToken };
}

/** A Fastify `onRequest` hook for admin routes. */
export function adminGuard(access: AdminAccess) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!access.enabled) {
      throw new ApiError(
        403,
        'admin-disabled',
        'Admin endpoints are off (set ADMIN_TOKEN or ADMIN_API=on)',
      );
    }
    if (!access.token) {
      if (isLocalCaller(request)) return;
      throw new ApiError(
        403,
        'admin-local-only',
        'Without ADMIN_TOKEN, admin endpoints answer only on this machine (localhost); set ADMIN_TOKEN to use them from elsewhere',
      );
    }
    if (!hasAdminToken(access, request)) {
      throw new ApiError(
        401,
        'unauthorized',
        'Admin endpoints need Authorization: Bearer <ADMIN_TOKEN>',
      );
    }
  };
}

/**
 * Who may see live room ids (`/metrics` JSON, `/api/stats`, `/api/video/rooms`): everyone in
 * development; in production only admins, so strangers cannot find rooms to join.
 */
export function roomIdsVisibleTo(config: Config) {
  const access = adminAccess(config);
  return async (request: FastifyRequest): Promise<boolean> =>
    config.nodeEnv !== 'production' || isAdminRequest(access, request);
}

/** Whether the request carries the admin credential (or, without one, comes from loopback). */
export async function isAdminRequest(
  access: AdminAccess,
  request: FastifyRequest,
): Promise<boolean> {
  if (!access.enabled) return false;
  return access.token ? hasAdminToken(access, request) : isLocalCaller(request);
}

function hasAdminToken(access: AdminAccess, request: FastifyRequest): boolean {
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  const a = Buffer.from(given);
  const b = Buffer.from(access.token ?? '');
  return a.length === b.length && b.length > 0 && timingSafeEqual(a, b);
}

/**
 * A caller on this machine: a loopback address and no proxy header (a reverse proxy on the same
 * host forwards strangers from loopback too).
 */
export function isLocalCaller(request: FastifyRequest): boolean {
  const { headers } = request;
  if (headers['x-forwarded-for'] || headers.forwarded || headers['x-real-ip']) return false;
  const address = request.raw.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
