import type { SinyalExtension } from '../extension.js';
import { TransportCore } from '../transports/core/transport-core.js';
import { SseTransport } from '../transports/sse/sse-transport.js';
import { originRule } from '../http/origin.js';
import { mountApi } from './api-mount.js';
import { sseMediaRoutes } from './sse-media-routes.js';
import { sseRoutes } from './sse-routes.js';

export type SseExtension = SinyalExtension & { readonly transport: SseTransport | undefined };

/**
 * The SSE + REST transport (PROTOCOLS.md §3): `GET /api/events` and the calls an SSE peer
 * makes. Needs no store; `SinyalServer.transports.sse` is its transport.
 */
export function sseApi(): SseExtension {
  let sse: SseTransport | undefined;
  return {
    name: 'sse',
    get transport() {
      return sse;
    },
    transports: () => ({ sse }),
    async setup({ engine, app, config, auth }) {
      const core = new TransportCore(engine, { auth, maxBufferedBytes: config.maxBufferedBytes });
      const transport = new SseTransport(core, {
        resumeWindow: config.sseResumeWindow,
        heartbeatInterval: config.sseHeartbeatInterval,
      });
      sse = transport;
      // `GET /api/ice-servers` takes an SSE connection's private id as its proof.
      auth.connectionPeer = (connectionId) => transport.session(connectionId)?.peer.id;
      const origins = originRule(config.allowedOrigins, config.host);
      const ctx = { engine, sse: transport, origins, auth };
      await mountApi(
        app,
        config,
        (request) => origins.allows(request.raw),
        (api) => {
          sseRoutes(api, ctx);
          sseMediaRoutes(api, ctx);
        },
      );
      // Open streams would hold the HTTP server open until the shutdown timeout.
      app.addHook('preClose', async () => transport.close());
    },
    close() {
      sse?.close();
    },
  };
}
