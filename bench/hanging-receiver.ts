import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `--webhooks`: a webhook receiver on 127.0.0.1 that takes every request and never answers, the
 * worst receiver there is (each delivery holds a dispatcher slot until the 15 s timeout). Answers
 * the settings that point sinyal at it, and a function that closes it.
 */
export async function startHangingReceiver(): Promise<{
  env: Record<string, string>;
  close: () => Promise<void>;
}> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      WEBHOOK_URL: `http://127.0.0.1:${port}/hooks`,
      WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
