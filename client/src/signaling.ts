import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { Signal } from './peer.js';
import type { ServerEvents } from './types.js';

/** Listener signatures for every server event, from the shared `ServerEvents` map. */
export type ServerListeners = { [E in keyof ServerEvents]: (data: ServerEvents[E]) => void };

/** What the SDK emits (PROTOCOLS.md §1 and §2); payloads are validated by the server. */
export interface ClientEmits {
  'join-room': (data: { roomId: string }) => void;
  'leave-room': (data: { roomId: string }) => void;
  offer: (data: { roomId: string; sdp: RTCSessionDescriptionInit }) => void;
  answer: (data: { roomId: string; sdp: RTCSessionDescriptionInit }) => void;
  'ice-candidate': (data: { roomId: string; candidate: RTCIceCandidateInit }) => void;
  'video:join-room': (data: { roomId: string; studyId?: string }) => void;
  'video:leave-room': (data: { roomId: string }) => void;
  'video:offer': (data: { to: string; offer: RTCSessionDescriptionInit }) => void;
  'video:answer': (data: { to: string; answer: RTCSessionDescriptionInit }) => void;
  'video:ice-candidate': (data: { to: string; candidate: RTCIceCandidateInit }) => void;
  'video:toggle-audio': (data: { roomId: string; isMuted: boolean }) => void;
  'video:toggle-video': (data: { roomId: string; isVideoOff: boolean }) => void;
  'video:screen-share-start': (data: { roomId: string }) => void;
  'video:screen-share-stop': (data: { roomId: string }) => void;
  'chat:video-message': (data: { roomId: string; message: string }) => void;
}

export type SignalingSocket = Socket<ServerListeners, ClientEmits>;

export interface SignalingOptions {
  url: string;
  /** Read at every (re)connection: a resume token and count change between them. */
  auth: () => Record<string, string | number>;
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

/** A Socket.IO connection that also comes back after a server-side disconnect. */
export function openSignaling(
  options: SignalingOptions,
  onRetry: (attempt: number, delayMs: number) => void,
): SignalingSocket {
  const socket: SignalingSocket = io(options.url, {
    auth: (cb) => cb(options.auth()),
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    ...options.socketOptions,
  });
  let attempt = 0;
  let connectedOnce = false;
  // An admin removed this connection: coming back under a new id would undo the kick.
  let kicked = false;
  socket.on('kicked', () => {
    kicked = true;
    socket.io.opts.reconnection = false;
  });
  const retry = () => {
    if (kicked) return;
    attempt++;
    const delayMs = Math.min(5000, 250 * 2 ** (attempt - 1));
    onRetry(attempt, delayMs);
    setTimeout(() => {
      if (!socket.connected && socket.io.opts.reconnection !== false) socket.connect();
    }, delayMs);
  };
  socket.io.on('reconnect_attempt', (n) => onRetry(n, 0));
  socket.on('connect', () => {
    attempt = 0;
    connectedOnce = true;
  });
  // Socket.IO retries by itself except when the server ended the socket (kick, restart) or its
  // middleware refused the connection; those are retried here, a refused identity is not.
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') retry();
  });
  socket.on('connect_error', (error) => {
    if (!socket.active && connectedOnce && !/auth|token|userId/i.test(error.message)) retry();
  });
  return socket;
}

export type Room = { kind: 'mesh' | 'pair'; id: string };

/** Sends a description or candidate in the room's dialect (mesh: `video:*` with `to`; pair: by room). */
export function sendSignal(
  socket: SignalingSocket,
  room: Room,
  peerId: string,
  signal: Signal,
): void {
  const { description, candidate } = signal;
  if (room.kind === 'mesh') {
    if (candidate) socket.emit('video:ice-candidate', { to: peerId, candidate });
    else if (description?.type === 'offer')
      socket.emit('video:offer', { to: peerId, offer: description });
    else if (description?.type === 'answer')
      socket.emit('video:answer', { to: peerId, answer: description });
    return;
  }
  const roomId = room.id;
  if (candidate) socket.emit('ice-candidate', { roomId, candidate });
  else if (description?.type === 'offer') socket.emit('offer', { roomId, sdp: description });
  else if (description?.type === 'answer') socket.emit('answer', { roomId, sdp: description });
}
