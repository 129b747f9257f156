import type { Writable } from 'node:stream';
import type { Server, Socket } from 'socket.io';
import { addressOf, authenticate, type AuthOptions, type Identity } from '../../auth/identity.js';
import { refreshIdentity } from '../../auth/refresh.js';
import type { Engine } from '../../engine/engine.js';
import type { Peer } from '../../engine/peer.js';
import type { SignalError } from '../../engine/signal-error.js';
import type { PeerSink } from '../../protocol/types.js';
import { OVER_BUDGET_REASON, sizeOf } from '../outbound-budget.js';
import { openPeer, prepareResume, type PreparedResume } from '../resume-handshake.js';

interface SocketData {
  identity: Identity;
  resume?: PreparedResume;
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

/** The part of an engine.io socket we read: its transport and, on websocket, the `ws` socket. */
interface EngineSocket {
  transport: {
    name: string;
    socket?: {
      _socket?: Writable;
      _closeCode?: number;
      bufferedAmount?: number;
      terminate?(): void;
    };
  };
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): void;
  on(event: 'flush', listener: (packets: Array<{ data?: unknown }>) => void): void;
  close(discard?: boolean): void;
}

/**
 * The TCP socket under an engine.io websocket transport (undefined for polling). `_socket` is
 * `ws`'s own field; engine.io reaches into `ws` the same way (`_sender`) for its fast path.
 */
function tcpSocketOf(raw: EngineSocket): Writable | undefined {
  return raw.transport.name === 'websocket' ? raw.transport.socket?._socket : undefined;
}

/**
 * Serves both event vocabularies (pair and mesh) on the default namespace. Every event goes
 * through one `onAny` into the engine, so unknown events are answered like invalid ones.
 */
export function attachSocketIo(
  io: Server,
  engine: Engine,
  auth: AuthOptions,
  /** Outbound budget per connection, bytes (MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number,
): void {
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
    const prepare = async () => {
      const identity = await authenticate(handshake, auth);
      const data = socket.data as SocketData;
      data.identity = identity;
      data.resume = await prepareResume(engine, handshake, handshake, identity);
    };
    prepare().then(
      () => next(),
      // The message is the contract: mesh clients look for `Authentication required`.
      (error: SignalError) => {
        engine.countRefusal(error.code ?? 'unauthorized');
        next(Object.assign(new Error(error.message), { data: { code: error.code } }));
      },
    );
  });

  io.on('connection', (socket: Socket) => {
    const { identity, resume } = socket.data as SocketData;
    const raw = socket.conn as unknown as EngineSocket;
    const outbound = trackOutbound(raw);
    const sink: PeerSink = {
      emit: (event, data) => {
        if (outbound.bytes() <= maxBufferedBytes) {
          socket.emit(event, data);
          return;
        }
        if (peer) {
          engine.counters.overBudget['socket.io']++;
          void engine.disconnect(peer, OVER_BUDGET_REASON);
        }
        // Without waiting for a drain that will not come, and dropping what was queued.
        const ws = raw.transport.name === 'websocket' ? raw.transport.socket : undefined;
        raw.close(true);
        ws?.terminate?.();
      },
      disconnect: () => socket.disconnect(true),
    };
    let peer: Peer | undefined;
    try {
      const options = {
        transport: 'socket.io' as const,
        id: socket.id,
        userId: identity.userId,
        user: identity.user,
        address: addressOf(auth, socket.handshake.address, socket.handshake.headers),
        userAgent: socket.handshake.headers['user-agent'],
        access: identity.access,
      };
      peer = openPeer(engine, sink, options, resume, auth);
    } catch (error) {
      const { code, message } = error as SignalError;
      socket.emit('error', { code, message });
      socket.disconnect(true);
      return;
    }
    const connected: Peer = peer;
    // The handshake (headers, address, query) is copied already; dropping engine.io's reference
    // to the upgrade request frees it for the connection's lifetime (Socket.IO's memory advice).
    (socket.conn as { request: unknown }).request = null;
    socket.data = {};
    socket.onAny((event: string, payload: unknown) => {
      if (event === 'auth' && auth.mode === 'jwt') {
        void refreshIdentity(engine, connected, payload, auth);
      } else void engine.receive(connected, event, payload);
    });
    socket.on('disconnect', (reason) => {
      engine.transportClosed(connected, sink, reason, resumable(reason, raw));
    });
  });
}

/**
 * Bytes waiting for one client: packets engine.io holds while its transport is busy (all of them
 * for a client that stopped reading) plus what the WebSocket has not handed to the network.
 * Counted as packets are created and flushed, so reading it costs nothing per message.
 */
function trackOutbound(raw: EngineSocket): { bytes(): number } {
  let queued = 0;
  raw.on('packetCreate', (packet) => (queued += sizeOf(packet.data)));
  raw.on('flush', (packets) => {
    for (const packet of packets) queued -= sizeOf(packet.data);
  });
  return { bytes: () => queued + (raw.transport.socket?.bufferedAmount ?? 0) };
}

/** The handshake fields a query may carry (one value each; arrays are not credentials). */
function credentialsOf(query: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key of ['userId', 'token', 'name', 'avatar', 'resume', 'received']) {
    if (typeof query[key] === 'string') fields[key] = query[key];
  }
  return fields;
}
