import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SinyalOptions } from '../src/server.js';
import { connect, connectWebSocket, type TestPeer, type Transport } from './helpers/clients.js';
import { selectedModes } from './helpers/modes.js';
import { startServer, type TestServer } from './helpers/server.js';
import { request } from './helpers/sse.js';

const big = (n: number) => 'a'.repeat(n);

for (const mode of selectedModes())
  for (const transport of ['socket.io', 'websocket'] as Transport[]) {
    describe(`bad input over ${transport} (${mode.name})`, () => {
      let options: SinyalOptions;
      let srv: TestServer;
      let sender: TestPeer;
      let partner: TestPeer;
      let bystander: TestPeer;

      before(async () => {
        options = { ...mode.options(), maxSdpLength: 1000, maxCandidateLength: 200 };
        srv = await startServer(options);
        sender = await connect(transport, srv.url, await mode.credentials('sender'));
        partner = await connect(transport, srv.url, await mode.credentials('partner'));
        bystander = await connect(transport, srv.url, await mode.credentials('bystander'));
        for (const p of [sender, partner]) {
          p.emit('join-room', { roomId: 'pair' });
          await p.next('joined');
          p.emit('video:join-room', { roomId: 'mesh' });
          await p.next('video:room-state');
        }
        await sender.next('ready');
        await partner.next('ready');
        await sender.next('video:user-joined');
      });
      after(async () => {
        for (const p of [sender, partner, bystander]) await p.close();
        await srv.close();
        await mode.cleanup(options);
      });

      const cases: Array<[string, string, unknown, string]> = [
        ['unknown event', 'steal-secrets', { roomId: 'pair' }, 'unknown-event'],
        ['event named toString', 'toString', { roomId: 'pair' }, 'unknown-event'],
        ['event named constructor', 'constructor', { roomId: 'pair' }, 'unknown-event'],
        ['event named hasOwnProperty', 'hasOwnProperty', { roomId: 'pair' }, 'unknown-event'],
        ['NUL in a room id', 'join-room', { roomId: 'a\u0000b' }, 'invalid-payload'],
        ['newline in a mesh room id', 'video:join-room', { roomId: 'a\nb' }, 'invalid-payload'],
        [
          'control character in a peer id',
          'video:ice-candidate',
          { to: 'x\u0007', candidate: { candidate: 'candidate:1' } },
          'invalid-payload',
        ],
        ['missing field', 'offer', { sdp: { type: 'offer', sdp: 'v=0' } }, 'invalid-payload'],
        ['wrong type', 'join-room', { roomId: { nested: true } }, 'invalid-payload'],
        ['empty room id', 'join-room', { roomId: '   ' }, 'invalid-payload'],
        ['string payload', 'video:offer', 'not an object', 'invalid-payload'],
        ['array payload', 'video:join-room', ['mesh'], 'invalid-payload'],
        ['no payload', 'leave-room', undefined, 'invalid-payload'],
        [
          'bad SDP type',
          'offer',
          { roomId: 'pair', sdp: { type: 'hack', sdp: 'v=0' } },
          'invalid-payload',
        ],
        [
          'oversized SDP',
          'offer',
          { roomId: 'pair', sdp: { type: 'offer', sdp: big(1001) } },
          'payload-too-large',
        ],
        [
          'oversized candidate',
          'ice-candidate',
          { roomId: 'pair', candidate: { candidate: big(201) } },
          'payload-too-large',
        ],
        ['oversized room id', 'join-room', { roomId: big(129) }, 'payload-too-large'],
        [
          '__proto__ key',
          'offer',
          JSON.parse('{"roomId":"pair","__proto__":{"x":1}}'),
          'forbidden-key',
        ],
        [
          'nested constructor key',
          'video:offer',
          JSON.parse('{"to":"x","offer":{"type":"offer","constructor":{"prototype":1}}}'),
          'forbidden-key',
        ],
        [
          'relay to an unknown peer',
          'video:offer',
          { to: 'nobody', offer: { type: 'offer' } },
          'unknown-peer',
        ],
        ['mesh join twice', 'video:join-room', { roomId: 'mesh' }, 'already-joined'],
        ['leave without join', 'leave-room', { roomId: 'elsewhere' }, 'not-in-room'],
        ['mesh leave without join', 'video:leave-room', { roomId: 'elsewhere' }, 'not-in-room'],
        [
          'relay in a room not joined',
          'offer',
          { roomId: 'elsewhere', sdp: { type: 'offer' } },
          'not-in-room',
        ],
        [
          'toggle in a room not joined',
          'video:toggle-audio',
          { roomId: 'x', isMuted: true },
          'not-in-room',
        ],
        [
          'chat in a room not joined',
          'chat:video-message',
          { roomId: 'x', message: 'hi' },
          'not-in-room',
        ],
        ['empty chat', 'chat:video-message', { roomId: 'mesh', message: ' ' }, 'invalid-payload'],
      ];

      for (const [name, event, payload, code] of cases) {
        it(`${name}: error "${code}" to the sender only`, async () => {
          sender.emit(event, payload);
          const error = await sender.next('error');
          assert.equal(error.code, code);
          assert.equal(typeof error.message, 'string');
          assert.ok(error.message.length > 0);
        });
      }

      it('answers a relay to an online peer outside your rooms as to an unknown one', async () => {
        sender.emit('video:offer', { to: bystander.id, offer: { type: 'offer', sdp: 'v=0' } });
        const online = await sender.next('error');
        sender.emit('video:offer', { to: 'nobody-at-all', offer: { type: 'offer', sdp: 'v=0' } });
        const offline = await sender.next('error');
        assert.equal(online.code, 'unknown-peer');
        assert.equal(offline.code, 'unknown-peer');
        assert.equal(
          online.message.replace(bystander.id, 'X'),
          offline.message.replace('nobody-at-all', 'X'),
        );
        sender.emit('video:offer', { to: sender.id, offer: { type: 'offer', sdp: 'v=0' } });
        assert.equal((await sender.next('error')).code, 'not-allowed');
      });

      it('never showed any of it to another peer, and the connection still works', async () => {
        const relayed = [
          'offer-received',
          'video:offer',
          'ice-candidate-received',
          'error',
          'joined',
        ];
        // Markers handled after everything sender sent: an answer to the partner, and the
        // bystander's own join of a room of its own (answered only to it).
        sender.emit('answer', { roomId: 'pair', sdp: { type: 'answer', sdp: 'v=0' } });
        await partner.events.noneBefore(partner.next('answer-received'), relayed);
        bystander.emit('video:join-room', { roomId: 'bystander-marker' });
        await bystander.events.noneBefore(bystander.next('video:room-state'), relayed);
        sender.emit('offer', { roomId: 'pair', sdp: { type: 'offer', sdp: 'v=0' } });
        assert.equal((await partner.next('offer-received')).from, sender.id);
        const health = await request(srv.url, 'GET', '/health');
        assert.equal(health.body.status, 'ok');
      });
    });
  }

