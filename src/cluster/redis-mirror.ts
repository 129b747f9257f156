import type { Member, PeerId, PeerInfo, RoomRef } from '../protocol/types.js';
import { parseRoomKey, roomKey } from '../protocol/types.js';
import type { Directory } from './directory.js';

/** A state change as the scripts publish it on the cluster channel, numbered by `seq`. */
export type StateMessage =
  | { t: 'join'; seq: number; room: string; member: Member }
  | { t: 'media'; seq: number; room: string; member: Member }
  | { t: 'leave'; seq: number; room: string; peerId: PeerId; nodeId: string }
  | { t: 'peer'; seq: number; peer: PeerInfo }
  | { t: 'unpeer'; seq: number; nodeId: string; peerId: PeerId }
  | { t: 'peers'; seq: number; nodeId: string; peers: PeerInfo[] }
  | { t: 'gone'; seq: number; nodeId: string };

/** What the snapshot script returns: `[seq, peer JSONs, [room, member JSONs]…]`. */
export type SnapshotReply = [number, string[], Array<string | string[]>];

/**
 * Keeps a node's {@link Directory} equal to Redis. The node is the only writer of its own peers
 * and members, so it keeps those as it has them and takes everything else from Redis: the
 * ordered stream of {@link StateMessage}, snapshots, and the members an admission returned.
 */
export class RedisMirror {
  /** The highest `seq` this mirror has caught up with. */
  seq = 0;

  constructor(
    private readonly directory: Directory,
    private readonly nodeId: string,
  ) {}

  apply(message: StateMessage): void {
    this.seq = Math.max(this.seq, message.seq);
    const dir = this.directory;
    switch (message.t) {
      case 'join':
      case 'media': {
        const room = parseRoomKey(message.room);
        if (room && message.member.nodeId !== this.nodeId) dir.add(room, message.member);
        break;
      }
      case 'leave': {
        const room = parseRoomKey(message.room);
        if (room && message.nodeId !== this.nodeId) dir.remove(room, message.peerId);
        break;
      }
      case 'peer':
        if (message.peer.nodeId !== this.nodeId) dir.setPeer(message.peer);
        break;
      case 'unpeer':
        if (message.nodeId !== this.nodeId) dir.deletePeer(message.peerId);
        break;
      case 'peers':
        if (message.nodeId === this.nodeId) break;
        this.dropPeersOf(message.nodeId);
        for (const peer of message.peers) dir.setPeer(peer);
        break;
      case 'gone':
        if (message.nodeId === this.nodeId) break;
        this.dropPeersOf(message.nodeId);
        for (const { room, member } of dir.membersOfNode(message.nodeId)) {
          dir.remove(room, member.peerId);
        }
        break;
    }
  }

  /**
   * Adds what an admission at `seq` saw that this mirror lacks; skipped when the stream is past
   * `seq` already (it then knows better, a member may have left since).
   */
  merge(room: RoomRef, others: Member[], seq: number): void {
    if (seq <= this.seq) return;
    for (const member of others) {
      if (member.nodeId !== this.nodeId && !this.directory.member(room, member.peerId)) {
        this.directory.add(room, member);
      }
    }
  }

  /** Replaces other nodes' peers and members with a snapshot, keeping this node's own. */
  load([seq, peerJsons, roomRows]: SnapshotReply): void {
    const dir = this.directory;
    this.seq = seq;
    for (const peer of [...dir.peers()]) if (peer.nodeId !== this.nodeId) dir.deletePeer(peer.id);
    for (const json of peerJsons) {
      const peer = JSON.parse(json) as PeerInfo;
      if (peer.nodeId !== this.nodeId) dir.setPeer(peer);
    }
    const snapshot = new Map<string, { room: RoomRef; members: Member[] }>();
    for (let i = 0; i + 1 < roomRows.length; i += 2) {
      const room = parseRoomKey(roomRows[i] as string);
      const members = (roomRows[i + 1] as string[]).map((m) => JSON.parse(m) as Member);
      if (room) snapshot.set(roomKey(room), { room, members });
    }
    for (const { room } of dir.rooms()) {
      if (!snapshot.has(roomKey(room))) snapshot.set(roomKey(room), { room, members: [] });
    }
    for (const { room, members } of snapshot.values()) this.rebuild(room, members);
  }

  /** One room in Redis' join order; own members as this node has them (it is their writer). */
  private rebuild(room: RoomRef, fromRedis: Member[]): void {
    const dir = this.directory;
    const current = [...dir.members(room)];
    const own = new Map(current.filter((m) => m.nodeId === this.nodeId).map((m) => [m.peerId, m]));
    const wanted: Member[] = [];
    for (const member of fromRedis) {
      if (member.nodeId !== this.nodeId) wanted.push(member);
      else if (own.has(member.peerId)) {
        wanted.push(own.get(member.peerId)!);
        own.delete(member.peerId);
      }
    }
    wanted.push(...own.values());
    for (const member of current) dir.remove(room, member.peerId);
    for (const member of wanted) dir.add(room, member);
  }

  private dropPeersOf(nodeId: string): void {
    for (const peer of [...this.directory.peers()]) {
      if (peer.nodeId === nodeId) this.directory.deletePeer(peer.id);
    }
  }
}
