// A backend beside sinyal, with Express: receives sinyal's webhooks, hands its users access
// tokens, and asks sinyal who is connected. In this repository, after `npm run build`:
// SINYAL_URL=http://localhost:3000 SINYAL_ADMIN_TOKEN=... AUTH_JWT_SECRET=... WEBHOOK_SECRET=whsec_...
//   node --import tsx examples/backend/express.ts
import express from 'express';
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
const app = express();

// The webhook route keeps the body as raw bytes: the signature covers exactly what was sent, and
// a JSON parser that ran first (app.use(express.json())) would have thrown those bytes away.
app.post('/webhooks/sinyal', express.raw({ type: 'application/json' }), (req, res) => {
  try {
    const event = verifyWebhook(req.body, req.headers, config.webhookSecret);
    presence.handle(String(req.headers['webhook-id']), event);
    res.status(204).end();
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    res.status(400).json({ error: error.message });
  }
});

// Every other route may parse JSON as usual.
app.use(express.json());

// After your own sign-in check: a token for sinyal, valid for one hour, for the team's rooms.
app.post('/login', async (req, res) => {
  const { userId, name } = req.body as { userId: string; name?: string };
  const token = await createAccessToken({
    userId,
    name,
    rooms: ['team-*'],
    ttl: '1h',
    secret: config.jwtSecret,
  });
  res.json({ token, signalingUrl: config.sinyalUrl });
});

app.get('/presence', (_req, res) => {
  res.json(presence);
});

// The admin API, typed: who is connected where right now, from sinyal itself.
app.get('/live-rooms', async (_req, res) => {
  const rooms = await sinyal.rooms();
  res.json(rooms.map((room) => ({ room: room.roomId, users: room.members.map((m) => m.userId) })));
});

const server = app.listen(config.port, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`Backend listening on http://127.0.0.1:${port}`);
});
