import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineKit } from '../engine/test-kit.js';
import { joinGuard, type JoinGuardOptions } from './join-guard.js';

const guarded = (options: Partial<JoinGuardOptions>) =>
  engineKit({ joinPolicy: joinGuard({ maxRoomsPerPeer: 0, maxJoinsPerMinute: 0, ...options }) });

const codes = (errors: Array<{ code: string }>) => errors.map((e) => e.code);

describe('join guard', () => {
  it('admits only the rooms and studies a token grants, prefixes included', async () => {
    const { connect } = guarded({});
    const a = connect('a', { access: { rooms: ['team-*', 'lobby'] } });
    await a.send('video:join-room', { roomId: 'team-1' });
    await a.send('join-room', { roomId: 'lobby' });
    await a.send('video:join-room', { roomId: 'other' });
    await a.send('presence:join-study', { studyId: 'secret' });
    assert.deepEqual(a.sink.names().slice(0, 2), ['video:room-state', 'joined']);
    assert.deepEqual(
      a.sink.all('error').map((e: { message: string }) => e.message),
      [
        'Your token does not grant the room "other"',
        'Your token does not grant the study "secret"',
      ],
    );
  });

  it('the others never hear of a refused join', async () => {
    const { connect } = guarded({});
    const insider = connect('in');
    const outsider = connect('out', { access: { rooms: [] } });
    await insider.send('video:join-room', { roomId: 'm' });
    await outsider.send('video:join-room', { roomId: 'm' });
    assert.deepEqual(codes(outsider.sink.all('error')), ['forbidden']);
    assert.deepEqual(insider.sink.names(), ['video:room-state']);
  });

  it('limits the rooms one connection is in at once', async () => {
    const { connect } = guarded({ maxRoomsPerPeer: 2 });
    const a = connect('a');
    for (const roomId of ['r1', 'r2', 'r3']) await a.send('video:join-room', { roomId });
    assert.deepEqual(codes(a.sink.all('error')), ['too-many-rooms']);
    await a.send('video:leave-room', { roomId: 'r1' });
    await a.send('video:join-room', { roomId: 'r3' });
    assert.equal(a.sink.all('video:room-state').length, 3);
  });

  it('limits join attempts per minute, refused ones counted too', async () => {
    const { connect } = guarded({ maxJoinsPerMinute: 3 });
    const a = connect('a', { access: { rooms: ['mine'] } });
    for (const roomId of ['probe-1', 'probe-2', 'probe-3', 'mine']) {
      await a.send('video:join-room', { roomId });
    }
    assert.deepEqual(codes(a.sink.all('error')), [
      'forbidden',
      'forbidden',
      'forbidden',
      'rate-limited',
    ]);
  });

  it('asks the app last, and only for a join the cheap checks let through', async () => {
    const asked: string[] = [];
    const { connect } = guarded({
      maxRoomsPerPeer: 1,
      appCheck: async (_peer, room) => {
        asked.push(room.id);
        if (room.id === 'closed') throw Object.assign(new Error('no'), { code: 'forbidden' });
      },
    });
    const a = connect('a', { access: { rooms: ['open', 'closed', 'second'] } });
    await a.send('video:join-room', { roomId: 'nope' });
    await a.send('video:join-room', { roomId: 'open' });
    await a.send('video:join-room', { roomId: 'second' });
    assert.deepEqual(asked, ['open']);
  });
});
