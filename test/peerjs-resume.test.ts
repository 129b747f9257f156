import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  answerOf,
  connectPeerjs,
  cut,
  openPeerjs,
  peerjsId,
  type PeerjsSocket,
} from './helpers/peerjs.js';
import { startServer, type TestServer } from './helpers/server.js';

const candidate = (n: number) => ({ connectionId: 'dc_1', candidate: { candidate: `c${n}` } });

/** A and B talking: A sent B an OFFER, so B is A's contact (it hears A's `LEAVE`). */
async function talking(url: string, sockets: PeerjsSocket[]) {
  const a = await connectPeerjs(url, { token: 'token-a' });
  const b = await connectPeerjs(url, { token: 'token-b' });
  sockets.push(a, b);
  a.send({ type: 'OFFER', dst: b.id, payload: { connectionId: 'dc_1', sdp: {} } });
  await b.messages.next('OFFER');
  return { a, b };
}

describe('PeerJS reconnect on one process (RESUME_WINDOW_MS)', () => {
  let server: TestServer;
  const sockets: PeerjsSocket[] = [];
  before(async () => {
    // Short, so a client that never comes back is let go within the test.
    server = await startServer({ resumeWindow: 3000 });
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await server.close();
  });

  it('a dropped client back with its id and token gets what it was sent meanwhile, in order', async () => {
    const { a, b } = await talking(server.url, sockets);
    await cut(a);
    for (let n = 1; n <= 3; n++) b.send({ type: 'CANDIDATE', dst: a.id, payload: candidate(n) });
    const back = await openPeerjs(server.url, { id: a.id, token: 'token-a' });
    sockets.push(back);
    assert.equal(await answerOf(back), 'OPEN');
    for (let n = 1; n <= 3; n++) {
      const message = await back.messages.next('CANDIDATE');
      assert.deepEqual(message, { type: 'CANDIDATE', src: b.id, dst: a.id, payload: candidate(n) });
    }
    // Still one peer: B reaches it, and it reaches B, with no LEAVE in between.
    back.send({ type: 'ANSWER', dst: b.id, payload: { connectionId: 'dc_1', sdp: {} } });
    await b.messages.noneBefore(b.messages.next('ANSWER'), ['LEAVE']);
    assert.equal(back.messages.drain('CANDIDATE').length, 0, 'each message once');
    // A clean close afterwards is a leave: B hears it.
    await back.close();
    assert.deepEqual(await b.messages.next('LEAVE'), { type: 'LEAVE', src: a.id, dst: b.id });
  });

  it('another token is ID-TAKEN while the dropped peer waits for its client', async () => {
    const { a } = await talking(server.url, sockets);
    await cut(a);
    const other = await openPeerjs(server.url, { id: a.id, token: 'not-a' });
    sockets.push(other);
    assert.equal(await answerOf(other), 'ID-TAKEN');
  });

  it('a client that never comes back: its contacts hear LEAVE after the window, the id is free', async () => {
    const { a, b } = await talking(server.url, sockets);
    await cut(a);
    assert.deepEqual(await b.messages.next('LEAVE', 15_000), {
      type: 'LEAVE',
      src: a.id,
      dst: b.id,
    });
    const again = await openPeerjs(server.url, { id: a.id, token: 'someone-else' });
    sockets.push(again);
    assert.equal(await answerOf(again), 'OPEN');
  });

  it('a clean close (disconnect, destroy) ends the peer at once: LEAVE, and the id is free', async () => {
    const { a, b } = await talking(server.url, sockets);
    await a.close();
    assert.deepEqual(await b.messages.next('LEAVE'), { type: 'LEAVE', src: a.id, dst: b.id });
    const again = await openPeerjs(server.url, { id: a.id, token: 'someone-else' });
    sockets.push(again);
    assert.equal(await answerOf(again), 'OPEN');
  });

  it('of clients racing for one id, exactly one gets OPEN', async () => {
    for (let round = 0; round < 10; round++) {
      const id = peerjsId('race');
      const racers = await Promise.all(
        [1, 2, 3].map((n) => openPeerjs(server.url, { id, token: `racer-${n}` })),
      );
      sockets.push(...racers);
      const answers = await Promise.all(racers.map((s) => answerOf(s)));
      assert.deepEqual(answers.filter((x) => x === 'OPEN').length, 1, answers.join());
    }
  });
});
