import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineKit } from './test-kit.js';

const offer = { type: 'offer', sdp: 'v=0\r\n' };

describe('pair rooms', () => {
  it('admits two: the first is the caller, the second the callee', async () => {
    const { connect } = engineKit();
    const a = connect('a');
    const b = connect('b');
    await a.send('join-room', { roomId: 'p' });
    assert.deepEqual(a.sink.events, [['joined', { roomId: 'p', members: [a.peer.id] }]]);
    await b.send('join-room', { roomId: 'p' });
    const both = [a.peer.id, b.peer.id];
    assert.deepEqual(b.sink.events, [
      ['joined', { roomId: 'p', members: both }],
      [
        'ready',
        {
          roomId: 'p',
          initiatorId: a.peer.id,
          role: 'callee',
          partnerId: a.peer.id,
          members: both,
        },
      ],
    ]);
    assert.deepEqual(a.sink.all('ready'), [
      { roomId: 'p', initiatorId: a.peer.id, role: 'caller', partnerId: b.peer.id, members: both },
    ]);
  });

  it('refuses a third with room-full, and the two hear nothing of it', async () => {
    const { connect } = engineKit();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => connect(id));
    for (const p of [a!, b!, c!]) await p.send('join-room', { roomId: 'p' });
    assert.deepEqual(c!.sink.events, [
      ['room-full', { roomId: 'p', message: 'Room is full (2 max)' }],
    ]);
    assert.deepEqual(a!.sink.names(), ['joined', 'ready']);
    assert.deepEqual(b!.sink.names(), ['joined', 'ready']);
  });

  it('relays offer, answer and candidates to the partner only, from the server-set id', async () => {
    const { connect } = engineKit();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => connect(id));
    await a!.send('join-room', { roomId: 'p' });
    await b!.send('join-room', { roomId: 'p' });
    await c!.send('join-room', { roomId: 'other' });
    await a!.send('offer', { roomId: 'p', sdp: offer, from: 'forged' });
    await b!.send('answer', { roomId: 'p', sdp: { type: 'answer', sdp: 'v=0\r\n' } });
    await a!.send('ice-candidate', { roomId: 'p', candidate: { candidate: 'c1' } });
    assert.deepEqual(b!.sink.all('offer-received'), [
      { roomId: 'p', sdp: offer, from: a!.peer.id },
    ]);
    assert.equal(a!.sink.all('answer-received')[0].from, b!.peer.id);
    assert.equal(b!.sink.all('ice-candidate-received')[0].from, a!.peer.id);
    assert.deepEqual(c!.sink.names(), ['joined']);
  });

  it('refuses a signal into a room the sender is not in, or before a partner came', async () => {
    const { connect } = engineKit();
    const a = connect('a');
    const b = connect('b');
    await b.send('join-room', { roomId: 'p' });
    await a.send('offer', { roomId: 'p', sdp: offer });
    assert.equal(a.sink.all('error')[0].code, 'not-in-room');
    await b.send('offer', { roomId: 'p', sdp: offer });
    assert.equal(b.sink.all('error')[0].code, 'no-partner');
    assert.deepEqual(b.sink.all('offer-received'), []);
  });

  it('answers a repeated join of the same room with joined again, and no second ready', async () => {
    const { connect } = engineKit();
    const [a, b] = ['a', 'b'].map((id) => connect(id));
    await a!.send('join-room', { roomId: 'p' });
    await b!.send('join-room', { roomId: 'p' });
    await b!.send('join-room', { roomId: 'p' }); // React StrictMode sends it twice
    assert.equal(b!.sink.all('joined').length, 2);
    assert.deepEqual(b!.sink.all('error'), []);
    assert.equal(a!.sink.all('ready').length, 1);
  });

  it('tells the partner of a leave, and the one who stayed calls the next', async () => {
    const { connect } = engineKit();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => connect(id));
    await a!.send('join-room', { roomId: 'p' });
    await b!.send('join-room', { roomId: 'p' });
    await a!.send('leave-room', { roomId: 'p' });
    assert.deepEqual(b!.sink.all('peer-left'), [{ roomId: 'p', socketId: a!.peer.id }]);
    await c!.send('join-room', { roomId: 'p' });
    assert.equal(c!.sink.all('ready')[0].initiatorId, b!.peer.id);
    assert.equal(b!.sink.all('ready')[1].role, 'caller');
  });
});
