import type { AuthOptions, HandshakeAuth, Identity } from '../../auth/identity.js';
import type { ConnectOptions, Engine } from '../../engine/engine.js';
import type { Peer } from '../../engine/peer.js';
import { SessionKicked } from '../../engine/resume.js';
import { SignalError } from '../../engine/signal-error.js';
import type { PeerSink } from '../../protocol/types.js';

/** A handshake's `resume` (the token from `welcome`) and `received` (events the client got). */
export interface ResumeRequest {
  resume?: unknown;
  received?: unknown;
}

/** What a resuming handshake found, decided before the connection opens. */
export interface PreparedResume {
  found: Peer | SignalError;
  received: number | undefined;
}

/**
 * Looks up the peer a handshake asks to resume (undefined when it asks for none). The token is
 * the proof; when the handshake also names a user (a JWT, a `userId`), it must be the peer's.
 */
export async function prepareResume(
  engine: Engine,
  request: ResumeRequest,
  credentials: HandshakeAuth,
  identity: Identity,
): Promise<PreparedResume | undefined> {
  if (request.resume === undefined || request.resume === '') return undefined;
  const named = credentials.userId !== undefined || credentials.token !== undefined;
  const found = await engine.findResumable(request.resume, named ? identity.userId : undefined);
  const received = Number(request.received);
  const valid = request.received !== undefined && Number.isSafeInteger(received) && received >= 0;
  return { found, received: valid ? received : undefined };
}

/**
 * Opens a connection's peer: the resumed one (then `welcome { resumed: true }` and what it
 * missed), else a new one (`welcome`, then `error { code: 'resume-failed' }` if a resume was
 * refused; for a kicked session `error { code: 'kicked' }` and `kicked`, then it is closed).
 * Throws `server-busy` like {@link Engine.connect}. A resumed peer takes the grants and expiry
 * of the new handshake's token.
 */
export function openPeer(
  engine: Engine,
  sink: PeerSink,
  options: ConnectOptions,
  resume: PreparedResume | undefined,
  auth?: AuthOptions,
): Peer {
  let refused: SignalError | undefined;
  if (resume && !(resume.found instanceof SignalError)) {
    const peer = resume.found;
    const missed = engine.resume(peer, sink, resume.received);
    if (!(missed instanceof SignalError)) {
      if (options.access) engine.renewAccess(peer, options.access);
      sink.emit('welcome', welcome(engine, peer, true, auth));
      for (const [event, data] of missed) sink.emit(event, data);
      return peer;
    }
    refused = missed;
  } else if (resume) refused = resume.found as SignalError;
  const peer = engine.connect(sink, options);
  sink.emit('welcome', welcome(engine, peer, false, auth));
  if (refused) {
    peer.sink.emit('error', { code: refused.code, message: refused.message, event: 'resume' });
  }
  if (refused instanceof SessionKicked) {
    // Told as a connected peer would have been; ended before any of its messages is handled.
    peer.sink.emit('kicked', { reason: refused.reason });
    void engine.disconnect(peer, 'kicked');
    sink.disconnect(refused.reason);
  }
  return peer;
}

function welcome(engine: Engine, peer: Peer, resumed: boolean, auth: AuthOptions | undefined) {
  const { id, userId, user } = peer.info;
  const identity = {
    socketId: id,
    userId,
    user,
    expiresAt: peer.access.expiresAt,
    connectionToken: auth?.welcomeToken?.(id),
  };
  const token = peer.resumeToken;
  if (!token) return identity;
  return {
    ...identity,
    resumeToken: token,
    resumed,
    resumeWindowMs: engine.resumeWindowMs,
  };
}
