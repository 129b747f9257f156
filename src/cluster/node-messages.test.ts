import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNodeMessage, readQueuedForward, readSentLog } from './node-messages.js';

describe('node messages from Redis', () => {
  it('takes well-formed messages with known event names', () => {
    const frame = { type: 'OFFER', src: 'a', dst: 'b' };
    for (const message of [
      { t: 'fwd', p: 'peer', e: 'video:offer', d: { from: 'x', offer: { type: 'offer' } } },
      { t: 'fwd', p: 'peer', e: 'peerjs:message', d: frame },
      { t: 'all', n: 'node-1', e: 'broadcast', d: 'anything' },
      { t: 'kick', p: 'peer', r: 'admin' },
      { t: 'park', p: 'peer', h: 'hash', n: 'node-2' },
      { t: 'parked', p: 'peer' },
    ]) {
      assert.equal(isNodeMessage(message), true, JSON.stringify(message));
    }
  });

  it('refuses unknown kinds, unknown event names and missing fields', () => {
    for (const message of [
      { t: 'fwd', p: 'peer', e: 'made-up', d: {} },
      { t: 'fwd', p: 'peer', e: 'constructor', d: {} },
      { t: 'fwd', p: 'peer', e: 7, d: {} },
      { t: 'fwd', e: 'welcome', d: {} },
      // Internal events are for one peer's transport, never broadcast to every client.
      { t: 'all', n: 'node-1', e: 'peerjs:message', d: {} },
      { t: 'all', e: 'broadcast', d: {} },
      { t: 'kick', p: 'peer' },
      { t: 'park', p: 'peer', h: 'hash' },
      { t: 'parked' },
      { t: 'other', p: 'peer' },
      {},
    ]) {
      assert.equal(isNodeMessage(message), false, JSON.stringify(message));
    }
  });

  it('reads a queued forward as its event, and nothing else', () => {
    const fwd = { t: 'fwd', p: 'peer', e: 'kicked', d: { reason: 'r' } };
    assert.deepEqual(readQueuedForward(JSON.stringify(fwd)), ['kicked', { reason: 'r' }]);
    assert.equal(readQueuedForward(JSON.stringify({ ...fwd, e: 'made-up' })), undefined);
    assert.equal(readQueuedForward(JSON.stringify({ t: 'kick', p: 'peer', r: 'r' })), undefined);
    assert.equal(readQueuedForward('[1]'), undefined);
  });

  it('reads an exported resume log, refusing one with an unknown event', () => {
    const log = {
      first: 3,
      count: 5,
      kept: [
        ['welcome', { socketId: 'p' }],
        ['broadcast', 1],
      ],
    };
    assert.deepEqual(readSentLog(JSON.parse(JSON.stringify(log))), log);
    assert.equal(readSentLog({ ...log, kept: [['made-up', 1]] }), undefined);
    assert.equal(readSentLog({ ...log, kept: ['welcome'] }), undefined);
    assert.equal(readSentLog({ ...log, count: '5' }), undefined);
    assert.equal(readSentLog(null), undefined);
  });
});
