import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineKit } from './test-kit.js';

describe('presence', () => {
  it('tells a study a user is online once, however many connections it has', async () => {
    const { connect } = engineKit();
    const watcher = connect('w');
    const phone = connect('ada');
    const laptop = connect('ada');
    await watcher.send('presence:join-study', { studyId: 's' });
    await phone.send('presence:join-study', { studyId: 's' });
    await laptop.send('presence:join-study', { studyId: 's' });
    assert.deepEqual(watcher.sink.all('presence:user-online'), [
      { studyId: 's', userId: 'ada', user: { id: 'ada', name: 'ada', avatar: null } },
    ]);
  });

  it('says offline only when the user’s last connection leaves', async () => {
    const { engine, connect } = engineKit();
    const watcher = connect('w');
    const phone = connect('ada');
    const laptop = connect('ada');
    for (const p of [watcher, phone, laptop]) await p.send('presence:join-study', { studyId: 's' });
    await phone.send('presence:leave-study', { studyId: 's' });
    assert.deepEqual(watcher.sink.all('presence:user-offline'), []);
    await engine.disconnect(laptop.peer);
    assert.deepEqual(watcher.sink.all('presence:user-offline'), [{ studyId: 's', userId: 'ada' }]);
  });

  it('has no capacity, and a leave from outside the study is refused', async () => {
    const { connect } = engineKit();
    const peers = Array.from({ length: 12 }, (_, i) => connect(`u${i}`));
    for (const p of peers) await p.send('presence:join-study', { studyId: 's' });
    assert.equal(peers[0]!.sink.all('presence:user-online').length, 11);
    const outsider = connect('x');
    await outsider.send('presence:leave-study', { studyId: 's' });
    assert.equal(outsider.sink.all('error')[0].code, 'not-in-room');
  });
});
