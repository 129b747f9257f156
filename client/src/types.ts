import type { ParticipantState, ServerEvents } from '../../src/protocol/outbound.js';

export type { ParticipantState, ServerEvents };
export type User = ServerEvents['welcome']['user'];

/** A remote participant as the SDK tracks it. */
export interface Participant {
  /** The server-assigned peer id (Socket.IO socket id). */
  id: string;
  userId: string;
  user: User;
  isMuted: boolean;
  isVideoOff: boolean;
  isSharingScreen: boolean;
  /** The remote media, once a track arrived. */
  stream?: MediaStream;
  connectionState: RTCPeerConnectionState;
}

/** What `getStats` boils down to for one peer. */
export interface PeerStatsSummary {
  peerId: string;
  /** Round-trip time of the selected candidate pair, in ms. */
  rttMs?: number;
  /** Receive and send bitrate since the previous sample, in kbit/s. */
  inboundKbps: number;
  outboundKbps: number;
  /** Share of inbound packets lost, 0–100. */
  packetLossPercent: number;
  /** Inbound video frames decoded so far, and their current size and rate. */
  framesDecoded: number;
  framesPerSecond?: number;
  frameWidth?: number;
  frameHeight?: number;
  quality: 'good' | 'fair' | 'poor' | 'unknown';
  timestamp: number;
}

export interface ChatMessage {
  id: string;
  /** Sender's peer id (your own id for what you sent). */
  from: string;
  userId: string;
  name: string;
  text: string;
  timestamp: string;
  /** `datachannel` (peer to peer) or `server` (`chat:video-message`, seen by reference clients). */
  via: 'datachannel' | 'server';
}

export interface FileProgress {
  transferId: string;
  peerId: string;
  name: string;
  size: number;
  bytes: number;
  direction: 'send' | 'receive';
}

export interface ReceivedFile {
  transferId: string;
  peerId: string;
  name: string;
  type: string;
  size: number;
  blob: Blob;
  /** Hex SHA-256 of the received bytes; `intact` says it equals the sender's. */
  sha256: string;
  intact: boolean;
}

export type MediaKind = 'audio' | 'video';

/** Every event a {@link SinyalClient} emits. */
export interface ClientEvents {
  /** `resumed`: a dropped connection was taken up again (same id, rooms and calls). */
  connected: { socketId: string; userId: string; user: User; reconnect: boolean; resumed: boolean };
  /** The signaling link changed (`SinyalClient.signalingState`). */
  'signaling-state': { state: 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed' };
  disconnected: { reason: string };
  reconnecting: { attempt: number; delayMs: number };
  'room-joined': { roomId: string; kind: 'mesh' | 'pair'; participants: Participant[] };
  'room-full': { roomId: string; message: string };
  'room-left': { roomId: string };
  'participant-joined': Participant;
  'participant-left': { id: string; userId: string };
  'participant-updated': Participant;
  /** A remote track arrived (or was replaced in the stream). */
  track: { peerId: string; track: MediaStreamTrack; stream: MediaStream };
  'connection-state': { peerId: string; state: RTCPeerConnectionState };
  'local-stream': { stream: MediaStream | undefined };
  'local-media': { isMuted: boolean; isVideoOff: boolean; isSharingScreen: boolean };
  chat: ChatMessage;
  'file-progress': FileProgress;
  file: ReceivedFile;
  stats: PeerStatsSummary[];
  /** An admin removed this connection; the client is closed and does not reconnect. */
  kicked: { reason: string };
  /** An admin's message to every client (`POST /api/broadcast`). */
  broadcast: unknown;
  /** Refusals from the server (`error` event) and failures in the SDK. */
  error: { message: string; code?: string; event?: string };
}
