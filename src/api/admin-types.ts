/**
 * What the admin stream (`GET /api/admin/stream`) sends, shared by the server and the dashboard
 * (admin/src/lib/types.ts): no imports, so the browser build can read it.
 */

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
