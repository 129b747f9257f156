import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'socket.io';
import type { OutboundEventName, OutboundEvents } from '../../protocol/outbound.js';
import type { TransportName } from '../../protocol/types.js';
import { NO_HEADERS, type TransportSocket } from '../core/connection.js';
import { writeEvent, type EngineSocket } from './socketio-wire.js';

/**
 * One Socket.IO connection as the core writes to it. A class, not closures, so an idle
 * connection holds one small object rather than a closure per method.
 */
export class SocketIoLink implements TransportSocket {
  readonly id: string;
  readonly remoteAddress: string | undefined;
  /** The handshake's, read when the core opens the connection; then let go ({@link opened}). */
  headers: IncomingHttpHeaders;

  constructor(
    private readonly socket: Socket,
    private readonly raw: EngineSocket,
    private readonly outbound: { bytes(): number },
  ) {
    this.id = socket.id;
    this.remoteAddress = socket.handshake.address;
    this.headers = socket.handshake.headers;
  }

  /**
   * After the core opened it: what it read of the handshake (address, user agent, credentials)
   * is copied, so the headers (a browser's cookies, often a few KB), query, URL and token held
   * by Socket.IO's `handshake` need not live as long as the connection.
   */
  opened(): void {
    this.headers = NO_HEADERS;
    Object.assign(this.socket.handshake, { headers: NO_HEADERS, query: {}, url: '', auth: {} });
  }

  get transport(): TransportName {
    return 'socket.io';
  }

  send<E extends OutboundEventName>(event: E, data: OutboundEvents[E]): void {
    writeEvent(this.raw, event, data);
  }

  queuedBytes(): number {
    return this.outbound.bytes();
  }

  close(): void {
    this.socket.disconnect(true);
  }

  /** Without waiting for a drain that will not come, and dropping what was queued. */
  terminate(): void {
    const raw = this.raw;
    const ws = raw.transport.name === 'websocket' ? raw.transport.socket : undefined;
    raw.close(true);
    ws?.terminate?.();
  }
}
