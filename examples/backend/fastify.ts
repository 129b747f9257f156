// The same backend with Fastify (settings as express.ts): node --import tsx examples/backend/fastify.ts
import Fastify from 'fastify';
import {
  createAccessToken,
  SinyalAdmin,
  verifyWebhook,
  WebhookVerificationError,
} from 'sinyal/server';
import { Presence, settings } from './presence.js';

const config = settings();
const sinyal = new SinyalAdmin(config.sinyalUrl, { token: config.adminToken });
const presence = new Presence();
const app = Fastify();

// In its own plugin scope, the webhook route gets the body as a Buffer (the signature covers
// those bytes); the rest of the app keeps Fastify's JSON parser.
await app.register(async (webhooks) => {
  webhooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  webhooks.post('/webhooks/sinyal', async (request, reply) => {
    try {
      const event = verifyWebhook(request.body as Buffer, request.headers, config.webhookSecret);
      presence.handle(String(request.headers['webhook-id']), event);
      return reply.status(204).send();
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      return reply.status(400).send({ error: error.message });
    }
  });
});

// After your own sign-in check: a token for sinyal, valid for one hour, for the team's rooms.
app.post('/login', async (request) => {
  const { userId, name } = request.body as { userId: string; name?: string };
  const token = await createAccessToken({
    userId,
    name,
    rooms: ['team-*'],
    ttl: '1h',
    secret: config.jwtSecret,
  });
  return { token, signalingUrl: config.sinyalUrl };
});

app.get('/presence', async () => presence);

// The admin API, typed: who is connected where right now, from sinyal itself.
app.get('/live-rooms', async () => {
  const rooms = await sinyal.rooms();
  return rooms.map((room) => ({ room: room.roomId, users: room.members.map((m) => m.userId) }));
});

const url = await app.listen({ port: config.port, host: '127.0.0.1' });
console.log(`Backend listening on ${url}`);
