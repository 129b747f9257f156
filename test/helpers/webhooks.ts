import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { storeApi } from '../../src/api/extension.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { verifyWebhook, type WebhookEvent } from '../../src/sdk/index.js';
import { startServer, type TestServer } from './server.js';

export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/**
 * The webhook options of `env` (WEBHOOK_URL, WEBHOOK_SECRET, WEBHOOK_RETRY_SCHEDULE...) as this
 * build's config reads them, to spread into startServer(); empty when it has no such setting.
 */
export function webhookOptions(env: Record<string, string>): Partial<Config> {
  const config = loadConfig([], env);
  return Object.fromEntries(Object.entries(config).filter(([key]) => /webhook/i.test(key)));
}

/** Whether this build delivers webhooks at all (its config has WEBHOOK_URL). */
export const webhooksInThisBuild =
  Object.keys(
    webhookOptions({ WEBHOOK_URL: 'http://127.0.0.1:9/', WEBHOOK_SECRET: newWebhookSecret() }),
  ).length > 0;

export interface ReceivedWebhook {
  /** `webhook-id`: the same on every attempt of one delivery. */
  id: string;
  event: WebhookEvent;
  /** The status the receiver answered. */
  answered: number;
}

/** A real HTTP endpoint that checks every request with verifyWebhook and answers `status`. */
export interface WebhookReceiver {
  url: string;
  /** The `whsec_` secret it verifies with. */
  secret: string;
  /** What it answers the next request: 200, or 500 to make sinyal retry. */
  status: number;
  /** Every request that passed verification, in order of arrival. */
  received: ReceivedWebhook[];
  /** Why the requests that failed verification failed (a test expects none). */
  refused: string[];
  close(): Promise<void>;
}

async function rawBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startWebhookReceiver(secret: string, status = 200): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    secret,
    status,
    received: [],
    refused: [],
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
  const server = createServer(async (request, response) => {
    const body = await rawBody(request);
    try {
      const event = verifyWebhook(body, request.headers, secret);
      const answered = receiver.status;
      receiver.received.push({ id: String(request.headers['webhook-id']), event, answered });
      response.writeHead(answered).end();
    } catch (error) {
      receiver.refused.push((error as Error).message);
      response.writeHead(400).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}

/**
 * A sinyal server (store in memory) that sends its webhooks to `receiver` and gives up after one
 * retry a second later (WEBHOOK_RETRY_SCHEDULE=1s), so a receiver answering 500 soon sees its
 * delivery abandoned.
 */
export function startWebhookServer(
  receiver: WebhookReceiver,
  adminToken: string,
): Promise<TestServer> {
  return startServer({
    ...webhookOptions({
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: receiver.secret,
      WEBHOOK_RETRY_SCHEDULE: '1s',
    }),
    adminToken,
    extensions: [storeApi({ store: { dataDir: 'memory://' } })],
  });
}
