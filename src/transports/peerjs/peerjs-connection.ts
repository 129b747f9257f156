import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { SHUTDOWN } from '../../engine/engine.js';
import type { Connection, TransportSocket } from '../core/connection.js';
import { closeReason } from '../websocket/upgrade.js';
import { errorMessage } from './peerjs-messages.js';
import { PEERJS_EVENT } from './peerjs-relay.js';
import { kickedText } from './peerjs-resume.js';

/** One PeerJS id on this process; its socket changes when the client reconnects. */
export interface PeerjsLink {
  ws: WebSocket;
  /** The core's connection of its peer (set once opened). */
  connection: Connection;
  /** The client's `token`: a reconnect with the same one takes the id over. */
  token: string;
  lastSeen: number;
  /** Ids this peer sent messages to: they hear `LEAVE` when it goes. */
  contacts: Set<string>;
  /** Events not written since `ws` stopped being open: a resume replays them. */
  unsent: number;
}

/**
 * The core's view of a PeerJS socket: always the link's current `ws`, so a takeover keeps the
 * peer. Relayed messages go out as they are; a kick or an expired token becomes `ERROR` (the
 * client then stops, rather than reconnecting); the other sinyal events (broadcasts, notices of
 * rate limits) have no PeerJS form and are not sent. The core keeps the outbound budget.
 */
export function peerjsSocket(
  link: PeerjsLink,
  id: string,
  request: IncomingMessage,
): TransportSocket {
  const write = (text: string) => link.ws.send(text);
  return {
    transport: 'peerjs',
    id,
    remoteAddress: request.socket.remoteAddress,
    headers: request.headers,
    send(event, data) {
      // Written to a socket already closing: lost, so counted for a resume (filtered or not).
      if (link.ws.readyState !== link.ws.OPEN) return void link.unsent++;
      if (event === PEERJS_EVENT) write(JSON.stringify(data));
      else if (event === 'kicked' || event === 'error') {
        const notice = noticeText(event, data);
        if (notice !== undefined) write(errorMessage(notice));
      }
    },
    queuedBytes: () => (link.ws.readyState === link.ws.OPEN ? link.ws.bufferedAmount : 0),
    close: (reason) => link.ws.close(reason === SHUTDOWN ? 1012 : 1000, closeReason(reason)),
    terminate: () => link.ws.terminate(),
  };
}

/** The `ERROR` text of a kick or an expired token (rare: read by value, not by type); else none. */
function noticeText(event: 'kicked' | 'error', data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  if (event === 'kicked' && 'reason' in data) return kickedText(String(data.reason));
  if (event === 'error' && 'code' in data && data.code === 'token-expired' && 'message' in data)
    return String(data.message);
  return undefined;
}
