import type { ErrorCode } from './errors.js';
import type { TransportName, User } from './user.js';

/** RTCSessionDescriptionInit / RTCIceCandidateInit as they cross the wire. */
export interface SessionDescription {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}
export interface IceCandidate {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export interface ParticipantState {
  socketId: string;
  userId: string;
  user: User;
  isMuted: boolean;
  isVideoOff: boolean;
  isSharingScreen: boolean;
  joinedAt: string;
}

/** Every event the server sends, with its payload: shared by the server and the client SDK. */
export interface ServerEvents {
  // Pair dialect (reference 000)
  joined: { roomId: string; members: string[] };
  ready: {
    roomId: string;
    initiatorId: string;
    role: 'caller' | 'callee';
    partnerId: string;
    members: [string, string];
  };
  'room-full': { roomId: string; message: string };
  'offer-received': { roomId: string; sdp: SessionDescription; from: string };
  'answer-received': { roomId: string; sdp: SessionDescription; from: string };
  'ice-candidate-received': { roomId: string; candidate: IceCandidate; from: string };
  'peer-left': { roomId: string; socketId: string };

  // Mesh dialect (reference 004)
  'video:room-state': { roomId: string; participants: ParticipantState[] };
  'video:user-joined': { roomId: string; socketId: string; userId: string; user: User };
  'video:user-left': { roomId: string; socketId: string; userId: string };
  'video:offer': { from: string; offer: SessionDescription };
  'video:answer': { from: string; answer: SessionDescription };
  'video:ice-candidate': { from: string; candidate: IceCandidate };
  'video:peer-audio-changed': { socketId: string; userId: string; isMuted: boolean };
  'video:peer-video-changed': { socketId: string; userId: string; isVideoOff: boolean };
  'video:peer-screen-share': { socketId: string; userId: string; isSharing: boolean };
  'chat:video-message-received': {
    id: string;
    roomId: string;
    userId: string;
    user: User;
    message: string;
    timestamp: string;
    socketId: string;
  };
  'presence:user-online': { studyId: string; userId: string; user: User };
  'presence:user-offline': { studyId: string; userId: string };

  // Server-wide
  /**
   * The connection's own identity, the first event of every connection (an addition; old clients
   * ignore it). `resumeToken` brings this peer back after a drop (docs/protocol.md, "Resume").
   */
  welcome: {
    socketId: string;
    userId: string;
    user: User;
    /** When the token expires (ms since the epoch); refresh before with an `auth` message. */
    expiresAt?: number;
    /** Proves this connection to `GET /api/ice-servers` when authentication is off. */
    connectionToken?: string;
    resumeToken?: string;
    /** True when this connection took over a dropped one: same id, rooms and media state. */
    resumed?: boolean;
    /** How long after a drop the token works, in ms. */
    resumeWindowMs?: number;
  };
  error: { message: string; code: ErrorCode; event?: string };
  broadcast: unknown;
  'server:shutdown': { reason: string };
  /**
   * Sent just before an admin ends this connection: a client should not reconnect by itself
   * (an addition; old clients ignore it and see a server-side disconnect).
   */
  kicked: { reason: string };
}

export type ServerEventName = keyof ServerEvents;

/**
 * A PeerJS protocol frame for a PeerJS socket: one relayed from another peer (`src` set by the
 * server, `dst`), or the server's own (`ERROR`, `EXPIRE`, `LEAVE`).
 */
export interface PeerjsFrame {
  type: string;
  src?: string;
  dst?: string;
  payload?: unknown;
}

/** The internal event carrying a {@link PeerjsFrame} to a PeerJS peer's sink (across processes too). */
export const PEERJS_MESSAGE = 'peerjs:message';

/**
 * Events the server sends between its own parts, never to a Socket.IO, `/ws` or SSE client: each is
 * for one transport's peers ({@link reaches}), which writes it in its own wire format.
 */
export interface InternalEvents {
  [PEERJS_MESSAGE]: PeerjsFrame;
}

/** Everything a peer's sink may be handed: the client events and the internal ones. */
export interface OutboundEvents extends ServerEvents, InternalEvents {}
export type OutboundEventName = keyof OutboundEvents;
/** Any outbound payload: what a value of unknown event name may carry. */
export type OutboundData = OutboundEvents[OutboundEventName];

/**
 * One outbound event as the resume log keeps it and the cluster carries it: a known name and its
 * payload, which was checked against that name where it was emitted (the sink's `emit` is typed).
 */
export type OutboundEvent = [event: OutboundEventName, data: OutboundData];

/** Each name once: the compiler insists every event is listed and none is made up. */
const serverEventNames: Record<ServerEventName, true> = {
  joined: true,
  ready: true,
  'room-full': true,
  'offer-received': true,
  'answer-received': true,
  'ice-candidate-received': true,
  'peer-left': true,
  'video:room-state': true,
  'video:user-joined': true,
  'video:user-left': true,
  'video:offer': true,
  'video:answer': true,
  'video:ice-candidate': true,
  'video:peer-audio-changed': true,
  'video:peer-video-changed': true,
  'video:peer-screen-share': true,
  'chat:video-message-received': true,
  'presence:user-online': true,
  'presence:user-offline': true,
  welcome: true,
  error: true,
  broadcast: true,
  'server:shutdown': true,
  kicked: true,
};
const internalEventNames: Record<keyof InternalEvents, TransportName> = {
  [PEERJS_MESSAGE]: 'peerjs',
};
const serverNames: ReadonlySet<string> = new Set(Object.keys(serverEventNames));

/** Whether a name from another process (Redis) is a client event: one set lookup, no parsing. */
export const isServerEventName = (name: unknown): name is ServerEventName =>
  typeof name === 'string' && serverNames.has(name);

/** Whether a name from another process is an outbound event, internal ones included. */
export const isOutboundEventName = (name: unknown): name is OutboundEventName =>
  isServerEventName(name) || (typeof name === 'string' && Object.hasOwn(internalEventNames, name));

/**
 * Whether a peer of `transport` may be handed `event`: every client event, and an internal one
 * only by the transport it is for (a PeerJS frame never reaches a Socket.IO, `/ws` or SSE client).
 */
export const reaches = (event: OutboundEventName, transport: TransportName): boolean =>
  isServerEventName(event) || internalEventNames[event] === transport;
