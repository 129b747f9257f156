import type { RawData, WebSocket } from 'ws';
import type { Engine } from '../../engine/engine.js';
import type { PeerjsConnection } from './peerjs-connection.js';
import { errorMessage, readFrame } from './peerjs-messages.js';
import type { PeerjsRelay } from './peerjs-relay.js';

/** Contacts remembered per peer for its `LEAVE`; a peer talking to more is not told of all. */
const MAX_CONTACTS = 1024;
/** Frames kept while a handshake is decided; a client sends a few queued offers at most. */
const MAX_EARLY_FRAMES = 64;

type Frame = [raw: RawData, isBinary: boolean];

/**
 * Keeps what a socket sends before its handshake is decided (a JWT being checked): the peerjs
 * client writes its queued messages as soon as the socket opens, without waiting for `OPEN`.
 * The returned function stops keeping and hands them over, in order.
 */
export function holdFrames(ws: WebSocket): () => Frame[] {
  const early: Frame[] = [];
  const hold = (raw: RawData, isBinary: boolean) => {
    if (early.length < MAX_EARLY_FRAMES) early.push([raw, isBinary]);
  };
  ws.on('message', hold);
  return () => {
    ws.off('message', hold);
    return early;
  };
}

/**
 * Reads a PeerJS peer's frames from `ws` (after the `early` ones): each relayed under the
 * peer's rate limit, with `src` set to its id. `closed` runs when this socket (not one that
 * replaced it) closes.
 */
export function readFrames(
  engine: Engine,
  relay: PeerjsRelay,
  connection: PeerjsConnection,
  ws: WebSocket,
  early: Frame[],
  closed: (code: number) => void,
): void {
  const { peer } = connection;
  const onFrame = (raw: RawData, isBinary: boolean) => {
    if (connection.ws !== ws) return;
    connection.lastSeen = Date.now();
    const frame = readFrame(isBinary ? '' : raw.toString(), peer.id);
    if ('heartbeat' in frame) return;
    if ('error' in frame) {
      engine.countRefusal('invalid-payload');
      return void ws.send(errorMessage(frame.error));
    }
    // The per-peer rate limit of every transport; a refused message is dropped, and counted.
    if (!engine.takeToken(peer)) return;
    const { message } = frame;
    if (connection.contacts.size < MAX_CONTACTS) connection.contacts.add(message.dst);
    relay.send(message);
  };
  ws.on('message', onFrame);
  ws.on('close', (code) => {
    // A replaced socket closes without its peer.
    if (connection.ws === ws) closed(code);
  });
  for (const [raw, isBinary] of early) onFrame(raw, isBinary);
}
