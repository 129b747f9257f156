import WebSocket from 'ws';
import { storeApi } from '../../src/api/extension.js';
import type { SinyalOptions } from '../../src/server.js';
import { startServer, type TestServer } from './server.js';
import { connectSocketIo, type TestPeer } from './clients.js';
import { selectedModes } from './modes.js';
import { openSse } from './sse.js';

export type AnyTransport = 'socket.io' | 'websocket' | 'sse';
export const allTransports: AnyTransport[] = ['socket.io', 'websocket', 'sse'];

export type Attempt =
  | { ok: true; userId: string; close(): Promise<void> }
  | { ok: false; status?: number; message: string };

/** Opens a /ws connection with a token in the query; a refused upgrade resolves to its status. */
function wsAttempt(url: string, token: string): Promise<Attempt> {
  const target = new URL('/ws', url.replace(/^http/, 'ws'));
  target.searchParams.set('token', token);
  const ws = new WebSocket(target, { rejectUnauthorized: false });
  return new Promise((resolve) => {
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ ok: false, status: response.statusCode, message: body }));
      response.on('error', () =>
        resolve({ ok: false, status: response.statusCode, message: body }),
      );
    });
    ws.once('error', (error) => resolve({ ok: false, message: error.message }));
    ws.once('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { event: string; data: { userId: string } };
      resolve({
        ok: true,
        userId: frame.data.userId,
        close: async () => {
          ws.close();
        },
      });
    });
  });
}

/** Connects with `token` on any transport; resolves to the identity or the refusal. */
export async function attempt(
  transport: AnyTransport,
  url: string,
  token: string,
): Promise<Attempt> {
  if (transport === 'websocket') return wsAttempt(url, token);
  try {
    if (transport === 'sse') {
      const peer = await openSse(url, { query: { token } });
      const connected = peer.log.find((e) => e.event === 'connected')!.data as { userId: string };
      return {
        ok: true,
        userId: connected.userId,
        close: async () => peer.abort(),
      };
    }
    const peer: TestPeer = await connectSocketIo(url, { token });
    const welcome = peer.events.all.find((e) => e.event === 'welcome')!.data as { userId: string };
    return { ok: true, userId: welcome.userId, close: () => peer.close() };
  } catch (error) {
    const { status, body, message } = error as { status?: number; body?: string; message: string };
    let text = message;
    if (body) {
      try {
        text = (JSON.parse(body) as { message: string }).message;
      } catch {
        text = body;
      }
    }
    return { ok: false, status, message: text };
  }
}

/** A server with every transport (the SSE + REST API needs the store: in memory here). */
export function startFullServer(options: SinyalOptions = {}): Promise<TestServer> {
  return startServer({ dataDir: 'memory://', extensions: [storeApi()], ...options });
}

/** A deployment an access suite runs in: its options under the suite's own, and its cleanup. */
export interface AccessMode {
  name: string;
  /** Starts a full server in this mode; `close()` also removes what it left (Redis keys). */
  start(options?: SinyalOptions): Promise<TestServer>;
}

/**
 * Every mode of `test/helpers/modes.ts` but `JWT`: access suites bring their own credentials,
 * so the modes that matter are plain, production, cluster (Redis) and HTTPS.
 */
export function accessModes(): AccessMode[] {
  return selectedModes()
    .filter((mode) => mode.name !== 'JWT')
    .map((mode) => ({
      name: mode.name === 'no auth' ? 'plain' : mode.name,
      async start(options: SinyalOptions = {}) {
        const all = { ...mode.options(), ...options };
        const srv = await startFullServer(all);
        return {
          ...srv,
          async close() {
            await srv.close();
            await mode.cleanup(all);
          },
        };
      },
    }));
}
