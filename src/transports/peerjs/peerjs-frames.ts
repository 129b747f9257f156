import type { RawData, WebSocket } from 'ws';
import type { Engine } from '../../engine/engine.js';
import type { PeerjsLink } from './peerjs-connection.js';
import { MessageType, readFrame } from './peerjs-messages.js';
import { PEERJS_EVENT, type PeerjsRelay } from './peerjs-relay.js';

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
  link: PeerjsLink,
  ws: WebSocket,
  early: Frame[],
  closed: (code: number) => void,
): void {
  const { connection } = link;
  const onFrame = (raw: RawData, isBinary: boolean) => {
    if (link.ws !== ws) return;
    link.lastSeen = Date.now();
    // The per-peer rate limit of every transport, on every frame (a flood of bad ones too,
    // before parsing it); a refused frame is dropped, and counted.
    if (!connection.takeToken()) return;
    const frame = readFrame(isBinary ? '' : raw.toString(), connection.peer.id);
    if ('heartbeat' in frame) return;
    if ('error' in frame) {
      engine.countRefusal('invalid-payload');
      // Through the peer's sink: within its outbound budget, as every write to it.
      const error = { type: MessageType.ERROR, payload: { msg: frame.error } };
      return connection.sink.emit(PEERJS_EVENT, error);
    }
    const { message } = frame;
    if (link.contacts.size < MAX_CONTACTS) link.contacts.add(message.dst);
    relay.send(message);
  };
  ws.on('message', onFrame);
  ws.on('close', (code) => {
    // A replaced socket closes without its peer.
    if (link.ws === ws) closed(code);
  });
  for (const [raw, isBinary] of early) onFrame(raw, isBinary);
}
