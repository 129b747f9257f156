import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { useCluster } from './helpers/cluster.js';
import {
  answerOf,
  connectPeerjs,
  cut,
  openPeerjs,
  peerjsId,
  type PeerjsSocket,
} from './helpers/peerjs.js';
import { until } from './helpers/wait.js';

describe('PeerJS dialect across two processes on Redis', () => {
  const { nodes } = useCluster(2, { env: { PEERJS_ALLOW_DISCOVERY: 'true' } });
  const sockets: PeerjsSocket[] = [];
  const on = async (node: number, id?: string, token?: string) => {
    const socket = await connectPeerjs(nodes[node]!.url, { id, token });
    sockets.push(socket);
    return socket;
  };
  /** Until `id` is in the cluster's list as process `node` sees it. */
  const listed = (node: number, id: string) =>
    until(`${id} is listed on process ${node}`, async () => {
      const ids = (await (
        await fetch(`${nodes[node]!.url}/peerjs/peerjs/peers`)
      ).json()) as string[];
      return ids.includes(id);
    });
  after(() => Promise.all(sockets.map((s) => s.close())));

  it('an id held on one process is taken on the other', async () => {
    const a = await on(0);
    await listed(1, a.id);
    const twin = await openPeerjs(nodes[1]!.url, { id: a.id, token: 'another' });
    assert.equal((await twin.messages.next('ID-TAKEN')).payload.msg, 'ID is taken');
    await twin.messages.next('close');
  });

  it('relays OFFER, ANSWER and CANDIDATE between processes, src set by the server', async () => {
    const a = await on(0);
    const b = await on(1);
    await listed(0, b.id);
    a.send({ type: 'OFFER', dst: b.id, src: 'forged', payload: { connectionId: 'dc_1', sdp: {} } });
    const offer = await b.messages.next('OFFER');
    assert.equal(offer.src, a.id);
    b.send({ type: 'ANSWER', dst: a.id, payload: { connectionId: 'dc_1', sdp: {} } });
    assert.equal((await a.messages.next('ANSWER')).src, b.id);
    b.send({ type: 'CANDIDATE', dst: a.id, payload: { connectionId: 'dc_1', candidate: {} } });
    assert.equal((await a.messages.next('CANDIDATE')).src, b.id);
  });

  it('a message for an id that connects on the other process reaches it', async () => {
    const a = await on(0);
    const later = peerjsId('later');
    a.send({ type: 'OFFER', dst: later, payload: { connectionId: 'dc_2', sdp: {} } });
    const b = await on(1, later);
    assert.equal((await b.messages.next('OFFER', 10_000)).src, a.id);
  });

  it('LEAVE reaches the other process when a peer goes', async () => {
    const a = await on(0);
    const b = await on(1);
    await listed(0, b.id);
    a.send({ type: 'OFFER', dst: b.id, payload: { connectionId: 'dc_3', sdp: {} } });
    await b.messages.next('OFFER');
    await a.close();
    assert.deepEqual(await b.messages.next('LEAVE'), { type: 'LEAVE', src: a.id, dst: b.id });
  });

  it('of two clients racing for one id on the two processes, exactly one gets OPEN', async () => {
    for (let round = 0; round < 20; round++) {
      const id = peerjsId('race');
      const pair = await Promise.all(
        [0, 1].map((node) => openPeerjs(nodes[node]!.url, { id, token: `racer-${node}` })),
      );
      sockets.push(...pair);
      const answers = await Promise.all(pair.map((socket) => answerOf(socket)));
      assert.equal(answers.filter((a) => a === 'OPEN').length, 1, `round ${round}: ${answers}`);
      // The holder leaves: the id is free again, on the loser's process too.
      const loser = answers.indexOf('ID-TAKEN');
      await pair[1 - loser]!.close();
      await until(`${id} is free on process ${loser}`, async () => {
        const again = await openPeerjs(nodes[loser]!.url, { id, token: 'next' });
        sockets.push(again);
        return (await answerOf(again)) === 'OPEN';
      });
    }
  });

  it('a client dropped on one process resumes on the other: what it missed, in order, no LEAVE', async () => {
    const a = await on(0, undefined, 'token-a');
    const b = await on(1);
    const c = await on(0);
    await listed(0, b.id);
    await listed(1, a.id);
    a.send({ type: 'OFFER', dst: b.id, payload: { connectionId: 'dc_4', sdp: {} } });
    await b.messages.next('OFFER');
    await cut(a);
    const candidate = (n: number) => ({ connectionId: 'dc_4', candidate: { candidate: `c${n}` } });
    for (let n = 1; n <= 3; n++) b.send({ type: 'CANDIDATE', dst: a.id, payload: candidate(n) });
    // Behind a load balancer, its `reconnect()` reaches the other process.
    const back = await openPeerjs(nodes[1]!.url, { id: a.id, token: 'token-a' });
    sockets.push(back);
    assert.equal(await answerOf(back), 'OPEN');
    for (let n = 1; n <= 3; n++) {
      const message = await back.messages.next('CANDIDATE', 10_000);
      assert.deepEqual(message, { type: 'CANDIDATE', src: b.id, dst: a.id, payload: candidate(n) });
    }
    // A LEAVE for the drop would have come from process 0 before C's message, sent after.
    c.send({ type: 'OFFER', dst: b.id, payload: { connectionId: 'dc_5', sdp: {} } });
    await b.messages.noneBefore(b.messages.next('OFFER'), ['LEAVE']);
    // Still one peer, now on process 1: both ways work, and its clean close is a leave.
    back.send({ type: 'ANSWER', dst: b.id, payload: { connectionId: 'dc_4', sdp: {} } });
    assert.equal((await b.messages.next('ANSWER')).src, a.id);
    b.send({ type: 'CANDIDATE', dst: a.id, payload: candidate(4) });
    assert.deepEqual((await back.messages.next('CANDIDATE')).payload, candidate(4));
    assert.equal(back.messages.drain('CANDIDATE').length, 0, 'each message once');
    await back.close();
    assert.deepEqual(await b.messages.next('LEAVE'), { type: 'LEAVE', src: a.id, dst: b.id });
  });

  it('another token is ID-TAKEN on the other process while a dropped peer waits', async () => {
    const a = await on(0, undefined, 'token-a');
    await listed(1, a.id);
    await cut(a);
    const other = await openPeerjs(nodes[1]!.url, { id: a.id, token: 'not-a' });
    sockets.push(other);
    assert.equal(await answerOf(other), 'ID-TAKEN');
  });
});
