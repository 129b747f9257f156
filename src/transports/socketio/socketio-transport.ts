import type { Socket as TcpSocket } from 'node:net';
import type { Server, Socket } from 'socket.io';
import { SignalError } from '../../engine/signal-error.js';
import type { Connection } from '../core/connection.js';
import type { Admission, TransportCore } from '../core/transport-core.js';
import { SocketIoLink } from './socketio-link.js';
import { readPlainEvents, type EngineSocket } from './socketio-wire.js';

interface SocketData {
  admission: Admission;
}

/** WebSocket close codes a client sends on purpose: normal, going away (tab closed), none. */
const DELIBERATE_CLOSE = new Set([1000, 1001, 1005]);

/**
 * Whether a disconnect may be resumed: anything but the client leaving on purpose (its own
 * `disconnect()`, or a tab closing its WebSocket with a code) is a drop: a network loss, a ping
 * timeout, a server shutdown. A kicked peer is ended by the engine whatever the reason.
 */
function resumable(reason: string, raw: EngineSocket): boolean {
  if (reason === 'client namespace disconnect') return false;
  if (reason !== 'transport close') return true;
  // `ws` has the close frame's code by the time engine.io reports the close (1006: none came).
  const code = raw.transport.name === 'websocket' ? raw.transport.socket?._closeCode : undefined;
  return code === undefined || !DELIBERATE_CLOSE.has(code);
}

/**
 * The TCP socket under an engine.io websocket transport (undefined for polling). `_socket` is
 * `ws`'s own field; engine.io reaches into `ws` the same way (`_sender`) for its fast path.
 */
function tcpSocketOf(raw: EngineSocket): TcpSocket | undefined {
  return raw.transport.name === 'websocket' ? raw.transport.socket?._socket : undefined;
}

/**
 * Serves both event vocabularies (pair and mesh) on the default namespace. Every event goes
 * through one `onAny` into the engine, so unknown events are answered like invalid ones.
 * The lifecycle (authentication, the peer, the outbound budget, the close) is the core's.
 */
export function attachSocketIo(io: Server, core: TransportCore): void {
  // Packets engine.io flushes together (those queued while the previous write was in flight)
  // leave in one TCP write instead of one syscall each: cork the socket for the flush. Two
  // server-wide listeners, nothing per connection.
  io.engine.on('flush', (raw: EngineSocket) => tcpSocketOf(raw)?.cork());
  io.engine.on('drain', (raw: EngineSocket) => tcpSocketOf(raw)?.uncork());

  // Our own resume token in the handshake `auth`, not Socket.IO's connection state recovery: that
  // one keeps missed packets in the adapter of the process that sent them and restores a socket
  // only there, while a sinyal peer lives in the engine and the cluster (docs/protocol.md).
  io.use((socket, next) => {
    // Socket.IO v2 clients have no `auth`: they send userId, token and name in the query.
    const v2 = (socket.conn as unknown as { protocol: number }).protocol === 3;
    const handshake = v2 ? credentialsOf(socket.handshake.query) : (socket.handshake.auth ?? {});
    core.admit(handshake).then(
      (admission) => {
        (socket.data as SocketData).admission = admission;
        next();
      },
      // The message is the contract: mesh clients look for `Authentication required`.
      (error: SignalError) => {
        next(Object.assign(new Error(error.message), { data: { code: error.code } }));
      },
    );
  });

  const jwt = core.options.auth.mode === 'jwt';
  io.on('connection', (socket: Socket) => {
    const raw = socket.conn as unknown as EngineSocket;
    const watch = new EngineIoWatch(raw);
    const link = new SocketIoLink(socket, raw, watch);
    const opened = core.open(link, (socket.data as SocketData).admission);
    if (opened instanceof SignalError) {
      socket.emit('error', { code: opened.code, message: opened.message });
      socket.disconnect(true);
      return;
    }
    // The handshake (headers, address, query) is copied already; dropping engine.io's reference
    // to the upgrade request frees it for the connection's lifetime (Socket.IO's memory advice).
    (socket.conn as { request: unknown }).request = null;
    link.opened();
    socket.data = {};
    watch.connection = opened;
    const onEvent = (event: string, payload: unknown) => {
      if (event === 'auth' && jwt) void opened.refresh(payload);
      else void opened.receive(event, payload);
    };
    // Plain events skip socket.io's decoder (socketio-wire.ts); acks, binary and the rest come
    // through `onAny`.
    readPlainEvents(socket, raw, onEvent);
    socket.onAny(onEvent);
    socket.on('disconnect', (reason) => opened.closed(reason, resumable(reason, raw)));
  });
}

/**
 * What the transport watches on one engine.io socket, counted as packets are created and
 * flushed so that reading it costs nothing per message:
 * - the bytes waiting for the client: packets engine.io holds while its transport is busy (all
 *   of them for a client that stopped reading) plus what the WebSocket has not handed on;
 * - the heartbeat: engine.io pings (protocol 4) and sends the next ping only after the pong,
 *   which comes after everything sent before the ping, so the resume log lets that go. Protocol
 *   3 clients ping the server instead, which says nothing of what they read: no ping of ours, no mark.
 */
class EngineIoWatch {
  queued = 0;
  connection: Connection | undefined;

  constructor(private readonly raw: EngineSocket) {
    raw.on('packetCreate', (packet) => {
      this.queued += sizeOf(packet.data);
      if (packet.type === 'ping') this.connection?.pinged();
    });
    raw.on('flush', (packets) => {
      for (const packet of packets) this.queued -= sizeOf(packet.data);
    });
    // Protocol 3 emits it for the client's ping, when no ping of ours waits: it confirms nothing.
    raw.on('heartbeat', () => this.connection?.ponged());
  }

  bytes(): number {
    return this.queued + (this.raw.transport.socket?.bufferedAmount ?? 0);
  }
}

/** The handshake fields a query may carry (one value each; arrays are not credentials). */
function credentialsOf(query: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key of ['userId', 'token', 'name', 'avatar', 'resume', 'received']) {
    if (typeof query[key] === 'string') fields[key] = query[key];
  }
  return fields;
}

/** Length of a queued packet's data, in bytes for buffers and UTF-16 units for strings. */
function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data && typeof data === 'object' && 'byteLength' in data) {
    return (data as { byteLength: number }).byteLength;
  }
  return 0;
}
