/**
 * Baseline: a bare `ws` relay of the pair flow with sinyal's `/ws` framing
 * (`{ "event", "data" }` JSON text). No validation: this is what sinyal's `/ws` transport is
 * measured against.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

interface Client {
  id: string;
  ws: WebSocket;
  rooms: Set<string>;
}

const rooms = new Map<string, Set<Client>>();
const httpServer = createServer();
const wss = new WebSocketServer({ server: httpServer, path: '/ws', maxPayload: 1e6 });

const send = (client: Client, event: string, data: unknown) =>
  client.ws.send(JSON.stringify({ event, data }));

wss.on('connection', (ws) => {
  const client: Client = { id: randomBytes(12).toString('base64url'), ws, rooms: new Set() };

  ws.on('message', (raw) => {
    let frame: { event: string; data: { roomId: string; candidate?: unknown } };
    try {
      frame = JSON.parse(raw.toString());
    } catch {
      return;
    }
    const { event, data } = frame;
    if (event === 'join-room') {
      const members = rooms.get(data.roomId) ?? new Set<Client>();
      rooms.set(data.roomId, members);
      members.add(client);
      client.rooms.add(data.roomId);
      send(client, 'joined', { roomId: data.roomId, members: [...members].map((m) => m.id) });
      if (members.size !== 2) return;
      const [caller, callee] = [...members] as [Client, Client];
      const common = {
        roomId: data.roomId,
        initiatorId: caller.id,
        members: [caller.id, callee.id],
      };
      send(caller, 'ready', { ...common, role: 'caller', partnerId: callee.id });
      send(callee, 'ready', { ...common, role: 'callee', partnerId: caller.id });
    } else if (event === 'ice-candidate') {
      for (const other of rooms.get(data.roomId) ?? []) {
        if (other === client) continue;
        const relayed = { roomId: data.roomId, candidate: data.candidate, from: client.id };
        send(other, 'ice-candidate-received', relayed);
      }
    }
  });

  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    for (const roomId of client.rooms) {
      const members = rooms.get(roomId);
      members?.delete(client);
      if (members?.size === 0) rooms.delete(roomId);
    }
  });
});

httpServer.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
