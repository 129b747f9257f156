import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'socket.io';
import type { OutboundEventName, OutboundEvents } from '../../protocol/outbound.js';
import type { TransportName } from '../../protocol/types.js';
import type { TransportSocket } from '../core/connection.js';
import { writeEvent, type EngineSocket } from './socketio-wire.js';

/**
 * One Socket.IO connection as the core writes to it. A class, not closures, so an idle
 * connection holds one small object rather than a closure per method.
 */
export class SocketIoLink implements TransportSocket {
  readonly id: string;
  readonly remoteAddress: string | undefined;
  readonly headers: IncomingHttpHeaders;

  constructor(
    private readonly socket: Socket,
    private readonly raw: EngineSocket,
    private readonly outbound: { bytes(): number },
  ) {
    this.id = socket.id;
    this.remoteAddress = socket.handshake.address;
    this.headers = socket.handshake.headers;
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
