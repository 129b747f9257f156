import type { Server, Socket } from 'socket.io';
import { resolveIdentity, type AuthOptions, type Identity } from '../../auth/identity.js';
import type { Engine } from '../../engine/engine.js';
import type { SignalError } from '../../engine/signal-error.js';
import type { PeerSink } from '../../engine/types.js';

interface SocketData {
  identity: Identity;
}

/**
 * Serves both event vocabularies (pair and mesh) on the default namespace. Every event goes
 * through one `onAny` into the engine, so unknown events are answered like invalid ones.
 */
export function attachSocketIo(io: Server, engine: Engine, auth: AuthOptions): void {
  io.use((socket, next) => {
    resolveIdentity(socket.handshake.auth ?? {}, auth).then(
      (identity) => {
        (socket.data as SocketData).identity = identity;
        next();
      },
      // The message is the contract: reference 004 clients look for `Authentication required`.
      (error: Error) => next(new Error(error.message)),
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
        address: socket.handshake.address,
        userAgent: socket.handshake.headers['user-agent'],
      });
    } catch (error) {
      const { code, message } = error as SignalError;
      socket.emit('error', { code, message });
      socket.disconnect(true);
      return;
    }
    const connected = peer;
    socket.emit('welcome', { socketId: socket.id, userId: identity.userId, user: identity.user });
    socket.onAny((event: string, payload: unknown) => {
      void engine.receive(connected, event, payload);
    });
    socket.on('disconnect', (reason) => {
      void engine.disconnect(connected, reason);
    });
  });
}
