import type { MediaState, Member, PeerId, PeerInfo, RoomRef } from '../protocol/types.js';
import type { AdmitResult, ClaimResult, Cluster, ClusterHealth } from './cluster.js';
import { Directory } from './directory.js';

/** The single-process cluster: state in memory, nothing to forward. The default and test double. */
export class MemoryCluster implements Cluster {
  readonly directory = new Directory();
  /** One process: nobody else to hand a dropped peer to. */
  readonly handsOver = false;

  constructor(readonly nodeId = 'local') {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  registerPeer(info: PeerInfo): void {
    this.directory.setPeer(info);
  }

  async claimPeerId(info: PeerInfo): Promise<boolean> {
    if (this.directory.peer(info.id)) return false;
    this.directory.setPeer(info);
    return true;
  }

  unregisterPeer(peerId: PeerId): void {
    this.directory.deletePeer(peerId);
  }

  peer(peerId: PeerId): PeerInfo | undefined {
    return this.directory.peer(peerId);
  }

  peers(): Iterable<PeerInfo> {
    return this.directory.peers();
  }

  async admit(room: RoomRef, member: Member, capacity: number): Promise<AdmitResult> {
    return this.directory.admit(room, member, capacity);
  }

  async release(room: RoomRef, peerId: PeerId): Promise<Member[] | null> {
    if (!this.directory.remove(room, peerId)) return null;
    return [...this.directory.members(room)];
  }

  updateMedia(room: RoomRef, peerId: PeerId, patch: Partial<MediaState>): void {
    this.directory.update(room, peerId, patch);
  }

  members(room: RoomRef): Iterable<Member> {
    return this.directory.members(room);
  }

  member(room: RoomRef, peerId: PeerId): Member | undefined {
    return this.directory.member(room, peerId);
  }

  rooms(): Iterable<{ room: RoomRef; size: number }> {
    return this.directory.rooms();
  }

  forward(nodeId: string): void {
    throw new Error(`MemoryCluster cannot reach node ${nodeId}: every peer is local`);
  }

  broadcastRemote(): void {}

  disconnectRemote(nodeId: string): void {
    this.forward(nodeId);
  }

  health(): ClusterHealth {
    return { status: 'ok', nodes: 1 };
  }

  async park(): Promise<void> {
    throw new Error('MemoryCluster cannot hand a peer over: there is no other process');
  }

  async claim(): Promise<ClaimResult> {
    return undefined;
  }

  async kickParked(): Promise<boolean> {
    return false;
  }

  tombstone(): void {}
}
