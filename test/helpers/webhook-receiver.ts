import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from '../../src/protocol/webhook-types.js';

/** A fresh `whsec_` secret, as an operator makes one. */
export const webhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** One request the receiver accepted as genuine (verified by the `standardwebhooks` package). */
export interface ReceivedWebhook {
  id: string;
  event: WebhookEvent;
  status: number;
}

/**
 * How the receiver answers a request: a status, and headers (`retry-after`...); or `hang`: it
 * never answers (recorded with status 0), until the sender gives up or the receiver stops.
 */
export type Answer = (
  event: WebhookEvent,
  id: string,
) => { status: number; headers?: object } | 'hang';

/**
 * A real HTTP receiver on a port of 127.0.0.1 that verifies every request with the
 * `standardwebhooks` package (not sinyal's code): an unsigned or badly signed request fails
 * the test through `refused`. `stop()` closes the port (a receiver that is down) and `start()`
 * opens the same one again.
 */
export class WebhookReceiver {
  /** Every verified request, in arrival order, whatever was answered. */
  readonly requests: ReceivedWebhook[] = [];
  /** Requests that failed verification (should stay empty). */
  readonly refused: string[] = [];
  answer: Answer = () => ({ status: 204 });
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private readonly verifier: Webhook;

  constructor(readonly secret = webhookSecret()) {
    this.verifier = new Webhook(secret);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The events answered 2xx, each once (a receiver dedupes by webhook-id). */
  delivered(): ReceivedWebhook[] {
    const seen = new Set<string>();
    return this.requests.filter((r) => {
      if (r.status < 200 || r.status >= 300 || seen.has(r.id)) return false;
      seen.add(r.id);
      return true;
    });
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      void this.receive(request).then((answer) => {
        if (answer === 'hang') return;
        response.writeHead(answer.status, answer.headers as Record<string, string>).end();
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  private async receive(
    request: IncomingMessage,
  ): Promise<{ status: number; headers?: object } | 'hang'> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k, String(v)]),
    );
    let event: WebhookEvent;
    try {
      event = this.verifier.verify(body, headers) as WebhookEvent;
    } catch (error) {
      this.refused.push(`${(error as Error).message}: ${body}`);
      return { status: 400 };
    }
    const id = headers['webhook-id']!;
    const answer = this.answer(event, id);
    this.requests.push({ id, event, status: answer === 'hang' ? 0 : answer.status });
    return answer;
  }
}

/** A short summary of an event, to compare sequences: `participant.left:<peer>:kicked`. */
export function describeEvent(event: WebhookEvent): string {
  const data = event.data as {
    room: { id: string; kind: string };
    participant?: { peerId: string };
    reason?: string;
  };
  return [event.type, data.participant?.peerId, data.reason].filter(Boolean).join(':');
}

/** The delivered events of one room, summarised, in delivery order. */
export function roomEvents(receiver: WebhookReceiver, roomId: string): string[] {
  return receiver
    .delivered()
    .filter((r) => (r.event.data as { room: { id: string } }).room.id === roomId)
    .map((r) => describeEvent(r.event));
}
