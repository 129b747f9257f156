import type { Emitter } from './emitter.js';
import type { Signal } from './peer.js';
import { anonymousState, type PeerSet } from './peer-set.js';
import type { Room, SignalingSocket } from './signaling.js';
import type { ClientEvents, ServerEvents } from './types.js';

/** What the room listeners read and drive of the client. */
export interface RoomContext {
  room(): Room | undefined;
  set: PeerSet;
  emit: <E extends keyof ClientEvents>(event: E, data: ClientEvents[E]) => void;
  /** Hands a description or candidate to the peer set (only inside a room). */
  signal(from: string, signal: Signal): void;
  /** Restates this peer's media state after a (re)join. */
  reannounce(): void;
}

/** Room events of both dialects: mesh (`video:*`, reference 004) and pair (reference 000). */
export function listenRoomEvents(socket: SignalingSocket, ctx: RoomContext): void {
  const { set, emit } = ctx;
  const inMesh = (roomId: string) => {
    const room = ctx.room();
    return room?.kind === 'mesh' && room.id === roomId;
  };
  const inPair = (roomId: string) => {
    const room = ctx.room();
    return room?.kind === 'pair' && room.id === roomId;
  };

  // Mesh dialect (reference 004)
  socket.on('video:room-state', ({ roomId, participants }) => {
    if (!inMesh(roomId)) return;
    const present = new Set(participants.map((p) => p.socketId));
    for (const id of [...set.participants.keys()]) if (!present.has(id)) set.drop(id);
    for (const state of participants) set.add(state, true);
    emit('room-joined', {
      roomId,
      kind: 'mesh',
      participants: [...set.participants.values()],
    });
    ctx.reannounce();
  });
  socket.on('video:user-joined', (joined) => {
    if (ctx.room()?.id !== joined.roomId) return;
    set.add(
      { ...joined, isMuted: false, isVideoOff: false, isSharingScreen: false, joinedAt: '' },
      false,
    );
  });
  socket.on('video:user-left', ({ socketId }) => set.drop(socketId));
  socket.on('video:offer', ({ from, offer }) => ctx.signal(from, { description: offer }));
  socket.on('video:answer', ({ from, answer }) => ctx.signal(from, { description: answer }));
  socket.on('video:ice-candidate', ({ from, candidate }) => ctx.signal(from, { candidate }));
  socket.on('video:peer-audio-changed', ({ socketId, isMuted }) =>
    set.update(socketId, { isMuted }),
  );
  socket.on('video:peer-video-changed', ({ socketId, isVideoOff }) =>
    set.update(socketId, { isVideoOff }),
  );
  socket.on('video:peer-screen-share', ({ socketId, isSharing }) =>
    set.update(socketId, { isSharingScreen: isSharing }),
  );
  socket.on('chat:video-message-received', (m) =>
    emit('chat', {
      id: m.id,
      from: m.socketId,
      userId: m.userId,
      name: m.user.name,
      text: m.message,
      timestamp: m.timestamp,
      via: 'server',
    }),
  );
  socket.on('room-full', (full) => emit('room-full', full));

  // Pair dialect (reference 000)
  socket.on('joined', ({ roomId }) => {
    if (inPair(roomId)) emit('room-joined', { roomId, kind: 'pair', participants: [] });
  });
  socket.on('ready', ({ roomId, role, partnerId }) => {
    if (inPair(roomId)) set.add(anonymousState(partnerId), role === 'caller');
  });
  socket.on('offer-received', ({ from, sdp }) => ctx.signal(from, { description: sdp }));
  socket.on('answer-received', ({ from, sdp }) => ctx.signal(from, { description: sdp }));
  socket.on('ice-candidate-received', ({ from, candidate }) => ctx.signal(from, { candidate }));
  socket.on('peer-left', ({ socketId }) => set.drop(socketId));
}

/** How long a join waits for the room's first answer. */
const JOIN_TIMEOUT_MS = 15_000;

/**
 * Resolves on the room's first answer (`room-joined`); rejects when the room is full, the server
 * refuses the join, or nothing answers. `request` sends the join.
 */
export function awaitJoin(
  socket: SignalingSocket,
  events: Pick<Emitter<ClientEvents>, 'on'>,
  room: Room,
  request: () => void,
): Promise<ClientEvents['room-joined']> {
  const joinEvent = room.kind === 'mesh' ? 'video:join-room' : 'join-room';
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      offJoined();
      socket.off('room-full', onFull);
      socket.off('error', onError);
    };
    const fail = (message: string) => {
      done();
      reject(new Error(message));
    };
    const offJoined = events.on('room-joined', (joined) => {
      if (joined.roomId !== room.id) return;
      done();
      resolve(joined);
    });
    const onFull = (full: ServerEvents['room-full']) => {
      if (full.roomId === room.id) fail(full.message);
    };
    const onError = (error: ServerEvents['error']) => {
      if (error.event === joinEvent) fail(error.message);
    };
    const timer = setTimeout(() => fail(`No answer to joining "${room.id}"`), JOIN_TIMEOUT_MS);
    socket.on('room-full', onFull);
    socket.on('error', onError);
    request();
  });
}
