import type { FastifyRequest } from 'fastify';
import { readClaims } from '../auth/claims.js';
import type { Verifier } from '../auth/verifier.js';
import { jwtKeyName } from '../auth/auth.js';
import type { Config } from '../config/config.js';
import type { SignalError } from '../engine/signal-error.js';
import { originRule, type OriginRule } from '../http/origin.js';
import { sameSecret } from '../protocol/same-secret.js';
import { ApiError } from './errors.js';

export interface AdminAccess {
  enabled: boolean;
  /** `ADMIN_TOKEN`. */
  token?: string;
  /** Verifies admin JWTs (a token with `admin: true`) when JWT authentication is configured. */
  verify?: Verifier;
  /** The origin rule of every transport, also what tells a borrowed browser request. */
  origins: OriginRule;
}

/**
 * `ADMIN_API` decides whether the admin endpoints exist; unset, they are on except in production
 * with neither `ADMIN_TOKEN` nor a JWT key. With either, every admin call needs
 * `Authorization: Bearer` with `ADMIN_TOKEN` or a JWT whose `admin` claim is true. With neither,
 * only callers on this machine (loopback, not forwarded by a proxy) are admins, in every mode: no
 * one on the network can use an admin function without a credential.
 */
export function adminAccess(config: Config, verify?: Verifier): AdminAccess {
  const credential = !!config.adminToken || !!verify || !!jwtKeyName(config);
  const enabled =
    config.adminApi === 'on' ||
    (config.adminApi === undefined && (config.nodeEnv !== 'production' || credential));
  const origins = originRule(config.allowedOrigins, config.host);
  return { enabled, token: config.adminToken, verify, origins };
}

/** Who the event log says made an admin call without a credential (only loopback may). */
export const LOCAL_ADMIN = 'this machine (no ADMIN_TOKEN)';

const actors = new WeakMap<FastifyRequest, string>();

/**
 * Who made a request that passed {@link adminGuard}, for the event log: an admin JWT's `sub`,
 * "admin token", or {@link LOCAL_ADMIN}. Undefined for a request that did not pass it.
 */
export function adminActor(request: FastifyRequest): string | undefined {
  return actors.get(request);
}

/**
 * Checks an admin credential: resolves to who holds it ("admin token", or the admin JWT's `sub`);
 * a missing or invalid one is a 401, a valid token of a non-admin user a 403.
 */
export async function verifyAdmin(
  access: AdminAccess,
  bearer: string | undefined,
): Promise<string> {
  if (!access.token && !access.verify) return LOCAL_ADMIN;
  const how = [access.token && 'ADMIN_TOKEN', access.verify && 'an admin JWT']
    .filter(Boolean)
    .join(' or ');
  if (!bearer) {
    throw new ApiError(401, 'unauthorized', `Admin endpoints need Authorization: Bearer <${how}>`);
  }
  if (access.token && sameSecret(bearer, access.token)) return 'admin token';
  if (access.verify) {
    let claims: ReturnType<typeof readClaims>;
    try {
      claims = readClaims(await access.verify(bearer));
    } catch (error) {
      const { code, message } = error as SignalError;
      if (code === 'auth-unavailable') throw new ApiError(503, code, message);
      throw new ApiError(401, 'unauthorized', `${message} (admin endpoints need ${how})`);
    }
    if (!claims.access.admin) {
      throw new ApiError(
        403,
        'forbidden',
        'Your token is valid but not an admin token (admin: true)',
      );
    }
    return claims.user.id;
  }
  throw new ApiError(401, 'unauthorized', `Wrong credential: admin endpoints need ${how}`);
}

/** A Fastify `onRequest` hook for admin routes. */
export function adminGuard(access: AdminAccess) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!access.enabled) {
      throw new ApiError(
        403,
        'admin-disabled',
        'Admin endpoints are off (set ADMIN_TOKEN, a JWT key, or ADMIN_API=on)',
      );
    }
    const ambient = !access.token && !access.verify;
    if (ambient && !isLocalCaller(request)) {
      throw new ApiError(
        403,
        'admin-local-only',
        'Without ADMIN_TOKEN or a JWT key, admin endpoints answer only on this machine (localhost); set ADMIN_TOKEN to use them from elsewhere',
      );
    }
    const borrowed = browserRefusal(access, request);
    if (borrowed) throw borrowed;
    actors.set(request, ambient ? LOCAL_ADMIN : await verifyAdmin(access, bearerOf(request)));
  };
}

/**
 * Who may see live room ids (`/metrics` JSON, `/api/stats`, `/api/video/rooms`): everyone in
 * development; in production only admins, so strangers cannot find rooms to join.
 */
export function roomIdsVisibleTo(config: Config, verify?: Verifier) {
  const access = adminAccess(config, verify);
  return async (request: FastifyRequest): Promise<boolean> =>
    config.nodeEnv !== 'production' || isAdminRequest(access, request);
}

/** Whether the request carries the admin credential (or, without one, comes from loopback). */
export async function isAdminRequest(
  access: AdminAccess,
  request: FastifyRequest,
): Promise<boolean> {
  if (!access.enabled || browserRefusal(access, request)) return false;
  if (!access.token && !access.verify) return isLocalCaller(request);
  return verifyAdmin(access, bearerOf(request)).then(
    () => true,
    () => false,
  );
}

/**
 * Without a credential, being on this machine is the admin's only proof, and a web page the
 * admin visits runs there too: its requests carry a foreign `Origin`, or (DNS rebinding, where
 * the page's own name points at 127.0.0.1) a `Host` that is not this server's name. Both are
 * refused. With ADMIN_TOKEN or a JWT key, a page cannot borrow the credential (browsers never
 * add an `Authorization` header by themselves), so only the origin rule of every transport
 * (`ALLOWED_ORIGINS`, and the server's own pages) applies, and any `Host` is accepted (a reverse
 * proxy passes the public name).
 */
export function browserRefusal(access: AdminAccess, request: FastifyRequest): ApiError | undefined {
  const { raw } = request;
  if (access.token || access.verify) {
    if (access.origins.allows(raw)) return undefined;
    return new ApiError(403, 'origin-not-allowed', 'This origin is not in ALLOWED_ORIGINS');
  }
  if (!access.origins.hostIsOurs(raw)) {
    return new ApiError(
      403,
      'foreign-host',
      'Without ADMIN_TOKEN, admin endpoints answer only requests addressed to this machine by name (localhost, 127.0.0.1, [::1], HOST or its LAN address): this Host header is another name, as a DNS-rebinding page sends',
    );
  }
  if (raw.headers.origin !== undefined && !access.origins.isOwn(raw)) {
    return new ApiError(
      403,
      'foreign-origin',
      'Without ADMIN_TOKEN, admin endpoints refuse requests from other web pages (this one came from another Origin); use the dashboard at /admin on this server, or set ADMIN_TOKEN',
    );
  }
  return undefined;
}

function bearerOf(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
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
