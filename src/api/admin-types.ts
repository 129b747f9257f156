/**
 * What the admin stream (`GET /api/admin/stream`) and the admin REST API send, shared by the
 * server, the dashboard (admin/src/lib/types.ts) and the server SDK: type imports only, so the
 * browser build can read it and the SDK pulls in no server code.
 */
import type { LiveSettings } from '../engine/engine-options.js';
import type { Member, PeerInfo, RoomRef } from '../protocol/types.js';

/** One point of the overview charts. */
export interface Sample {
  t: number;
  connections: number;
  relayedPerSecond: number;
  refusedPerSecond: number;
}

/** What the overview shows, sent as the stream's `stats` event every second. */
export interface Overview extends Sample {
  nodeId: string;
  uptime: number;
  byTransport: Record<string, number>;
  rooms: number;
  participants: number;
  sseStreams: number;
  /** Nodes that have connections, this node always included. */
  nodes: Array<{ id: string; connections: number }>;
  cluster: { status: string; nodes: number; detail?: string };
  store: { ok: boolean; kind: string; detail: string };
  /** Change markers: the dashboard re-reads a list when its marker changes. */
  versions: { connections: string; rooms: string };
}

/*
 * The admin REST API's answers, as the routes build them (they are typed with these, so a change
 * there is a type error until this file says it too). The dashboard and the server SDK's
 * `SinyalAdmin` read them through `Sent<>`: what JSON makes of them.
 */

/** What a value becomes once sent as JSON: a Date arrives as its ISO string. */
export type Sent<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Sent<U>[]
    : T extends object
      ? { [K in keyof T]: Sent<T[K]> }
      : T;

/** A row of `GET /api/connections`: a live connection and the rooms it is in (`kind:id`). */
export interface Connection extends PeerInfo {
  rooms: string[];
}
export interface ConnectionList {
  total: number;
  connections: Connection[];
}

/** A room of `GET /api/admin/rooms`: live (any kind) or persistent and empty. */
export interface AdminRoom {
  kind: RoomRef['kind'];
  roomId: string;
  label: string;
  persistent: boolean;
  name: string | null;
  maxParticipants: number | null;
  members: Member[];
}

/** A persistent video room as `POST` and `PATCH /api/video/rooms` answer. */
export interface PersistentRoomView {
  roomId: string;
  name: string;
  hostId: string;
  maxParticipants: number;
  createdAt: Date;
  closedAt: Date | null;
  persistent: true;
  participants?: number;
}

/** A row of the event log (`GET /api/logs`). */
export interface LogRow {
  id: number;
  type: string;
  roomId: string | null;
  peerId: string | null;
  userId: string | null;
  nodeId: string | null;
  details: unknown;
  createdAt: Date;
}
export interface LogPage {
  total: number;
  logs: LogRow[];
  limit: number;
  offset: number;
}

/** A setting saved through the API (`server_settings`). */
export interface StoredSetting {
  key: string;
  value: string;
  description: string | null;
  updatedAt: Date;
}
/** `GET /api/settings`: the saved settings and the values the engine uses now. */
export interface SettingsView {
  settings: StoredSetting[];
  live: LiveSettings;
}
/** `POST /api/settings`: whether the value applied at once. */
export interface SettingSaved {
  setting: StoredSetting;
  applied: boolean;
  live: LiveSettings;
}

/** A row of `GET /api/admin/settings`: a live setting, its value in use and where it comes from. */
export interface LiveSetting {
  key: string;
  value: number;
  source: 'default' | 'env' | 'runtime';
  env: string;
  default: number;
  description: string;
  /** The bounds the API checks; null: none. */
  min: number | null;
  max: number | null;
}

export interface KickResult {
  ok: true;
  id: string;
}
export interface BroadcastResult {
  ok: true;
  /** The stored message's id. */
  id: string;
  recipients: number;
}
export interface AdminRoomList {
  rooms: AdminRoom[];
}
export interface LiveSettingList {
  settings: LiveSetting[];
}
export interface LogsCleared {
  ok: true;
  deleted: number;
}
export interface RoomDeleted {
  ok: true;
  roomId: string;
}
