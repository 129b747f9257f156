import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine } from '../../engine/engine.js';
import { OVER_BUDGET_REASON } from '../../engine/peer.js';
import { SignalError } from '../../engine/signal-error.js';
import { RecordingSink } from '../../engine/test-kit.js';
import type { TransportSocket } from './connection.js';
import { TransportCore } from './transport-core.js';

/** The smallest adapter: events are recorded, `queued` plays the bytes the client has not read. */
function socketOf(sink: RecordingSink, queued = { bytes: 0 }) {
  const socket: TransportSocket & { terminated: boolean } = {
    transport: 'websocket',
    remoteAddress: '127.0.0.1',
    headers: { 'user-agent': 'test' },
    send: (event, data) => sink.emit(event, data),
    queuedBytes: () => queued.bytes,
    close: (reason) => sink.disconnect(reason),
    terminated: false,
    terminate: () => void (socket.terminated = true),
  };
  return socket;
}

const coreOf = (engine: Engine, mode: 'open' | 'user-id' = 'open') =>
  new TransportCore(engine, { auth: { mode }, maxBufferedBytes: 1024 });

describe('TransportCore: one lifecycle for every adapter', () => {
  it('handleConnection opens a peer that greets, relays and leaves by its socket', async () => {
    const engine = new Engine();
    const core = coreOf(engine);
    const [a, b] = [new RecordingSink(), new RecordingSink()];
    const first = await core.handleConnection(socketOf(a), { userId: 'ann' });
    const second = await core.handleConnection(socketOf(b), { userId: 'bob' });
    assert.ok(!(first instanceof SignalError) && !(second instanceof SignalError));
    assert.equal(a.all('welcome')[0].socketId, first.peer.id);
    assert.equal(first.peer.info.userAgent, 'test');
    assert.equal(engine.localCount, 2);
    await first.receive('join-room', { roomId: 'r' });
    await second.receive('join-room', { roomId: 'r' });
    await first.receive('offer', { roomId: 'r', sdp: { type: 'offer', sdp: 'v=0\r\n' } });
    assert.equal(b.all('offer-received')[0].from, first.peer.id, 'the server sets the sender');
    first.closed('client left', false);
    await b.next('peer-left');
    assert.equal(engine.localCount, 1);
  });

  it('counts and returns a refused handshake, opening nothing', async () => {
    const engine = new Engine();
    const refused = await coreOf(engine, 'user-id').handleConnection(
      socketOf(new RecordingSink()),
      {},
    );
    assert.ok(refused instanceof SignalError);
    assert.equal(refused.code, 'unauthorized');
    assert.equal(engine.counters.refusals.unauthorized, 1);
    assert.equal(engine.localCount, 0);
  });

  it('drops a client over its outbound budget: counted by transport, peer ended', async () => {
    const engine = new Engine();
    const queued = { bytes: 0 };
    const sink = new RecordingSink();
    const socket = socketOf(sink, queued);
    const opened = await coreOf(engine).handleConnection(socket, { userId: 'ann' });
    assert.ok(!(opened instanceof SignalError));
    const ended = new Promise<{ reason: string }>((resolve) =>
      engine.hooks.on('peer-disconnected', resolve),
    );
    queued.bytes = 4096;
    opened.sink.emit('broadcast', { hello: 1 });
    assert.equal(socket.terminated, true);
    assert.equal(sink.all('broadcast').length, 0, 'nothing is written past the budget');
    assert.equal((await ended).reason, OVER_BUDGET_REASON);
    assert.equal(engine.counters.overBudget.websocket, 1);
  });
});
