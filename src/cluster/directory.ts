import type { AdmitResult } from './cluster.js';
import type { MediaState, Member, PeerId, PeerInfo, RoomRef } from '../protocol/types.js';
import { roomKey } from '../protocol/types.js';

interface RoomEntry {
  room: RoomRef;
  /** Insertion order is join order: pair rooms take their initiator from it. */
  members: Map<PeerId, Member>;
}

/**
 * The synchronous picture of peers and rooms. The memory cluster uses it as the truth;
 * the Redis cluster keeps one as a mirror of what Redis holds.
 */
export class Directory {
  private readonly roomsByKey = new Map<string, RoomEntry>();
  private readonly peersById = new Map<PeerId, PeerInfo>();

  setPeer(info: PeerInfo): void {
    this.peersById.set(info.id, info);
  }

  deletePeer(peerId: PeerId): void {
    this.peersById.delete(peerId);
  }

  peer(peerId: PeerId): PeerInfo | undefined {
    return this.peersById.get(peerId);
  }

  peers(): Iterable<PeerInfo> {
    return this.peersById.values();
  }

  add(room: RoomRef, member: Member): void {
    const key = roomKey(room);
    let entry = this.roomsByKey.get(key);
    if (!entry) {
      entry = { room, members: new Map() };
      this.roomsByKey.set(key, entry);
    }
    entry.members.set(member.peerId, member);
  }

  /** Removes a member; returns whether it was there. Empty rooms are forgotten. */
  remove(room: RoomRef, peerId: PeerId): boolean {
    const key = roomKey(room);
    const entry = this.roomsByKey.get(key);
    if (!entry || !entry.members.delete(peerId)) return false;
    if (entry.members.size === 0) this.roomsByKey.delete(key);
    return true;
  }

  update(room: RoomRef, peerId: PeerId, patch: Partial<MediaState>): void {
    const member = this.member(room, peerId);
    if (member) Object.assign(member, patch);
  }

  member(room: RoomRef, peerId: PeerId): Member | undefined {
    return this.roomsByKey.get(roomKey(room))?.members.get(peerId);
  }

  members(room: RoomRef): Iterable<Member> {
    return this.roomsByKey.get(roomKey(room))?.members.values() ?? [];
  }

  size(room: RoomRef): number {
    return this.roomsByKey.get(roomKey(room))?.members.size ?? 0;
  }

  rooms(): Iterable<{ room: RoomRef; size: number }> {
    return [...this.roomsByKey.values()].map((e) => ({ room: e.room, size: e.members.size }));
  }

  /** Drops everything a node contributed (used when a node is declared dead or re-syncs). */
  /**
   * Admits `member` unless it is in already or the room holds `capacity` (0 = no limit): the
   * memory cluster's admission, and the Redis one's while Redis is out of reach.
   */
  admit(room: RoomRef, member: Member, capacity: number): AdmitResult {
    if (this.member(room, member.peerId)) return { ok: false, reason: 'already-joined' };
    if (capacity > 0 && this.size(room) >= capacity) return { ok: false, reason: 'full' };
    const others = [...this.members(room)];
    this.add(room, member);
    return { ok: true, others };
  }

  membersOfNode(nodeId: string): Array<{ room: RoomRef; member: Member }> {
    const found: Array<{ room: RoomRef; member: Member }> = [];
    for (const entry of this.roomsByKey.values()) {
      for (const member of entry.members.values()) {
        if (member.nodeId === nodeId) found.push({ room: entry.room, member });
      }
    }
    return found;
  }
}
