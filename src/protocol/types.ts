import type { OutboundEvent, OutboundEventName, OutboundEvents } from './outbound.js';
import { isRoomKind, type RoomKind } from './room-kinds.js';
import type { TransportName, User } from './user.js';

/** A peer's id: the Socket.IO socket id, or a generated id for WebSocket and SSE peers. */
export type PeerId = string;

// Here for the outbound events, which need them too (outbound.ts cannot import this module).
export type { TransportName, User } from './user.js';

/**
 * Where the engine sends a peer's outbound events; each transport encodes them its own way. Typed:
 * a made-up event, or a payload of the wrong shape for its event, does not compile.
 */
export interface PeerSink {
  emit<E extends OutboundEventName>(event: E, data: OutboundEvents[E]): void;
  /** Ends the connection from the server side (admin kick, shutdown). */
  disconnect(reason: string): void;
}

/** What the engine knows about a connection, local or on another node. */
export interface PeerInfo {
  id: PeerId;
  nodeId: string;
  transport: TransportName;
  userId: string;
  user: User;
  address?: string;
  userAgent?: string;
  connectedAt: string;
}

export type { RoomKind } from './room-kinds.js';

/** Room identity across the engine and cluster: kind plus the client's room (or study) id. */
export interface RoomRef {
  kind: RoomKind;
  id: string;
}

export interface MediaState {
  isMuted: boolean;
  isVideoOff: boolean;
  isSharingScreen: boolean;
}

/** One member of a room as every node sees it (shared through the cluster). */
export interface Member extends MediaState {
  peerId: PeerId;
  nodeId: string;
  userId: string;
  user: User;
  /** ISO-8601 time the peer entered the room. */
  joinedAt: string;
}

/**
 * Why a member left a room, as observers (webhooks) report it: on purpose, a lost connection,
 * an admin, a resume that never came, a server stop.
 */
export type LeaveCause = 'left' | 'disconnected' | 'kicked' | 'resume-expired' | 'shutdown';

/** The `peer-disconnected` reason of a peer whose client did not resume within the window. */
export const NOT_RESUMED_IN_TIME = 'not resumed in time';

export const roomKey = (room: RoomRef): string => `${room.kind}:${room.id}`;

/** What a connection may do, from its token; kept on the local peer only (never shared). */
export interface PeerAccess {
  /** Room and study ids it may join, `prefix*` for a prefix; undefined = any. */
  rooms?: readonly string[];
  /** When its token expires (ms since the epoch): it is then told and disconnected. */
  expiresAt?: number;
  /** May use the admin API. */
  admin?: boolean;
}

/** The inverse of `roomKey` (`kind:id`); undefined for anything else. */
export function parseRoomKey(key: string): RoomRef | undefined {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  return colon > 0 && isRoomKind(kind) ? { kind, id: key.slice(colon + 1) } : undefined;
}

/** What a peer's client was sent, numbered (the engine's `OutboundLog`, exported). */
export interface SentLog {
  first: number;
  count: number;
  kept: OutboundEvent[];
}

/** A dropped peer handed to the cluster so its client may resume it on another process. */
export interface ParkedPeer {
  info: PeerInfo;
  /** Room keys (`roomKey`). */
  rooms: string[];
  /** SHA-256 (base64url) of its resume secret: only its own client can claim it. */
  secretHash: string;
  log: SentLog;
  /** Epoch ms after which it is announced as left. */
  deadline: number;
  /**
   * `log.count` when its connection dropped (absent if it had not yet): a client that does not
   * say what it received (PeerJS) is replayed what followed.
   */
  detachedAt?: number;
  /** The node that parked it (set when another node claims it). */
  from?: string;
}
