import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Server as SocketIoServer } from 'socket.io';
import { createAuth, createJoinPolicy } from './auth/auth.js';
import { TurnAccess } from './auth/turn-access.js';
import type { AuthOptions } from './auth/identity.js';
import type { Cluster } from './cluster/cluster.js';
import { loadConfig, refuseProblems, type Config } from './config/config.js';
import { companionProblems } from './config/options.js';
import { logRoomActivity } from './engine/activity-log.js';
import { Engine } from './engine/engine.js';
import type { ExtensionTransports, SinyalExtension } from './extension.js';
import { roomIdsVisibleTo } from './api/admin-guard.js';
import { createHttpApp } from './http/app.js';
import { createMetricsRegistry } from './http/metrics.js';
import { originRule } from './http/origin.js';
import { boundIdleConnections, guardUpgrades } from './http/connection-guards.js';
import { loadTls, type TlsSetup } from './http/tls.js';
import { createLogger } from './logger.js';
import { attachSocketIo } from './transports/socketio/socketio-transport.js';
import { TransportCore } from './transports/core/transport-core.js';
import { WebSocketTransport } from './transports/websocket/websocket-transport.js';
import { PeerjsTransport } from './transports/peerjs/peerjs-transport.js';
import {
  mountPeerjsRoutes,
  registerPeerjsRoutes,
  type PeerjsRoutesOptions,
} from './transports/peerjs/peerjs-routes.js';
import { closeExtensions, shutdown } from './server-shutdown.js';

export interface SinyalOptions extends Partial<Config> {
  /** @default a pino logger at `logLevel` */
  logger?: Logger;
  /** @default a Redis cluster when `redisUrl` is set, else a single-process memory cluster */
  cluster?: Cluster;
  /** Features composed around the engine, set up in order (a group, as `storeApi()`, in its order). */
  extensions?: Array<SinyalExtension | readonly SinyalExtension[]>;
}

export interface SinyalServer {
  readonly config: Config;
  readonly engine: Engine;
  readonly app: FastifyInstance;
  readonly io: SocketIoServer;
  readonly websocket: WebSocketTransport;
  /** PeerJS clients, at `PEERJS_PATH`. */
  readonly peerjs: PeerjsTransport;
  /** Every transport: `io`, `websocket` and `peerjs` as above, and `sse` with `sseApi()`. */
  readonly transports: ServerTransports;
  /** An `https.Server` when `https` (or `httpsCert`) is set. */
  readonly httpServer: HttpServer | HttpsServer;
  readonly logger: Logger;
  /** How handshakes are authenticated (mode, token verifier, trusted proxies). */
  readonly auth: AuthOptions;
  /** The certificate in use and where it came from, when serving HTTPS. */
  readonly tls: TlsSetup | undefined;
  /** Starts listening on `config.port` (0 = any free port). */
  listen(): Promise<{ port: number; url: string }>;
  /** Graceful shutdown: stop accepting, tell clients, flush, close within `shutdownTimeout`. */
  close(): Promise<void>;
}

/**
 * Defaults for every option not given (environment variables are not read here: see cli.ts);
 * settings that need each other are checked as `loadConfig` checks them.
 */
export function resolveConfig(options: Partial<Config> = {}): Config {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const config: Config = { ...loadConfig([], {}), ...defined };
  refuseProblems(companionProblems(config));
  return config;
}

/** The transports on the HTTP server's port that every server has. */
interface BuiltTransports {
  io: SocketIoServer;
  websocket: WebSocketTransport;
  peerjs: PeerjsTransport;
}

/** Those and the ones extensions serve (SSE + REST). */
export type ServerTransports = BuiltTransports & ExtensionTransports;

interface Transports extends BuiltTransports {
  engine: Engine;
}

/** PEERJS_PATH without its trailing slash: `/` mounts the socket at `/peerjs`, as PeerJS does. */
const peerjsPath = (config: Config) => config.peerjsPath.replace(/\/+$/, '');

/** PeerJS's HTTP calls (`{path}/{key}/id`, `/peers`) as the settings ask. */
const peerjsRoutes = (config: Config): PeerjsRoutesOptions => ({
  path: peerjsPath(config),
  key: config.peerjsKey,
  allowDiscovery: config.peerjsAllowDiscovery,
  origins: originRule(config.allowedOrigins, config.host),
});

