import { z } from 'zod';
import { JWS_ALGORITHMS } from '../protocol/jws-algorithms.js';
import { parseTrustProxy } from './trust-proxy.js';
import { WEBHOOK_EVENT_TYPES } from '../protocol/webhook-types.js';

/** A whole number in [min, max], refused with a reason a person can act on. */
const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .refine((n) => n >= 0 || min < 0, 'must not be negative')
    .refine((n) => n >= min, `must be at least ${min}`)
    .refine((n) => n <= max, `must be at most ${max}`);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
/** A host name, an IPv4 address or a bracketed IPv6 address. */
const iceHost = String.raw`(\[[0-9a-fA-F:.]+\]|[^\s/?#:[\]]+)`;
const iceUrl = z
  .string()
  .regex(/^(stuns?|turns?):\S+$/, 'must be a stun:, stuns:, turn: or turns: URL');
/** A comma list of ICE server URLs of the given schemes (`stun:host[:port]`, RFC 7064/7065). */
const iceUrls = (schemes: string) =>
  list.pipe(
    z.array(
      z
        .string()
        .regex(
          new RegExp(`^(${schemes}):${iceHost}(:\\d{1,5})?(\\?transport=(udp|tcp))?$`),
          `each must look like ${schemes.split('|')[0]}:host:port`,
        ),
    ),
  );

/** `whsec_` and base64 of 24 to 64 random bytes, as Standard Webhooks receivers take it. */
const webhookSecret = z.string().refine((s) => {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(s);
  const bytes = match ? Buffer.from(match[1]!, 'base64').length : 0;
  return bytes >= 24 && bytes <= 64;
}, 'must be whsec_ followed by the base64 of 24 to 64 random bytes (openssl rand -base64 32)');

/**
 * Every setting: its environment variable, CLI flag, schema and default. `sinyal --help` prints
 * this table, so the reason for each default lives here once. `secret`: a refused value is
 * never printed (config errors name the setting only); URLs are printed without passwords.
 */
