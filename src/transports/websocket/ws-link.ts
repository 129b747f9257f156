import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { OutboundEventName, OutboundEvents } from '../../protocol/outbound.js';
import type { TransportName } from '../../protocol/types.js';
import { NO_HEADERS, type Connection, type TransportSocket } from '../core/connection.js';
import { closeCodeOf, closeReason, corkForThisTick } from './upgrade.js';

/**
 * One `/ws` connection: the socket the core writes to and what the heartbeat checks. A class,
 * not closures, so an idle connection holds one small object rather than a closure per method.
 */
export class WsLink implements TransportSocket {
  /** When it last sent a frame or a pong. */
  lastSeen = Date.now();
  /** Set when the server closes it; a close the client did not ask for may be resumed. */
  closedByServer = false;
  /** Its connection, once the core opened it. */
  connection: Connection | undefined;
  readonly remoteAddress: string | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly tcp: Socket,
    /** The upgrade request's, read when the core opens the connection; then let go. */
    public headers: IncomingHttpHeaders,
  ) {
    this.remoteAddress = tcp.remoteAddress;
  }

  /** After the core opened it: the request's headers are no longer held by each connection. */
  opened(connection: Connection): void {
    this.connection = connection;
    this.headers = NO_HEADERS;
  }

  get transport(): TransportName {
    return 'websocket';
  }

  send<E extends OutboundEventName>(event: E, data: OutboundEvents[E]): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    corkForThisTick(this.tcp);
    ws.send(JSON.stringify({ event, data }));
  }

  queuedBytes(): number {
    return this.ws.readyState === this.ws.OPEN ? this.ws.bufferedAmount : 0;
  }

  close(reason: string): void {
    this.closedByServer = true;
    this.ws.close(closeCodeOf(reason), closeReason(reason));
  }

  terminate(): void {
    this.ws.terminate();
  }
}
