import type { Writable } from 'node:stream';
import type { Server, Socket } from 'socket.io';
import { addressOf, authenticate, type AuthOptions, type Identity } from '../../auth/identity.js';
import { refreshIdentity } from '../../auth/refresh.js';
import type { Engine } from '../../engine/engine.js';
import type { SignalError } from '../../engine/signal-error.js';
import type { PeerSink } from '../../engine/types.js';

interface SocketData {
  identity: Identity;
}

/** The part of an engine.io socket we read: its transport and, on websocket, the `ws` socket. */
interface EngineSocket {
  transport: { name: string; socket?: { _socket?: Writable } };
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
export function attachSocketIo(io: Server, engine: Engine, auth: AuthOptions): void {
  // Packets engine.io flushes together (those queued while the previous write was in flight)
  // leave in one TCP write instead of one syscall each: cork the socket for the flush. Two
  // server-wide listeners, nothing per connection.
  io.engine.on('flush', (raw: EngineSocket) => tcpSocketOf(raw)?.cork());
  io.engine.on('drain', (raw: EngineSocket) => tcpSocketOf(raw)?.uncork());

  io.use((socket, next) => {
    authenticate(socket.handshake.auth ?? {}, auth).then(
      (identity) => {
        (socket.data as SocketData).identity = identity;
        next();
      },
      // The message is the contract: mesh clients look for `Authentication required`.
      (error: SignalError) => {
        engine.countRefusal(error.code ?? 'unauthorized');
        next(Object.assign(new Error(error.message), { data: { code: error.code } }));
      },
    );
  });

  io.on('connection', (socket: Socket) => {
    const { identity } = socket.data as SocketData;
    const sink: PeerSink = {
      emit: (event, data) => socket.emit(event, data),
      disconnect: () => socket.disconnect(true),
    };
    let peer;
    try {
      peer = engine.connect(sink, {
        transport: 'socket.io',
        id: socket.id,
        userId: identity.userId,
        user: identity.user,
        address: addressOf(auth, socket.handshake.address, socket.handshake.headers),
        userAgent: socket.handshake.headers['user-agent'],
        access: identity.access,
      });
    } catch (error) {
      const { code, message } = error as SignalError;
      socket.emit('error', { code, message });
      socket.disconnect(true);
      return;
    }
    const connected = peer;
    // The handshake (headers, address, query) is copied already; dropping engine.io's reference
    // to the upgrade request frees it for the connection's lifetime (Socket.IO's memory advice).
    (socket.conn as { request: unknown }).request = null;
    socket.emit('welcome', {
      socketId: socket.id,
      userId: identity.userId,
      user: identity.user,
      expiresAt: identity.access.expiresAt,
      connectionToken: auth.connectionToken?.(socket.id),
    });
    socket.onAny((event: string, payload: unknown) => {
      if (event === 'auth' && auth.mode === 'jwt') {
        void refreshIdentity(engine, connected, payload, auth);
      } else void engine.receive(connected, event, payload);
    });
    socket.on('disconnect', (reason) => {
      void engine.disconnect(connected, reason);
    });
  });
}
