export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function number(value: number): string {
  return value.toLocaleString('en');
}

export function time(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour12: false });
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString([], { hour12: false })}`;
}

/** "3 min ago" style, for "connected since". */
export function since(iso: string, now = Date.now()): string {
  return `${duration(Math.max(0, (now - new Date(iso).getTime()) / 1000))} ago`;
}

export const transportLabel: Record<string, string> = {
  'socket.io': 'Socket.IO',
  websocket: 'WebSocket',
  sse: 'SSE',
  peerjs: 'PeerJS',
};

export const roomKindLabel: Record<string, string> = {
  mesh: 'Video room',
  pair: 'Pair room',
  presence: 'Study',
};