export const optionTable = {
  port: {
    env: 'PORT',
    schema: int(0, 65535),
    default: 4000,
    doc: 'TCP port to listen on (0 = any free port); 4000, as Express + Socket.IO mesh clients expect.',
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
  maxConnectionsPerIp: {
    env: 'MAX_CONNECTIONS_PER_IP',
    schema: int(0, 10_000_000),
    default: 0,
    doc: 'Connections one client address may hold on this process; 0 = no limit (an office behind one NAT shares an address).',
  },
  maxRoomsPerPeer: {
    env: 'MAX_ROOMS_PER_PEER',
    schema: int(0, 100_000),
    default: 16,
    doc: 'Rooms and studies one connection may be in at once; an app needs a call and a few studies, not hundreds. 0 = no limit.',
  },
  maxJoinsPerMinute: {
    env: 'MAX_JOINS_PER_MINUTE',
    schema: int(0, 1_000_000),
    default: 60,
    doc: 'Joins one connection may attempt per minute (bursts of that size pass); stops room scanning. 0 = no limit.',
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    schema: z.string().transform((s, ctx) => {
      const parsed = parseTrustProxy(s);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
    default: undefined,
    doc: 'Behind a reverse proxy: the number of proxy hops (1 = one nginx) or a comma list of proxy addresses/CIDRs; the client address is then read from X-Forwarded-For. Unset: the socket address, X-Forwarded-For ignored.',
  },
  joinAuthzUrl: {
    env: 'JOIN_AUTHZ_URL',
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    default: undefined,
    doc: "Your app's membership check: POSTed { userId, roomId, kind } before every join; answer { allow, reason? }.",
  },
  joinAuthzSecret: {
    env: 'JOIN_AUTHZ_SECRET',
    schema: z.string().min(8, 'must be at least 8 characters'),
    secret: true,
    default: undefined,
    doc: 'Sent as Authorization: Bearer to JOIN_AUTHZ_URL, so the app knows the call comes from sinyal.',
  },
  joinAuthzTimeout: {
    env: 'JOIN_AUTHZ_TIMEOUT_MS',
    schema: int(50, 60_000),
    default: 2000,
    doc: 'Longest wait for JOIN_AUTHZ_URL; a join should not hang on a slow app.',
  },
  joinAuthzCacheTtl: {
    env: 'JOIN_AUTHZ_CACHE_MS',
    schema: int(0, 3_600_000),
    default: 10000,
    doc: 'How long an answer of JOIN_AUTHZ_URL is reused for the same user, room and kind; 0 = ask every time.',
  },
  joinAuthzOnError: {
    env: 'JOIN_AUTHZ_ON_ERROR',
    schema: z.enum(['deny', 'allow']),
    default: 'deny',
    doc: 'When JOIN_AUTHZ_URL times out, is down or answers garbage: deny (fail closed: safe) or allow (fail open: calls go on while the app is down).',
  },
  maxPayloadBytes: {
    env: 'MAX_PAYLOAD_BYTES',
    schema: int(1024, 100_000_000),
    default: 1_000_000,
    doc: 'Largest frame any transport accepts (Socket.IO maxHttpBufferSize; 1 MB as Express + Socket.IO servers use).',
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
    doc: 'Heartbeat interval (Socket.IO and /ws), as Express + Socket.IO mesh servers use.',
  },
  pingTimeout: {
    env: 'PING_TIMEOUT_MS',
    schema: int(1000, 600_000),
    default: 60000,
    doc: 'How long a silent connection lives, as Express + Socket.IO mesh servers use.',
  },
  maxBufferedBytes: {
    env: 'MAX_BUFFERED_BYTES',
    schema: int(64 * 1024, 1_000_000_000),
    default: 1_048_576,
    doc: 'Outbound budget per connection: bytes waiting for a client that is not reading (past it the client is disconnected, counted in /metrics), and again the events kept for its resume. 1 MiB holds 16 of the largest SDPs; a connection holds at most 2 MiB, 10,000 at most 20 GiB.',
  },
  authTimeout: {
    env: 'AUTH_TIMEOUT_MS',
    schema: int(100, 600_000),
    default: 10000,
    doc: 'When connections need credentials (a JWT key, or AUTH_MODE=user-id), a /ws client that connected without them has this long to send its auth frame; then it is closed (4401).',
  },
  headersTimeout: {
    env: 'HEADERS_TIMEOUT_MS',
    schema: int(100, 300_000),
    default: 10000,
    doc: 'A connection that has not sent complete request (or upgrade) headers within this time is closed; real clients send them at once.',
  },
  shutdownTimeout: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    schema: int(0, 600_000),
    default: 10000,
    doc: 'Graceful shutdown waits at most this long before closing what is left.',
  },
  authMode: {
    env: 'AUTH_MODE',
    schema: z.enum(['open', 'user-id', 'jwt']),
    default: undefined,
    doc: 'open: guests welcome; user-id: a handshake needs a userId, tokens are not checked (as the Express + Socket.IO + Redis mesh server); jwt: a verified token. Unset: jwt when a key (AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL) is set, else open.',
  },
  jwtSecret: {
    env: 'AUTH_JWT_SECRET',
    schema: z.string().min(16, 'must be at least 16 characters'),
    secret: true,
    default: undefined,
    doc: 'Shared secret (HS256/384/512) of the tokens every connection must carry (sub = user id); also signs `sinyal token`.',
  },
  jwtPublicKey: {
    env: 'AUTH_JWT_PUBLIC_KEY',
    schema: z.string().min(1),
    default: undefined,
    doc: 'PEM public key (RS256/PS256/ES256/EdDSA) of the identity provider, or the path of a PEM file.',
  },
  jwksUrl: {
    env: 'AUTH_JWKS_URL',
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    default: undefined,
    doc: "The identity provider's JWKS (https://idp/.well-known/jwks.json): cached, fetched again for an unknown kid.",
  },
  jwtIssuer: {
    env: 'AUTH_JWT_ISSUER',
    schema: list,
    default: undefined,
    doc: 'Comma list of accepted iss; set it so tokens of another issuer with the same keys are refused.',
  },
  jwtAudience: {
    env: 'AUTH_JWT_AUDIENCE',
    schema: list,
    default: undefined,
    doc: 'Comma list of accepted aud; set it so tokens minted for another service are refused.',
  },
  jwtAlgorithms: {
    env: 'AUTH_JWT_ALGORITHMS',
    schema: list.pipe(
      z.array(
        z.enum(JWS_ALGORITHMS, {
          error: 'must be JWS algorithms (HS256, RS256, PS256, ES256, EdDSA...); never none',
        }),
      ),
    ),
    default: undefined,
    doc: 'Allow-list of token algorithms. Unset: those of the configured key type only (never none).',
  },
  jwtRequireExp: {
    env: 'AUTH_JWT_REQUIRE_EXP',
    schema: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
    default: true,
    doc: 'Refuse tokens without exp: a token that never expires cannot be taken back once leaked.',
  },
  jwtClockTolerance: {
    env: 'AUTH_JWT_CLOCK_TOLERANCE_SECONDS',
    schema: int(0, 300),
    default: 5,
    doc: 'Leeway on exp and nbf for clocks a little apart between the identity provider and this server.',
  },
  jwtPrivateKey: {
    env: 'AUTH_JWT_PRIVATE_KEY',
    schema: z.string().min(1),
    secret: true,
    default: undefined,
    doc: 'PEM private key (or its file path) `sinyal token` signs with when there is no AUTH_JWT_SECRET.',
  },
  publicDir: {
    env: 'PUBLIC_DIR',
    schema: z.string().min(1),
    default: undefined,
    doc: 'Folder of the built demo app served at / (npm run build writes dist/public). Unset: dist/public.',
  },
  https: {
    env: 'HTTPS',
    schema: z.preprocess((v) => v === true || v === 'true' || v === '1', z.boolean()),
    default: false,
    flag: 'boolean',
    doc: 'Serve HTTPS (getUserMedia needs it off localhost). Without HTTPS_CERT/KEY a self-signed certificate is generated.',
  },
  httpsCert: {
    env: 'HTTPS_CERT',
    schema: z.string().min(1),
    default: undefined,
    doc: 'PEM certificate file for --https (with HTTPS_KEY).',
  },
  httpsKey: {
    env: 'HTTPS_KEY',
    schema: z.string().min(1),
    default: undefined,
    doc: 'PEM private key file for --https (with HTTPS_CERT).',
  },
  iceServers: {
    env: 'ICE_SERVERS',
    schema: z
      .string()
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: 'must be a JSON array of RTCIceServer',
          });
          return z.NEVER;
        }
      })
      .pipe(
        z.array(
          z.object({
            urls: z.union([iceUrl, z.array(iceUrl).min(1)]),
            username: z.string().optional(),
            credential: z.string().optional(),
          }),
        ),
      ),
    default: undefined,
    doc: 'Full JSON list of RTCIceServer handed to clients; replaces STUN_URLS/TURN_URLS.',
  },
  stunUrls: {
    env: 'STUN_URLS',
    schema: iceUrls('stun|stuns'),
    default: ['stun:stun.l.google.com:19302'],
    doc: 'Comma list of STUN URLs for /api/ice-servers; a public one finds addresses behind NAT.',
  },
  turnUrls: {
    env: 'TURN_URLS',
    schema: iceUrls('turn|turns'),
    default: undefined,
    doc: 'Comma list of TURN URLs (turn:host:3478?transport=udp,...), for peers no STUN can join.',
  },
  turnUsername: {
    env: 'TURN_USERNAME',
    schema: z.string().min(1),
    default: undefined,
    doc: 'Static TURN username (when no TURN_SECRET).',
  },
  turnCredential: {
    env: 'TURN_CREDENTIAL',
    schema: z.string().min(1),
    secret: true,
    default: undefined,
    doc: 'Static TURN password (when no TURN_SECRET).',
  },
  turnSecret: {
    env: 'TURN_SECRET',
    schema: z.string().min(8, 'must be at least 8 characters'),
    secret: true,
    default: undefined,
    doc: 'coturn static-auth-secret: clients get time-limited TURN REST credentials instead of a fixed password.',
  },
  iceServersPerMinute: {
    env: 'ICE_SERVERS_PER_MINUTE',
    schema: int(1, 10_000),
    default: 10,
    doc: 'GET /api/ice-servers calls per minute per connection (auth off) or user (auth on); each hands out TURN credentials.',
  },
  turnTtl: {
    env: 'TURN_TTL',
    schema: int(60, 604_800),
    default: 86400,
    doc: 'Lifetime of generated TURN credentials, in seconds; a day covers any call.',
  },
  dataDir: {
    env: 'DATA_DIR',
    schema: z.string().min(1),
    default: './data',
    doc: 'Embedded PGlite database directory (history, rooms, settings); memory:// keeps nothing.',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .refine(
        (url) => URL.canParse(url),
        'must be a valid URL (percent-encode @ : / in the password)',
      ),
    default: undefined,
    doc: 'PostgreSQL instead of the embedded PGlite (same schema; migrations applied at start).',
  },
  storeMaxBuffered: {
    env: 'STORE_MAX_BUFFERED',
    schema: int(100, 10_000_000),
    default: 50000,
    doc: 'History writes kept while the database is slow or down; beyond, dropped and counted in /health.',
  },
  adminApi: {
    env: 'ADMIN_API',
    schema: z.enum(['on', 'off']),
    default: undefined,
    doc: 'Admin REST endpoints (connections, logs, settings, broadcast). Unset: on, except in production without ADMIN_TOKEN.',
  },
  adminToken: {
    env: 'ADMIN_TOKEN',
    schema: z.string().min(16, 'must be at least 16 characters'),
    secret: true,
    default: undefined,
    doc: 'When set, admin endpoints require Authorization: Bearer <token> (and are on in production).',
  },
  resumeWindow: {
    env: 'RESUME_WINDOW_MS',
    schema: int(0, 600_000),
    default: 30000,
    doc: 'A Socket.IO or /ws client whose connection dropped may resume within this window (0 = off): same peer id, rooms and media state, missed events replayed. Covers a Wi-Fi switch or a proxy restart.',
  },
  sseResumeWindow: {
    env: 'SSE_RESUME_WINDOW_MS',
    schema: int(0, 600_000),
    default: 30000,
    doc: 'An SSE client reconnecting with Last-Event-ID within this window (on any process) keeps its id and gets what it missed; needs RESUME_WINDOW_MS > 0.',
  },
  sseHeartbeatInterval: {
    env: 'SSE_HEARTBEAT_MS',
    schema: int(1000, 600_000),
    default: 15000,
    doc: 'Comment line on idle SSE streams; below the 30-60 s idle timeout of common proxies.',
  },
  /**
   * Where PeerJS clients find the server: `new Peer(id, { host, port, path })`.
   * @default '/peerjs' — the path PeerJS apps mount their PeerJS server at, so they change only
   * host and port.
   */
  peerjsPath: {
    env: 'PEERJS_PATH',
    schema: z.string().regex(/^\/[A-Za-z0-9_.~/-]*$/, 'must be a URL path starting with /'),
    default: '/peerjs',
    doc: 'Path of the PeerJS dialect: its socket is at PATH/peerjs, its HTTP calls at PATH/KEY/id and PATH/KEY/peers. /peerjs, where PeerJS apps mount their PeerJS server.',
  },
  /**
   * The `key` PeerJS clients send.
   * @default 'peerjs' — the PeerJS server's and client's default, so apps that never set one connect.
   */
  peerjsKey: {
    env: 'PEERJS_KEY',
    schema: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1 to 100 letters, digits, - or _'),
    default: 'peerjs',
    doc: "The key PeerJS clients must send (their `key` option); others get PeerJS's invalid-key error. peerjs, both sides' default.",
  },
  /**
   * Whether `GET {PEERJS_PATH}/{key}/peers` lists the connected PeerJS ids.
   * @default false — the list tells anyone who is online; the PeerJS server keeps it off too.
   */
  peerjsAllowDiscovery: {
    env: 'PEERJS_ALLOW_DISCOVERY',
    schema: z.preprocess((v) => v === true || v === 'true' || v === '1', z.boolean()),
    default: false,
    flag: 'boolean',
    doc: "PeerJS clients may list every connected PeerJS id (`peer.listAllPeers()`); off, that call is answered 401, as the PeerJS server's default.",
  },
  redisUrl: {
    env: 'REDIS_URL',
    schema: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
    default: undefined,
    doc: 'Run as one of many processes sharing rooms through this Redis. Unset: one process, in memory.',
  },
  redisPrefix: {
    env: 'REDIS_PREFIX',
    schema: z.string().min(1).max(100),
    default: 'sinyal:',
    doc: 'Prefix of every Redis key and channel, so several clusters can share one Redis.',
  },
  clusterNodeTimeout: {
    env: 'CLUSTER_NODE_TIMEOUT_MS',
    schema: int(500, 600_000),
    default: 5000,
    doc: 'A process silent this long is dead and its peers leave their rooms (heartbeat every fifth).',
  },
  webhookUrls: {
    env: 'WEBHOOK_URL',
    schema: list.pipe(
      z
        .array(z.url({ protocol: /^https?$/, error: 'each must be an http(s) URL' }))
        .min(1, 'must name at least one URL'),
    ),
    default: undefined,
    doc: "Your backend's webhook receiver (a comma list for several): room and participant events, signed as Standard Webhooks. Unset: no webhooks.",
  },
  webhookSecret: {
    env: 'WEBHOOK_SECRET',
    schema: webhookSecret,
    secret: true,
    default: undefined,
    doc: 'whsec_<base64> signing key of the webhooks (required with WEBHOOK_URL); your receiver verifies with the same one.',
  },
  webhookEvents: {
    env: 'WEBHOOK_EVENTS',
    schema: list.pipe(
      z.array(
        z.enum(WEBHOOK_EVENT_TYPES, {
          error: `each must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
        }),
      ),
    ),
    default: undefined,
    doc: 'Comma list of the webhook events to send (room.started, participant.joined, participant.left, room.finished). Unset: all.',
  },
  webhookRetrySchedule: {
    env: 'WEBHOOK_RETRY_SCHEDULE',
    schema: list.pipe(
      z
        .array(
          z
            .string()
            .regex(/^\d{1,6}(ms|s|m|h)$/, 'each must be a span such as 500ms, 5s, 30m or 2h'),
        )
        .min(1, 'must name at least one wait')
        .max(20, 'must name at most 20 waits'),
    ),
    default: ['5s', '5m', '30m', '2h', '5h', '10h', '14h', '20h', '24h'],
    doc: "Waits before each retry of a failed webhook (each with up to 10 % jitter); after the last, it is abandoned. Standard Webhooks' schedule: about three days in all.",
  },
  webhookClaimLease: {
    env: 'WEBHOOK_CLAIM_LEASE_MS',
    schema: int(1000, 3_600_000),
    default: 60000,
    doc: 'How long a process holds a webhook delivery it is sending; past it, another process (or the next start) sends it again, same webhook-id. 60 s: well past the 15 s request timeout, so a live process keeps what it works on, yet a killed one holds its deliveries back only a minute.',
  },
  webhookRetention: {
    env: 'WEBHOOK_RETENTION',
    schema: z.string().regex(/^\d{1,6}(s|m|h|d)$/, 'must be a span such as 30s, 12h or 7d'),
    default: '7d',
    doc: 'Delivered and abandoned webhook deliveries older than this are deleted (a minute after the start, then hourly or sooner for a short retention). 7 days: time to look into a failure in the admin and send it again.',
  },
} as const;

/**
 * Problems of settings that only make sense together, as `loadConfig` lists them; the server
 * checks options given in code the same way.
 */
export function companionProblems(config: {
  webhookUrls?: readonly string[] | undefined;
  webhookSecret?: string | undefined;
}): string[] {
  if (config.webhookUrls?.length && !config.webhookSecret) {
    return [
      '  WEBHOOK_SECRET is required when WEBHOOK_URL is set: whsec_ followed by the base64 of 24 to 64 random bytes (openssl rand -base64 32).',
    ];
  }
  return [];
}

export type OptionKey = keyof typeof optionTable;
