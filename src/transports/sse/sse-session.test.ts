import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection } from '../core/connection.js';
import { parseEventId, SseSession } from './sse-session.js';

const peer = { peer: { id: 'peer-1', info: { id: 'peer-1' } } } as unknown as Connection;

describe('SseSession: what a Last-Event-ID can resume', () => {
  it('resumes only from an id whose successors are all still kept, with its own key', () => {
    const session = new SseSession(peer, { keepFor: 60_000, maxKept: 3, maxUnsent: 1e6 });
    for (let i = 1; i <= 5; i++) session.emit('video:offer', { n: i });
    const { id, key, seq } = parseEventId(session.eventId(4))!;
    assert.deepEqual([id, seq], [session.id, 4]);
    assert.equal(session.resumableFrom(key, 2), true, 'events 3..5 are kept');
    assert.equal(session.resumableFrom(key, 5), true, 'nothing missed');
    assert.equal(session.resumableFrom(key, 1), false, 'event 2 was dropped');
    assert.equal(session.resumableFrom(key, 6), false, 'from the future');
    const other = new SseSession(peer, { keepFor: 60_000, maxKept: 3, maxUnsent: 1e6 });
    const foreign = parseEventId(other.eventId(1))!.key;
    assert.equal(session.ownsKey(foreign), false);
    assert.equal(session.resumableFrom(foreign, 4), false);
  });

  it('drops kept events older than keepFor', async () => {
    const session = new SseSession(peer, { keepFor: 30, maxKept: 100, maxUnsent: 1e6 });
    session.emit('a', {});
    const { key } = parseEventId(session.eventId(1))!;
    assert.equal(session.resumableFrom(key, 0), true);
    await new Promise((r) => setTimeout(r, 60));
    session.emit('b', {});
    assert.equal(session.resumableFrom(key, 0), false, 'event 1 aged out');
    assert.equal(session.resumableFrom(key, 1), true);
  });

  it('rejects malformed ids', () => {
    for (const bad of [
      '',
      '5',
      'a:b:c',
      'peer:short:1',
      `p:${'k'.repeat(16)}:-1`,
      `p:${'k'.repeat(16)}:1x`,
    ]) {
      assert.equal(parseEventId(bad), undefined, bad);
    }
  });
});
