import type { WebSocket } from 'ws';
import type { Engine } from '../../engine/engine.js';
import type { Peer } from '../../engine/peer.js';
import type { PeerSink } from '../../protocol/types.js';
import { errorMessage } from './peerjs-messages.js';
import { PEERJS_EVENT } from './peerjs-relay.js';

/** One PeerJS id on this process; its socket changes when the client reconnects. */
export interface PeerjsConnection {
  ws: WebSocket;
  peer: Peer;
  sink: PeerSink;
  /** The client's `token`: a reconnect with the same one takes the id over. */
  token: string;
  lastSeen: number;
  /** Ids this peer sent messages to: they hear `LEAVE` when it goes. */
  contacts: Set<string>;
}

/**
 * Writes the engine's events for a PeerJS peer. Relayed messages go out as they are; a kick or
 * an expired token becomes `ERROR` (the client then stops, rather than reconnecting); the other
 * sinyal events (broadcasts, notices of rate limits) have no PeerJS form and are not sent.
 */
export function peerjsSink(
  engine: Engine,
  connection: PeerjsConnection,
  maxBufferedBytes: number,
): PeerSink {
  const write = (text: string) => {
    const { ws } = connection;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      // A client that stopped reading: drop it and what it left unread, now.
      engine.dropOverBudget(connection.peer);
      ws.terminate();
      return;
    }
    ws.send(text);
  };
  return {
    emit(event, data) {
      if (event === PEERJS_EVENT) write(JSON.stringify(data));
      else if (event === 'kicked') {
        write(errorMessage(`Disconnected by the server: ${(data as { reason: string }).reason}`));
      } else if (event === 'error' && (data as { code?: string }).code === 'token-expired') {
        write(errorMessage((data as { message: string }).message));
      }
    },
    disconnect(reason) {
      connection.ws.close(reason === 'shutdown' ? 1012 : 1000, reason.slice(0, 120));
    },
  };
}
