import type { Engine } from '../engine/engine.js';
import type { Peer } from '../engine/peer.js';
import { SignalError } from '../engine/signal-error.js';
import { authenticate, type AuthOptions, type HandshakeAuth, type Identity } from './identity.js';

/**
 * New credentials for a live connection: before any join they may name a new identity; after,
 * they must be a fresh token of the same user, whose grant and expiry then replace the old ones
 * (the refresh flow of docs/security.md). Throws a {@link SignalError} on refusal.
 */
export async function renewIdentity(
  engine: Engine,
  peer: Peer,
  given: HandshakeAuth,
  auth: AuthOptions,
): Promise<Identity> {
  const identity = await authenticate(given, auth);
  if (peer.closed) throw new SignalError('unknown-peer', 'The connection has closed');
  if (identity.userId !== peer.info.userId) {
    if (peer.rooms.size > 0) {
      throw new SignalError(
        'not-allowed',
        'A new user needs a new connection; leave your rooms first',
      );
    }
    engine.reidentify(peer, identity);
  }
  engine.renewAccess(peer, identity.access);
  return identity;
}

/** An `auth` message on a Socket.IO or `/ws` connection: answers `welcome`, or `error`. */
export async function refreshIdentity(
  engine: Engine,
  peer: Peer,
  data: unknown,
  auth: AuthOptions,
): Promise<void> {
  const given = (data !== null && typeof data === 'object' ? data : {}) as HandshakeAuth;
  try {
    const identity = await renewIdentity(engine, peer, given, auth);
    // To the live connection only: a resumed client gets its own `welcome`, not this one again.
    peer.transport?.emit('welcome', {
      socketId: peer.id,
      userId: identity.userId,
      user: identity.user,
      expiresAt: identity.access.expiresAt,
      resumeToken: peer.resumeToken,
    });
  } catch (error) {
    if (peer.closed) return;
    const { code, message } =
      error instanceof SignalError ? error : new SignalError('unauthorized', 'Invalid token');
    engine.countRefusal(code);
    peer.sink.emit('error', { code, message, event: 'auth' });
  }
}
