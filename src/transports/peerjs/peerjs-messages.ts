// The PeerJS wire format, as the PeerJS server 1.0.2 speaks it to the peerjs 1.5.x client:
// JSON text frames `{ type, src?, dst?, payload? }`.

/** Message types a PeerJS client sends or understands. */
export const MessageType = {
  OPEN: 'OPEN',
  LEAVE: 'LEAVE',
  CANDIDATE: 'CANDIDATE',
  OFFER: 'OFFER',
  ANSWER: 'ANSWER',
  EXPIRE: 'EXPIRE',
  HEARTBEAT: 'HEARTBEAT',
  ID_TAKEN: 'ID-TAKEN',
  ERROR: 'ERROR',
} as const;

/** The PeerJS server's error texts: apps match on them (`peer.on('error')` shows `msg`). */
export const ErrorText = {
  INVALID_KEY: 'Invalid key provided',
  INVALID_TOKEN: 'Invalid token provided',
  INVALID_WS_PARAMETERS: 'No id, token, or key supplied to websocket server',
  CONNECTION_LIMIT_EXCEED: 'Server has reached its concurrent user limit',
} as const;

/** The id pattern the peerjs client checks before connecting (`util.validateId`). */
const ID_PATTERN = /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/;
/** Longest id accepted: the engine's bound on ids everywhere. */
const MAX_ID_LENGTH = 128;

export function isPeerjsId(value: unknown): boolean {
  return typeof value === 'string' && value.length <= MAX_ID_LENGTH && ID_PATTERN.test(value);
}

/** A socket's `id` and `token`, or what is wrong with them or its `key` (PeerJS's words). */
export function readHandshake(
  query: URLSearchParams,
  expectedKey: string,
): { id: string; token: string } | { problem: string } {
  const [id, token, key] = [query.get('id'), query.get('token'), query.get('key')];
  if (!id || !token || !key) return { problem: ErrorText.INVALID_WS_PARAMETERS };
  if (key !== expectedKey) return { problem: ErrorText.INVALID_KEY };
  // The client checks its id the same way; a client that does not is told why.
  if (!isPeerjsId(id)) return { problem: `ID "${id.slice(0, MAX_ID_LENGTH)}" is invalid` };
  return { id, token };
}

/** Types relayed to `dst`; the first three wait in the queue for a peer not yet connected. */
const RELAYED = new Set<string>(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE']);
export const QUEUED = new Set<string>(['OFFER', 'ANSWER', 'CANDIDATE']);

/** A frame as relayed: the parsed object, with `src` set by the server. */
export interface RelayedMessage {
  type: string;
  src: string;
  dst: string;
  payload?: unknown;
}

export type Inbound = { heartbeat: true } | { message: RelayedMessage } | { error: string };

/** Reads one client frame; `src` is always the sender's id, whatever the client wrote. */
export function readFrame(text: string, src: string): Inbound {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { error: 'Invalid message: frames must be JSON' };
  }
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) {
    return { error: 'Invalid message: frames must be JSON objects with a "type"' };
  }
  const message = frame as Record<string, unknown>;
  if (message.type === MessageType.HEARTBEAT) return { heartbeat: true };
  if (typeof message.type !== 'string' || !RELAYED.has(message.type)) {
    return { error: `Invalid message: unknown type ${shown(message.type)}` };
  }
  if (typeof message.dst !== 'string' || !isPeerjsId(message.dst)) {
    return { error: `Invalid message: "dst" must be a peer id` };
  }
  message.src = src;
  return { message: message as unknown as RelayedMessage };
}

/** A client's value in an error text: short, never echoed whole. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, MAX_ID_LENGTH));
  return value !== null && typeof value === 'object' ? 'object' : String(value ?? null);
}

export function serverMessage(type: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ type, ...fields });
}

export function errorMessage(msg: string): string {
  return serverMessage(MessageType.ERROR, { payload: { msg } });
}
