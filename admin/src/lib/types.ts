/** Shapes of the admin API's answers (see the OpenAPI document at /docs). */
export interface Sample {
  t: number;
  connections: number;
  relayedPerSecond: number;
  refusedPerSecond: number;
}

export interface Overview extends Sample {
  nodeId: string;
  uptime: number;
  byTransport: Record<string, number>;
  rooms: number;
  participants: number;
  sseStreams: number;
  nodes: Array<{ id: string; connections: number }>;
  cluster: { status: string; nodes: number; detail?: string };
  store: { ok: boolean; kind: string; detail: string };
  versions: { connections: string; rooms: string };
}

export interface User {
  id: string;
  name: string;
  avatar: string | null;
}

export interface Connection {
  id: string;
  nodeId: string;
  transport: string;
  userId: string;
  user: User;
  address?: string;
  userAgent?: string;
  connectedAt: string;
  rooms: string[];
}

export interface Member {
  peerId: string;
  nodeId: string;
  userId: string;
  user: User;
  joinedAt: string;
  isMuted: boolean;
  isVideoOff: boolean;
  isSharingScreen: boolean;
}

export type RoomKind = 'mesh' | 'pair' | 'presence';

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