function buildTransports(
  httpServer: HttpServer | HttpsServer,
  config: Config,
  engine: Engine,
  auth: AuthOptions,
): Transports {
  const origins = originRule(config.allowedOrigins, config.host);
  // One lifecycle (origin, authentication, the peer, the outbound budget, the close) under
  // every transport; the adapters only translate frames.
  const core = new TransportCore(engine, {
    auth,
    maxBufferedBytes: config.maxBufferedBytes,
    origins,
  });
  const io = new SocketIoServer(httpServer, {
    cors: { origin: config.allowedOrigins ?? true, credentials: true },
    pingInterval: config.pingInterval,
    pingTimeout: config.pingTimeout,
    maxHttpBufferSize: config.maxPayloadBytes,
    // `/socket.io/socket.io.js` as an Express + Socket.IO server serves it: pages written for
    // such servers load the client script from there.
    serveClient: true,
    // Socket.IO v2 clients (Engine.IO v3), which older apps still ship, connect too.
    allowEIO3: true,
    // CORS above only guards polling; every handshake, websocket ones included, is checked here.
    allowRequest: (request, callback) => {
      const allowed = core.allowsOrigin(request);
      callback(allowed ? null : 'This origin is not in ALLOWED_ORIGINS', allowed);
    },
  });
  attachSocketIo(io, core);
  const websocket = new WebSocketTransport(core, {
    maxPayloadBytes: config.maxPayloadBytes,
    pingInterval: config.pingInterval,
    pingTimeout: config.pingTimeout,
    authTimeout: config.authTimeout,
  });
  const peerjs = new PeerjsTransport(core, {
    path: peerjsPath(config),
    key: config.peerjsKey,
    maxPayloadBytes: config.maxPayloadBytes,
    pingTimeout: config.pingTimeout,
  });
  guardUpgrades(httpServer);
  httpServer.on('upgrade', (request, socket, head) => {
    if (!peerjs.handleUpgrade(request, socket, head))
      websocket.handleUpgrade(request, socket, head);
  });
  return { engine, io, websocket, peerjs };
}

/** REDIS_URL makes this process one of many; ioredis is loaded only then. */
async function clusterFromConfig(config: Config, logger: Logger): Promise<Cluster | undefined> {
  if (!config.redisUrl) return undefined;
  const { redisClusterFromConfig } = await import('./cluster/redis-cluster.js');
  return redisClusterFromConfig(config, logger);
}

async function buildEngine(config: Config, logger: Logger, cluster?: Cluster): Promise<Engine> {
  const engine = new Engine({
    // Without a cluster (no REDIS_URL) the engine keeps a memory cluster.
    cluster: cluster ?? (await clusterFromConfig(config, logger)),
    logger: logger.child({ component: 'engine' }),
    joinPolicy: createJoinPolicy(config, logger.child({ component: 'auth' })),
    resumeWindowMs: config.resumeWindow,
    // What a peer may cost is one number: its resume log is bounded like its outbound buffer.
    maxKeptBytes: config.maxBufferedBytes,
    // ...and by age: what a connection that died unnoticed may have swallowed.
    maxKeptMs: config.pingInterval + config.pingTimeout,
    limits: {
      maxSdpLength: config.maxSdpLength,
      maxCandidateLength: config.maxCandidateLength,
      maxChatLength: config.maxChatLength,
      maxIdLength: 128,
    },
    settings: {
      meshRoomCapacity: config.roomCapacity,
      maxConnections: config.maxConnections,
      maxMessagesPerSecond: config.maxMessagesPerSecond,
      maxConnectionsPerIp: config.maxConnectionsPerIp,
    },
  });
  logRoomActivity(engine.hooks, logger.child({ component: 'rooms' }));
  return engine;
}

