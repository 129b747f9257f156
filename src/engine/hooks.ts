import type { ErrorCode } from '../protocol/errors.js';
import type { LeaveCause, MediaState, Member, PeerInfo, RoomRef } from '../protocol/types.js';

/** What the engine reports to observers (store, metrics); listeners must not block. */
export interface EngineEventMap {
  'peer-connected': { peer: PeerInfo };
  'peer-disconnected': { peer: PeerInfo; reason: string };
  /** Its client came back within the window: `from` the node it was on (another after a move). */
  'peer-resumed': { peer: PeerInfo; from: string; missed: number };
  /** `first`: nobody else was in the room (cluster-wide), so it starts. */
  'room-joined': { room: RoomRef; member: Member; first: boolean };
  /**
   * `last`: nobody is left in the room (cluster-wide), so it ends. `cause`: what the leave counts
   * as; `reason`: why its peer ended, when the leave came from a disconnect (not `leave-room`).
   */
  'room-left': { room: RoomRef; member: Member; cause: LeaveCause; last: boolean; reason?: string };
  'media-changed': { room: RoomRef; member: Member; change: Partial<MediaState> };
  chat: { room: RoomRef; member: Member; id: string; message: string; timestamp: string };
  refused: { peer: PeerInfo; event: string; code: ErrorCode; message: string };
  /** A dead process of the cluster was removed (heard on exactly one node; its members have left). */
  'node-gone': { nodeId: string };
}

type Listener<E extends keyof EngineEventMap> = (data: EngineEventMap[E]) => void;

/** A minimal typed emitter: a throwing listener is isolated so it cannot break signaling. */
export class EngineHooks {
  private readonly listeners: { [E in keyof EngineEventMap]?: Array<Listener<E>> } = {};

  on<E extends keyof EngineEventMap>(event: E, listener: Listener<E>): () => void {
    const list = (this.listeners[event] ??= []) as Array<Listener<E>>;
    list.push(listener);
    return () => {
      const index = list.indexOf(listener);
      if (index >= 0) list.splice(index, 1);
    };
  }

  emit<E extends keyof EngineEventMap>(event: E, data: EngineEventMap[E]): void {
    const list = this.listeners[event] as Array<Listener<E>> | undefined;
    if (!list) return;
    for (const listener of list) {
      try {
        listener(data);
      } catch {
        // An observer's failure must never reach the peer that triggered it.
      }
    }
  }
}
