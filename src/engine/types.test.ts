import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handlers } from './handlers.js';
import { engineKit } from './test-kit.js';
import { parseRoomKey, roomKey, type RoomKind } from '../protocol/types.js';

/** Every inbound event that names a room, by the kind of room it acts on. */
const eventsByKind: Record<RoomKind, string[]> = {
  pair: ['join-room', 'leave-room', 'offer', 'answer', 'ice-candidate'],
  mesh: [
    'video:join-room',
    'video:leave-room',
    'video:toggle-audio',
    'video:toggle-video',
    'video:screen-share-start',
    'video:screen-share-stop',
    'chat:video-message',
  ],
  presence: ['presence:join-study', 'presence:leave-study'],
};

describe('room kinds', () => {
  it('keys each kind apart, and reads a key back', () => {
    for (const kind of ['pair', 'mesh', 'presence'] as const) {
      const room = { kind, id: 'a:b' }; // a colon in the id survives
      assert.equal(roomKey(room), `${kind}:a:b`);
      assert.deepEqual(parseRoomKey(roomKey(room)), room);
    }
    for (const bad of ['lobby:x', ':x', 'x', '']) assert.equal(parseRoomKey(bad), undefined);
  });

  it('the same id in two kinds is two rooms', async () => {
    const { connect } = engineKit();
    const a = connect('a');
    const b = connect('b');
    await a.send('join-room', { roomId: 'same' });
    await b.send('video:join-room', { roomId: 'same' });
    assert.deepEqual(a.sink.names(), ['joined']);
    assert.deepEqual(b.sink.all('video:room-state')[0].participants, []);
  });

  it('has a handler for every event of every kind, and for the mesh relays', () => {
    const relays = ['video:offer', 'video:answer', 'video:ice-candidate'];
    const expected = [...Object.values(eventsByKind).flat(), ...relays].sort();
    assert.deepEqual(Object.keys(handlers).sort(), expected);
  });
});
