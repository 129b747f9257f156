import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

type AnyServer = HttpServer | HttpsServer;

/**
 * Gives every upgraded socket an error path from the moment Node hands it over. Node removes its
 * own `'error'` listener from a socket it passes to `'upgrade'`; until `ws` or engine.io add
 * theirs (after an async auth check, or never for a path nobody serves) a connection reset would
 * be an unhandled `'error'` that ends the process.
 */
export function guardUpgrades(server: AnyServer): void {
  server.prependListener('upgrade', (_request: IncomingMessage, socket: Duplex) => {
    // The idle bound below is for connections that never make a request; this one did.
    endIdleBound(socket);
    socket.on('error', () => socket.destroy());
  });
}

/**
 * The idle bound of each connection that has made no request yet. A timer of our own rather than
 * `socket.setTimeout()`: a socket keeps its cleared timeout object (and a bound function) for its
 * whole life, ~200 bytes per idle WebSocket that a bare server does not pay.
 */
const idleBounds = new WeakMap<object, NodeJS.Timeout>();

function endIdleBound(socket: object): void {
  const timer = idleBounds.get(socket);
  if (timer === undefined) return;
  clearTimeout(timer);
  idleBounds.delete(socket);
}

/**
 * Bounds the life of a connection that has not made a request yet. Node's `headersTimeout`
 * closes one that started its headers and never finished them (checked every
 * `connectionsCheckingInterval`, set where the server is created); a connection that sends
 * nothing at all is closed here after the same time.
 */
export function boundIdleConnections(server: AnyServer, headersTimeout: number): void {
  server.headersTimeout = headersTimeout;
  // HTTPS hands Node's HTTP layer the TLS socket on 'secureConnection'; the TCP socket before it
  // is bounded by the TLS `handshakeTimeout`.
  const accepted = 'setSecureContext' in server ? 'secureConnection' : 'connection';
  server.on(accepted, (socket: Socket) => {
    const timer = setTimeout(() => {
      idleBounds.delete(socket);
      socket.destroy();
    }, headersTimeout);
    idleBounds.set(socket, timer.unref());
  });
  // From the first request on, Node's keep-alive timeout governs idle time, as without us.
  server.on('request', (request: IncomingMessage) => endIdleBound(request.socket));
}
