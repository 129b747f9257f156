/** Shapes of the admin API's answers (see the OpenAPI document at /docs), typed by the server's. */
import type { Member, PeerInfo, RoomRef } from '../../../src/engine/types';

export type { Overview, Sample } from '../../../src/api/admin-types';
export type { Member, User } from '../../../src/engine/types';

/** A row of `GET /api/connections`. */
export interface Connection extends PeerInfo {
  rooms: string[];
}

export type RoomKind = RoomRef['kind'];

export interface Room {
  kind: RoomKind;
  roomId: string;
  label: string;
  persistent: boolean;
  name: string | null;
  maxParticipants: number | null;
  members: Member[];
}

export interface LogRow {
  id: number;
  type: string;
  roomId: string | null;
  peerId: string | null;
  userId: string | null;
  nodeId: string | null;
  details: unknown;
  createdAt: string;
}

export interface LiveSetting {
  key: string;
  value: number;
  source: 'default' | 'env' | 'runtime';
  env: string;
  default: number;
  description: string;
  min?: number;
  max?: number;
}
