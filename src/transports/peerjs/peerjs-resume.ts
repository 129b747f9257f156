import { createHash } from 'node:crypto';
import type { Engine } from '../../engine/engine.js';
import type { Peer } from '../../engine/peer.js';
import { SessionKicked } from '../../engine/resume.js';
import { SignalError } from '../../engine/signal-error.js';

/**
 * A PeerJS client comes back by `reconnect()` (or a new `Peer` with the same id and token): its
 * `token` is its resume secret. The engine's secret is 32 base64url characters, so the token is
 * hashed to that: the resume token of a PeerJS peer is `<id>.<secret of its token>`.
 */
export function peerjsResumeSecret(token: string): string {
  return createHash('sha256').update(`peerjs:${token}`).digest('base64url').slice(0, 32);
}

/** The resume token a PeerJS handshake stands for. */
export const peerjsResumeToken = (id: string, token: string) =>
  `${id}.${peerjsResumeSecret(token)}`;

/**
 * Whether a PeerJS socket's close is a drop its client may come back from. The peerjs client's
 * `disconnect()` and `destroy()` send a close frame (1005: no code; a closing tab sends 1001):
 * the peer ends at once and its contacts hear `LEAVE`. No close frame (1006: the network cut,
 * the process killed, or a heartbeat timeout terminating it) or a server restart (1012) parks
 * the peer for the resume window.
 */
export const isDrop = (code: number): boolean => code === 1006 || code === 1012;

/** The `ERROR` text of a peer an admin removed (also when its client comes back). */
export const kickedText = (reason: string) => `Disconnected by the server: ${reason}`;

/**
 * What a handshake's id comes to: claimed for a new peer (atomically cluster-wide: of two
 * clients racing for it, one wins), this client's own peer when it holds the id with the same
 * token (dropped, here or on another process, or still connected elsewhere), else taken.
 */
export async function settleId(
  engine: Engine,
  id: string,
  token: string,
  userId: string,
): Promise<'claimed' | 'taken' | Peer | SessionKicked> {
  if (await engine.claimId(id, 'peerjs')) return 'claimed';
  if (engine.resumeWindowMs <= 0) return 'taken';
  const found = await engine.findResumable(peerjsResumeToken(id, token), userId);
  if (found instanceof SessionKicked) return found;
  return found instanceof SignalError ? 'taken' : found;
}
