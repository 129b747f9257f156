import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignalError } from './signal-error.js';
import { engineKit, RecordingSink } from './test-kit.js';

const candidate = (n: number) => ({ candidate: `c${n}` });

/** a and b in one mesh room; a's connection then drops (a network failure, not a leave). */
async function dropped(resumeWindowMs = 30_000) {
  const kit = engineKit({ resumeWindowMs });
  const a = kit.connect('a');
  const b = kit.connect('b');
  await a.send('video:join-room', { roomId: 'm' });
  await b.send('video:join-room', { roomId: 'm' });
  kit.engine.transportClosed(a.peer, a.sink, 'transport close', true);
  return { ...kit, a, b };
}

describe('the resume log', () => {
  it('keeps a dropped peer in its rooms, silently, and replays what it missed in order', async () => {
    const { engine, a, b } = await dropped();
    for (let n = 1; n <= 3; n++)
      await b.send('video:ice-candidate', { to: a.peer.id, candidate: candidate(n) });
    assert.deepEqual(b.sink.all('video:user-left'), []);
    const found = await engine.findResumable(a.peer.resumeToken, 'a');
    assert.equal(found, a.peer);
    const fresh = new RecordingSink();
    const missed = engine.resume(a.peer, fresh, undefined);
    assert.deepEqual(
      (missed as Array<[string, { candidate: unknown }]>).map(([e, d]) => [e, d.candidate]),
      [1, 2, 3].map((n) => ['video:ice-candidate', candidate(n)]),
    );
    // Attached again: the next relay goes to the new connection.
    await b.send('video:offer', { to: a.peer.id, offer: { type: 'offer', sdp: 'v=0\r\n' } });
    assert.deepEqual(fresh.names(), ['video:offer']);
  });

  it('replays from the count the client says it received', async () => {
    const { engine, a, b } = await dropped();
    const before = a.sink.events.length; // what the old connection had written
    await b.send('video:ice-candidate', { to: a.peer.id, candidate: candidate(1) });
    const missed = engine.resume(a.peer, new RecordingSink(), before - 1) as unknown[];
    assert.equal(missed.length, 2); // the last event before the drop, then the candidate
  });

  it('announces the peer as left once its window passes without a resume', async () => {
    const { engine, a, b } = await dropped(50);
    const left = await b.sink.next('video:user-left');
    assert.deepEqual(left, { roomId: 'm', socketId: a.peer.id, userId: 'a' });
    const late = await engine.findResumable(a.peer.resumeToken, 'a');
    assert.ok(late instanceof SignalError);
    assert.equal(late.code, 'resume-failed');
    assert.match(late.message, /not back within 50 ms/);
  });

  it('ends at once a peer whose client closed on purpose', async () => {
    const { engine, connect } = engineKit();
    const a = connect('a');
    const b = connect('b');
    await a.send('video:join-room', { roomId: 'm' });
    await b.send('video:join-room', { roomId: 'm' });
    engine.transportClosed(a.peer, a.sink, 'client namespace disconnect', false);
    assert.equal((await b.sink.next('video:user-left')).socketId, a.peer.id);
    assert.ok((await engine.findResumable(a.peer.resumeToken, 'a')) instanceof SignalError);
  });

  it('refuses a wrong secret, another user’s resume, and a kicked session', async () => {
    const { engine, a } = await dropped();
    const [id] = a.peer.resumeToken!.split('.');
    const wrong = await engine.findResumable(`${id}.${'x'.repeat(32)}`, 'a');
    assert.equal((wrong as SignalError).code, 'resume-failed');
    const other = await engine.findResumable(a.peer.resumeToken, 'mallory');
    assert.match((other as SignalError).message, /belongs to another user/);
    assert.equal(await engine.kick(a.peer.id, 'spam'), true);
    const kicked = await engine.findResumable(a.peer.resumeToken, 'a');
    assert.equal((kicked as SignalError).code, 'kicked');
  });
});