describe('bad frames on /ws', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ maxPayloadBytes: 4096 });
  });
  after(() => srv.close());

  it('answers non-JSON, binary and shapeless frames with an error and stays open', async () => {
    const peer = await connectWebSocket(srv.url);
    for (const frame of ['not json', '{"data":{}}', '42', 'null', Buffer.from([1, 2, 3])]) {
      peer.sendRaw(frame);
      assert.equal((await peer.next('error')).code, 'invalid-payload');
    }
    peer.emit('join-room', { roomId: 'still-here' });
    assert.deepEqual((await peer.next('joined')).members, [peer.id]);
    await peer.close();
  });

  it('closes a connection whose frame exceeds MAX_PAYLOAD_BYTES (1009) and keeps serving others', async () => {
    const peer = await connectWebSocket(srv.url);
    peer.emit('join-room', { roomId: big(5000) });
    assert.equal((await peer.next('close')).code, 1009);
    const other = await connectWebSocket(srv.url);
    other.emit('join-room', { roomId: 'fine' });
    await other.next('joined');
    await other.close();
  });
});

describe('rate limit', () => {
  it('refuses messages beyond MAX_MESSAGES_PER_SECOND with one error per second', async () => {
    const srv = await startServer({ maxMessagesPerSecond: 10 });
    const peer = await connectWebSocket(srv.url);
    peer.emit('join-room', { roomId: 'r' });
    await peer.next('joined');
    for (let i = 0; i < 40; i++) peer.emit('leave-room', { roomId: 'none' });
    // The pong comes after the server handled the 40 frames and wrote what they caused.
    await new Promise((pong) => peer.ws.once('pong', pong).ping());
    const errors = peer.events.drain('error').map((e) => e.data.code);
    assert.equal(errors.filter((c) => c === 'rate-limited').length, 1);
    // 20 tokens of burst (one went to join-room) answered as not-in-room; the rest dropped.
    assert.equal(errors.filter((c) => c === 'not-in-room').length, 19);
    await peer.close();
    await srv.close();
  });
});
