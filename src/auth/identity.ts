import { SignalError } from '../engine/signal-error.js';
import { randomToken } from '../engine/random-token.js';
import type { PeerAccess, User } from '../protocol/types.js';
import { NO_CONTROL_CHARACTERS } from '../protocol/inbound.js';
import { readClaims, text } from './claims.js';
import type { TrustProxy } from '../config/trust-proxy.js';
import { clientAddress } from './client-address.js';
import { MAX_TOKEN_LENGTH, type Verifier } from './verifier.js';

/**
 * How a handshake becomes an identity:
 * - `open`: anyone; a peer without `userId` is a guest;
 * - `user-id`: the handshake must name a `userId` (`Authentication required` otherwise) and is
 *   believed, as the Express + Socket.IO + Redis mesh server does; tokens are not checked;
 * - `jwt`: a verified token decides the identity and its access.
 */
export type AuthMode = 'open' | 'user-id' | 'jwt';

export interface AuthOptions {
  mode: AuthMode;
  /** Set in `jwt` mode. */
  verify?: Verifier;
  /** Proxies whose `X-Forwarded-For` names the client (`TRUST_PROXY`). */
  trustProxy?: TrustProxy;
  /** The proof of a live connection: SSE calls and `GET /api/ice-servers`. */
  connectionToken?: (peerId: string) => string;
  /**
   * The `connectionToken` of a socket's `welcome`, only when `GET /api/ice-servers` would check
   * it: an HMAC per connection nobody asks for was a cost of every join.
   */
  welcomeToken?: (peerId: string) => string | undefined;
  /** The peer id behind a private SSE connection id (set by the SSE transport's extension). */
  connectionPeer?: (connectionId: string) => string | undefined;
}

/** The client address of a request, through trusted proxies only. */
export function addressOf(
  options: AuthOptions,
  socketAddress: string | undefined,
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  return clientAddress(socketAddress, headers['x-forwarded-for'], options.trustProxy);
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
  access: PeerAccess;
}

/** A user id from a handshake or token: printable, or refused with a clear error. */
function userIdOf(value: unknown): string | undefined {
  const id = text(value, 128);
  if (id !== undefined && !NO_CONTROL_CHARACTERS.test(id)) {
    throw new SignalError('unauthorized', 'userId must not contain control characters');
  }
  return id;
}

/**
 * The one identity check of every transport (Socket.IO, `/ws`, SSE, REST): turns handshake data
 * into an identity, or throws `unauthorized` (`auth-unavailable` when the keys are unreachable).
 */
export async function authenticate(auth: HandshakeAuth, options: AuthOptions): Promise<Identity> {
  if (options.mode === 'jwt' && options.verify) {
    if (typeof auth.token === 'string' && auth.token.length > MAX_TOKEN_LENGTH) {
      throw new SignalError(
        'unauthorized',
        `Token is too long (over ${MAX_TOKEN_LENGTH} characters)`,
      );
    }
    const token = text(auth.token, MAX_TOKEN_LENGTH);
    // The message is the contract: mesh clients look for `Authentication required`.
    if (!token) throw new SignalError('unauthorized', 'Authentication required');
    const { user, access } = readClaims(await options.verify(token));
    userIdOf(user.id);
    const claimed = userIdOf(auth.userId);
    if (claimed && claimed !== user.id) {
      throw new SignalError('unauthorized', 'userId does not match the token');
    }
    return { userId: user.id, user, access };
  }
  const given = userIdOf(auth.userId);
  if (!given && options.mode === 'user-id') {
    throw new SignalError('unauthorized', 'Authentication required');
  }
  const userId = given ?? `guest-${randomToken(4, 'hex')}`;
  const name = text(auth.name, 100) ?? userId;
  const avatar = text(auth.avatar, 2048) ?? null;
  return { userId, user: { id: userId, name, avatar }, access: {} };
}

/** The bearer token of an HTTP request: `Authorization: Bearer ...`, else `?token=`. */
export function bearerToken(
  authorization: string | undefined,
  queryToken: unknown,
): string | undefined {
  const header = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return header ?? (typeof queryToken === 'string' && queryToken ? queryToken : undefined);
}
