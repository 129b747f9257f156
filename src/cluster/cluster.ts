import type { OutboundEventName, OutboundEvents, ServerEventName } from '../protocol/outbound.js';
import type {
  MediaState,
  Member,
  ParkedPeer,
  PeerId,
  PeerInfo,
  RoomRef,
} from '../protocol/types.js';

export type AdmitResult =
  | { ok: true; /** members already in the room, in join order */ others: Member[] }
  | { ok: false; reason: 'full' | 'already-joined' };

/** What a cluster calls back into the engine of its own process. */
export interface ClusterHandler {
  /** Another node forwarded an event for a peer connected here. */
  deliverLocal<E extends OutboundEventName>(
    peerId: PeerId,
    event: E,
    data: OutboundEvents[E],
  ): void;
  /** Another node broadcast an event to every client. */
  deliverLocalAll<E extends ServerEventName>(event: E, data: OutboundEvents[E]): void;
  /** Another node asks to disconnect a peer connected here (admin kick); false if it is not here. */
  disconnectLocal(peerId: PeerId, reason: string): boolean | void;
  /** A member on a dead node must leave its room; the engine announces it (once, cluster-wide). */
  evictMember(room: RoomRef, member: Member): Promise<void>;
  /** A dead node's members have left and this node removed it (exactly one node hears it). */
  nodeGone(nodeId: string): void;
  /**
   * Another node's client came back with this peer's token: park the peer (if it is here and
   * the secret hash is its own) so that node can claim it. Resolves to whether it was parked.
   */
  parkLocal(peerId: PeerId, secretHash: string): Promise<boolean>;
  /**
   * A parked peer is ended here (not resumed in time, or kicked): its members leave (each
   * announced once) and observers hear it disconnected.
   */
  endParked(
    info: PeerInfo,
    members: Array<{ room: RoomRef; member: Member }>,
    reason: string,
  ): Promise<void>;
}

/** A claimed peer, a refusal because an admin kicked it (the reason), or nothing to claim. */
export type ClaimResult = ParkedPeer | { kicked: string } | undefined;

export interface ClusterHealth {
  status: 'ok' | 'degraded';
  nodes: number;
  detail?: string;
}

/**
 * Where peers and rooms live. One process uses {@link MemoryCluster}; several share a Redis one.
 * Reads are synchronous (a local mirror) so relaying never waits on the network; changes that
 * must be atomic across processes (admitting a room's last seat) are asynchronous.
 */
export interface Cluster {
  readonly nodeId: string;
  start(handler: ClusterHandler): Promise<void>;
  stop(): Promise<void>;

  registerPeer(info: PeerInfo): void;
  unregisterPeer(peerId: PeerId): void;
  /**
   * Registers `info` unless its id is held, atomically cluster-wide: by a live peer of any node,
   * or one parked for its client to resume. For a dialect whose clients choose their ids
   * (PeerJS). The id is released as any peer's: {@link unregisterPeer}, or its node dying.
   */
  claimPeerId(info: PeerInfo): Promise<boolean>;
  /** Any live peer of the cluster. */
  peer(peerId: PeerId): PeerInfo | undefined;
  peers(): Iterable<PeerInfo>;

  /** Atomically admits `member` unless the room holds `capacity` members already (0 = no limit). */
  admit(room: RoomRef, member: Member, capacity: number): Promise<AdmitResult>;
  /** Removes a member; resolves to the members left (join order), or null if it was not in. */
  release(room: RoomRef, peerId: PeerId): Promise<Member[] | null>;
  updateMedia(room: RoomRef, peerId: PeerId, patch: Partial<MediaState>): void;
  members(room: RoomRef): Iterable<Member>;
  member(room: RoomRef, peerId: PeerId): Member | undefined;
  /** Every room with at least one member, cluster-wide. */
  rooms(): Iterable<{ room: RoomRef; size: number }>;

  /** Sends an event to a peer connected to another node. */
  forward<E extends OutboundEventName>(
    nodeId: string,
    peerId: PeerId,
    event: E,
    data: OutboundEvents[E],
  ): void;
  /** Sends an event to every client connected to the other nodes (client events only). */
  broadcastRemote<E extends ServerEventName>(event: E, data: OutboundEvents[E]): void;
  /** Asks the node of a remote peer to disconnect it. */
  disconnectRemote(nodeId: string, peerId: PeerId, reason: string): void;
  health(): ClusterHealth;

  /**
   * Whether a dropped peer can be handed to another process (`park`, `claim`); false on one
   * process, where the four methods below have nothing to do.
   */
  readonly handsOver: boolean;
  /**
   * Resume across processes. `park` hands a dropped peer to the
   * cluster: its members stay in their rooms, events for it are kept. `claim` takes it over on
   * this node for a client holding its secret, with every event it was sent meanwhile; it asks
   * the peer's own node to park it first if that node is alive.
   */
  park(peer: ParkedPeer, windowMs: number): Promise<void>;
  claim(peerId: PeerId, secretHash: string): Promise<ClaimResult>;
  /**
   * Admin kick of a parked peer: ends it on this node and voids its token cluster-wide for
   * `ttlMs`. Resolves false when no peer of that id is parked.
   */
  kickParked(peerId: PeerId, reason: string, ttlMs: number): Promise<boolean>;
  /** Voids a kicked peer's token cluster-wide for `ttlMs`: a resume is answered `kicked`. */
  tombstone(peerId: PeerId, secretHash: string, reason: string, ttlMs: number): void;
}
