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
 * Who else may be an admin is decided later (a user role); this is the one switch until then.
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
    if (!access.token) return;
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const a = Buffer.from(given);
    const b = Buffer.from(access.token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new ApiError(
        401,
        'unauthorized',
        'Admin endpoints need Authorization: Bearer <ADMIN_TOKEN>',
      );
    }
  };
}
