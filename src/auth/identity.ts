import { randomBytes } from 'node:crypto';
import { jwtVerify } from 'jose';
import { SignalError } from '../engine/signal-error.js';
import type { User } from '../engine/types.js';
import { NO_CONTROL_CHARACTERS } from '../protocol/inbound.js';

export interface AuthOptions {
  /**
   * HS256 secret for handshake tokens. When set, every connection must carry a `token` whose
   * `sub` is its user id (`name` and `picture` claims fill in the user); reference 004's
   * `Authentication required` answers one without. Unset, anyone may connect and a peer without
   * `userId` gets an anonymous identity.
   * @default undefined
   */
  jwtSecret?: string;
}

/** What a client offers in its handshake (Socket.IO `auth`, WebSocket query or `auth` frame). */
export interface HandshakeAuth {
  userId?: unknown;
  token?: unknown;
  name?: unknown;
  avatar?: unknown;
}

export interface Identity {
  userId: string;
  user: User;
}

const text = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.trim() && value.length <= max ? value.trim() : undefined;

/** A user id from a handshake or token: printable, or refused with a clear error. */
function userIdOf(value: unknown): string | undefined {
  const id = text(value, 128);
  if (id !== undefined && !NO_CONTROL_CHARACTERS.test(id)) {
    throw new SignalError('unauthorized', 'userId must not contain control characters');
  }
  return id;
}

/** Turns handshake data into an identity, or throws `unauthorized`. */
export async function resolveIdentity(
  auth: HandshakeAuth,
  options: AuthOptions,
): Promise<Identity> {
  if (options.jwtSecret) {
    const token = text(auth.token, 8192);
    if (!token) throw new SignalError('unauthorized', 'Authentication required');
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, new TextEncoder().encode(options.jwtSecret), {
        algorithms: ['HS256'],
      }));
    } catch {
      throw new SignalError('unauthorized', 'Invalid or expired token');
    }
    const userId = userIdOf(claims.sub);
    if (!userId) throw new SignalError('unauthorized', 'Token has no subject (sub)');
    const claimed = userIdOf(auth.userId);
    if (claimed && claimed !== userId) {
      throw new SignalError('unauthorized', 'userId does not match the token');
    }
    const name = text(claims.name, 100) ?? userId;
    const avatar = text(claims.picture, 2048) ?? null;
    return { userId, user: { id: userId, name, avatar } };
  }
  const userId = userIdOf(auth.userId) ?? `guest-${randomBytes(4).toString('hex')}`;
  const name = text(auth.name, 100) ?? userId;
  const avatar = text(auth.avatar, 2048) ?? null;
  return { userId, user: { id: userId, name, avatar } };
}
