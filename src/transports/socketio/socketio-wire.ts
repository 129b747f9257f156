import type { Socket as TcpSocket } from 'node:net';
import type { Socket } from 'socket.io';
import { corkForThisTick } from '../websocket/upgrade.js';

// The relay's hot path on Socket.IO, beside socket.io's own per-packet path: events go out as one
// JSON.stringify written straight to the WebSocket, and plain events come in through one
// JSON.parse. Everything else (acks, binary, other namespaces, polling) takes socket.io's path.

/** The part of an engine.io socket we read: its state, its queue and its transport. */
export interface EngineSocket {
  readyState: string;
  writeBuffer: unknown[];
  transport: {
    name: string;
    socket?: {
      _socket?: TcpSocket;
      _closeCode?: number;
      bufferedAmount?: number;
      send?(data: string): void;
      terminate?(): void;
    };
  };
  write(data: string): void;
  on(event: 'packetCreate', listener: (packet: { type: string; data?: unknown }) => void): void;
  on(event: 'heartbeat', listener: () => void): void;
  on(event: 'flush', listener: (packets: Array<{ data?: unknown }>) => void): void;
  on(event: 'data', listener: (data: unknown) => void): void;
  off(event: 'data', listener: (data: unknown) => void): void;
  listeners(event: 'data'): unknown[];
  close(discard?: boolean): void;
}

/**
 * Writes one event to a client on the default namespace. Over a WebSocket with nothing queued in
 * engine.io, the Engine.IO + Socket.IO frame (`42[event,data]`, the same for v2 and v4 clients)
 * goes to `ws` directly: no packet objects, flags or binary scan (what the server sends is JSON,
 * `ServerEvents`). `ws` keeps the order of what engine.io wrote before, and its buffered bytes
 * are counted in the outbound budget. Polling, an upgrade, or packets engine.io still holds take
 * `socket.write`, behind them, with the same frame.
 */
export function writeEvent(raw: EngineSocket, event: string, data: unknown): void {
  if (raw.readyState !== 'open') return;
  const json = JSON.stringify([event, data]);
  const ws = raw.transport.name === 'websocket' ? raw.transport.socket : undefined;
  if (ws?.send && ws._socket && raw.writeBuffer.length === 0) {
    corkForThisTick(ws._socket);
    ws.send('42' + json);
  } else raw.write('2' + json);
}

/** Event names socket.io's decoder refuses (its own and EventEmitter's). */
const RESERVED = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/**
 * A Socket.IO packet `2[event, payload, ...]` (an event on the default namespace, no ack, no
 * binary) as socket.io's decoder would read it; undefined for anything else.
 */
export function plainEvent(data: unknown): [event: string, payload: unknown] | undefined {
  if (typeof data !== 'string' || data.charCodeAt(0) !== 50 || data.charCodeAt(1) !== 91) {
    return undefined;
  }
  let args: unknown;
  try {
    args = JSON.parse(data.slice(1));
  } catch {
    return undefined;
  }
  if (!Array.isArray(args) || typeof args[0] !== 'string' || RESERVED.has(args[0]))
    return undefined;
  return [args[0], args[1]];
}

/**
 * Reads the plain events of a connection before socket.io's decoder: they reach `onEvent` as its
 * `onAny` would have given them, without the decoder, the packet object and its two ticks.
 * Anything else goes to socket.io as before and reaches `onAny`; while such a packet is in
 * flight (socket.io hands it over on the next tick) the following ones queue behind it, so
 * events keep their order. Returns false, changing nothing, if socket.io's listener is not found.
 */
export function readPlainEvents(
  socket: Socket,
  raw: EngineSocket,
  onEvent: (event: string, payload: unknown) => void,
): boolean {
  // Private to socket.io: the client's bound `data` listener and its decoder.
  const slow: ((data: unknown) => void) | undefined = socket.client['ondata'];
  const decoder: { reconstructor?: unknown } = socket.client['decoder'];
  if (typeof slow !== 'function' || !raw.listeners('data').includes(slow)) return false;
  let inFlight = 0;
  const settled = () => inFlight--;
  raw.off('data', slow);
  raw.on('data', (data) => {
    const event =
      inFlight === 0 && socket.connected && !decoder.reconstructor ? plainEvent(data) : undefined;
    if (event) return onEvent(event[0], event[1]);
    inFlight++;
    slow.call(socket.client, data);
    process.nextTick(settled);
  });
  return true;
}
