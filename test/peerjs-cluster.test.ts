import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { useCluster } from './helpers/cluster.js';
import { connectPeerjs, openPeerjs, peerjsId, type PeerjsSocket } from './helpers/peerjs.js';
import { until } from './helpers/wait.js';

describe('PeerJS dialect across two processes on Redis', () => {
  const { nodes } = useCluster(2, { env: { PEERJS_ALLOW_DISCOVERY: 'true' } });
  const sockets: PeerjsSocket[] = [];
  const on = async (node: number, id?: string) => {
    const socket = await connectPeerjs(nodes[node]!.url, { id });
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
});
