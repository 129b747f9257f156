import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/**
 * Every setting: its environment variable, CLI flag, schema and default. `sinyal --help` prints
 * this table, so the reason for each default lives here once.
 */
export const optionTable = {
  port: {
    env: 'PORT',
    schema: int(0, 65535),
    default: 4000,
    doc: 'TCP port to listen on (0 = any free port). Reference 004 uses 4000.',
  },
  host: {
    env: 'HOST',
    schema: z.string().min(1),
    default: '0.0.0.0',
    doc: 'Interface to bind; 0.0.0.0 so phones on the LAN can reach it.',
  },
  allowedOrigins: {
    env: 'ALLOWED_ORIGINS',
    schema: list,
    default: undefined,
    doc: 'Comma list of browser origins allowed by CORS (with credentials). Unset: any origin.',
  },
  nodeEnv: {
    env: 'NODE_ENV',
    schema: z.enum(['development', 'production', 'test']),
    default: 'development',
    doc: 'development | production | test.',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: 'pino level. Relayed messages are never logged above debug.',
  },
  roomCapacity: {
    env: 'ROOM_CAPACITY',
    schema: int(2, 1000),
    default: 8,
    doc: 'Default mesh room capacity; full-mesh video degrades past ~8 on home uplinks.',
  },
  maxConnections: {
    env: 'MAX_CONNECTIONS',
    schema: int(0, 10_000_000),
    default: 0,
    doc: 'Connections this process accepts; 0 = no limit.',
  },
  maxMessagesPerSecond: {
    env: 'MAX_MESSAGES_PER_SECOND',
    schema: int(0, 1_000_000),
    default: 200,
    doc: 'Per-peer inbound rate (bursts of 2x pass); 0 = no limit.',
  },
  maxPayloadBytes: {
    env: 'MAX_PAYLOAD_BYTES',
    schema: int(1024, 100_000_000),
    default: 1_000_000,
    doc: 'Largest frame any transport accepts (Socket.IO maxHttpBufferSize, as reference 004).',
  },
  maxSdpLength: {
    env: 'MAX_SDP_LENGTH',
    schema: int(256, 10_000_000),
    default: 65536,
    doc: 'Longest SDP accepted; big mesh offers stay under 20 KB.',
  },
  maxCandidateLength: {
    env: 'MAX_CANDIDATE_LENGTH',
    schema: int(64, 100_000),
    default: 1024,
    doc: 'Longest ICE candidate line; real ones are under 250 characters.',
  },
  maxChatLength: {
    env: 'MAX_CHAT_LENGTH',
    schema: int(1, 1_000_000),
    default: 4000,
    doc: 'Longest in-call chat message.',
  },
  pingInterval: {
    env: 'PING_INTERVAL_MS',
    schema: int(1000, 600_000),
    default: 25000,
    doc: 'Heartbeat interval (Socket.IO and /ws), as reference 004.',
  },
  pingTimeout: {
    env: 'PING_TIMEOUT_MS',
    schema: int(1000, 600_000),
    default: 60000,
    doc: 'How long a silent connection lives, as reference 004.',
  },
  shutdownTimeout: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    schema: int(0, 600_000),
    default: 10000,
    doc: 'Graceful shutdown waits at most this long before closing what is left.',
  },
  jwtSecret: {
    env: 'AUTH_JWT_SECRET',
    schema: z.string().min(16, 'must be at least 16 characters'),
    default: undefined,
    doc: 'HS256 secret; when set every connection needs a valid token (sub = user id).',
  },
} as const;

export type OptionKey = keyof typeof optionTable;
