import { createServer, type SinyalOptions, type SinyalServer } from '../../src/server.js';

export interface TestServer {
  server: SinyalServer;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts a real sinyal server on a free port of 127.0.0.1, silent unless TEST_LOG_LEVEL is set. */
export async function startServer(options: SinyalOptions = {}): Promise<TestServer> {
  const server = await createServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: (process.env.TEST_LOG_LEVEL as SinyalOptions['logLevel']) ?? 'silent',
    ...options,
  });
  // `https://` when the server runs HTTPS.
  const { port, url } = await server.listen();
  return { server, port, url, close: () => server.close() };
}
