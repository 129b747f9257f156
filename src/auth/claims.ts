import type { JWTPayload } from 'jose';
import { SignalError } from '../engine/signal-error.js';
import type { PeerAccess, User } from '../protocol/types.js';

/** At most this many `rooms` entries: a grant is a list of names and prefixes, not a database. */
export const MAX_GRANTED_ROOMS = 256;

/** The claims sinyal reads from a token (docs/security.md). */
export interface AccessClaims {
  /** The user id. */
  sub: string;
  name?: string;
  /** A picture URL; OpenID Connect's `picture` is read too. */
  avatar?: string;
  /** Rooms (pair, mesh) and studies the holder may join; `team-*` is a prefix. Absent: any. */
  rooms?: string[];
  /** The admin API. */
  admin?: boolean;
}

export const text = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.trim() && value.length <= max ? value.trim() : undefined;

/** Reads a verified token's payload into a user and its access; refuses malformed claims. */
export function readClaims(payload: JWTPayload): { user: User; access: PeerAccess } {
  const userId = text(payload.sub, 128);
  if (!userId) throw new SignalError('unauthorized', 'Token has no subject (sub)');
  const name = text(payload.name, 100) ?? userId;
  const avatar = text(payload.avatar, 2048) ?? text(payload.picture, 2048) ?? null;
  const access: PeerAccess = { admin: payload.admin === true };
  if (payload.exp !== undefined) access.expiresAt = payload.exp * 1000;
  if (payload.rooms !== undefined) {
    const { rooms } = payload;
    if (
      !Array.isArray(rooms) ||
      rooms.length > MAX_GRANTED_ROOMS ||
      !rooms.every((r) => typeof r === 'string' && r.length > 0 && r.length <= 129)
    ) {
      throw new SignalError(
        'unauthorized',
        `Token claim rooms must be an array of up to ${MAX_GRANTED_ROOMS} room names (a trailing * is a prefix)`,
      );
    }
    access.rooms = rooms as string[];
  }
  return { user: { id: userId, name, avatar }, access };
}

/** Whether a `rooms` grant covers a room id: exact names, or a prefix written `team-*`. */
export function grantAllows(rooms: readonly string[] | undefined, roomId: string): boolean {
  if (!rooms) return true;
  for (const entry of rooms) {
    if (entry.endsWith('*') ? roomId.startsWith(entry.slice(0, -1)) : entry === roomId) {
      return true;
    }
  }
  return false;
}