/** A complete sinyal server: HTTP app, Socket.IO, `/ws` and PeerJS on one port. */
export async function createServer(options: SinyalOptions = {}): Promise<SinyalServer> {
  const { logger: givenLogger, cluster, extensions: given = [], ...overrides } = options;
  const extensions = given.flat();
  const config = resolveConfig(overrides);
  const logger = givenLogger ?? (await createLogger(config.logLevel));
  const engine = await buildEngine(config, logger, cluster);
  const auth = createAuth(config);
  const turn = new TurnAccess(config, auth, engine);
  auth.connectionToken = (peerId) => turn.connectionToken(peerId);
  auth.welcomeToken = (peerId) => turn.welcomeToken(peerId);

  const tls = await loadTls(config);
  let httpServer: HttpServer | HttpsServer | undefined;
  const metrics = createMetricsRegistry(engine);
  const app = createHttpApp({
    engine,
    metrics,
    logger,
    auth,
    turn,
    web: config,
    showRoomIds: roomIdsVisibleTo(config, auth.verify),
    serverFactory: (handler) => {
      // How often Node looks for connections past `headersTimeout` (default 30 s).
      const bounds = {
        connectionsCheckingInterval: Math.min(30_000, Math.max(100, config.headersTimeout / 4)),
      };
      httpServer = tls
        ? createHttpsServer({ ...tls, ...bounds, handshakeTimeout: config.headersTimeout }, handler)
        : createHttpServer(bounds, handler);
      boundIdleConnections(httpServer, config.headersTimeout);
      return httpServer as HttpServer;
    },
    healthChecks: extensions
      .filter((e) => e.health)
      .map((e) => () => ({ name: e.name, ...e.health!() })),
  });
  registerPeerjsRoutes(app, engine, peerjsRoutes(config));
  // Extensions add routes, which Fastify accepts only before `ready()`.
  const setUp: SinyalExtension[] = [];
  try {
    for (const extension of extensions) {
      const child = logger.child({ ext: extension.name });
      setUp.push(extension);
      await extension.setup?.({ engine, app, config, auth, logger: child, metrics });
    }
    await app.ready();
  } catch (error) {
    // What was opened (a store's worker and its DATA_DIR lock) must not outlive the refusal.
    await closeExtensions(setUp, logger);
    await app.close();
    throw error;
  }
  if (!httpServer) throw new Error('Fastify did not create the HTTP server');
  const server = httpServer;
  const { io, websocket, peerjs } = buildTransports(server, config, engine, auth);
  const transports: ServerTransports = { io, websocket, peerjs };
  for (const extension of extensions) Object.assign(transports, extension.transports?.());
  await engine.start();

  let closing: Promise<void> | undefined;
  return {
    config,
    engine,
    app,
    io,
    websocket,
    peerjs,
    transports,
    httpServer: server,
    logger,
    auth,
    tls,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const { port } = server.address() as AddressInfo;
      const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { port, url: `${tls ? 'https' : 'http'}://${shown}:${port}` };
    },
    close() {
      closing ??= shutdown({
        config,
        engine,
        io,
        transports: [websocket, peerjs],
        app,
        server,
        extensions,
        logger,
      });
      return closing;
    },
  };
}

/**
 * Mounts Socket.IO, `/ws` and PeerJS (its socket, and its `{path}/{key}/id` and `/peers` calls)
 * on an HTTP server you already run (Express, plain node:http...). Those paths are answered
 * before your server's own `request` handlers, which get every other request.
 */
export async function attach(
  httpServer: HttpServer,
  options: Omit<SinyalOptions, 'extensions'> = {},
): Promise<Transports & { close(): Promise<void> }> {
  const { logger: givenLogger, cluster, ...overrides } = options;
  const config = resolveConfig(overrides);
  const logger = givenLogger ?? (await createLogger(config.logLevel));
  const engine = await buildEngine(config, logger, cluster);
  const transports = buildTransports(httpServer, config, engine, createAuth(config));
  mountPeerjsRoutes(httpServer, engine, peerjsRoutes(config));
  await engine.start();
  return {
    ...transports,
    async close() {
      transports.websocket.close();
      transports.peerjs.close();
      // Transports closed, not a Socket.IO "server disconnect": clients come back by themselves.
      for (const socket of transports.io.of('/').sockets.values()) socket.conn.close();
      await engine.stop();
    },
  };
}
