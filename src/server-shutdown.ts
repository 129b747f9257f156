import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Server as SocketIoServer } from 'socket.io';
import type { Config } from './config/config.js';
import type { Engine } from './engine/engine.js';
import type { SinyalExtension } from './extension.js';
import type { PeerjsTransport } from './transports/peerjs/peerjs-transport.js';
import type { WebSocketTransport } from './transports/websocket/websocket-transport.js';

/**
 * The graceful stop of a server from `createServer` (its `close()`): stop accepting, tell
 * clients, let every peer end while the store still records, close within `shutdownTimeout`.
 */
export async function shutdown(parts: {
  config: Config;
  engine: Engine;
  io: SocketIoServer;
  /** The transports on the HTTP server's `upgrade` (Socket.IO closes by `io.close()`). */
  transports: Array<WebSocketTransport | PeerjsTransport>;
  app: FastifyInstance;
  server: HttpServer | HttpsServer;
  extensions: SinyalExtension[];
  logger: Logger;
}): Promise<void> {
  const { config, engine, io, transports, app, server, extensions, logger } = parts;
  logger.info({ connections: engine.localCount }, 'shutting down');
  const force = setTimeout(() => {
    logger.warn('shutdown timeout reached: closing remaining connections');
    for (const transport of transports) transport.terminateAll();
    server.closeAllConnections();
  }, config.shutdownTimeout);
  force.unref();
  try {
    engine.noticeShutdown();
    // `/ws` closes with 1012 (service restart); Socket.IO's engine.io transports close without
    // a Socket.IO "server disconnect", which its clients would take as final: both reconnect by
    // themselves, to this server once restarted or to another behind the load balancer.
    for (const transport of transports) transport.close();
    // Stops listening; resolves once every HTTP connection has ended.
    const httpClosed = io.close();
    // Every peer ends (or, with REDIS_URL, is handed over) while the store still records:
    // its `leave` and `disconnect` rows (reason `shutdown`) are written before the exit.
    await engine.stop();
    await app.close();
    await httpClosed;
    await closeExtensions(extensions, logger);
  } finally {
    clearTimeout(force);
  }
}

/** Closes extensions in reverse order of setup; one that fails is logged, the others close. */
export async function closeExtensions(
  extensions: SinyalExtension[],
  logger: Logger,
): Promise<void> {
  for (const extension of [...extensions].reverse()) {
    try {
      await extension.close?.();
    } catch (error) {
      logger.error({ err: error, ext: extension.name }, 'extension failed to close');
    }
  }
}
