import type { ErrorCode } from './errors.js';
import type { User } from './types.js';

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
