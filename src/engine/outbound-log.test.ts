import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approxSize, OutboundLog } from './outbound-log.js';

const fill = (log: OutboundLog, n: number) => {
  for (let i = 0; i < n; i++) log.record('broadcast', log.count + 1);
};
const numbers = (log: OutboundLog, received: number) => log.since(received)?.map(([, d]) => d);

describe('OutboundLog', () => {
  it('keeps only the tail while connected', () => {
    const log = new OutboundLog(4, 100);
    fill(log, 11);
    assert.deepEqual(numbers(log, 9), [10, 11]);
    assert.deepEqual(numbers(log, 11), []);
    assert.equal(log.since(2), undefined, 'trimmed away');
    assert.equal(log.since(12), undefined, 'more than was sent');
  });

  it('keeps everything while detached, up to its bound', () => {
    const log = new OutboundLog(4, 10);
    fill(log, 6);
    log.detach();
    fill(log, 8);
    assert.deepEqual(numbers(log, 5), [6, 7, 8, 9, 10, 11, 12, 13, 14]);
    fill(log, 20);
    assert.equal(log.overflowed, true);
    assert.equal(log.since(30), undefined, 'an overflowed log resumes nothing');
  });

  it('forgets, once connected events are older than its age bound, what a live connection got', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 }); // the clock moves only when told
    const log = new OutboundLog(64, 100, 1024 * 1024, 85_000);
    fill(log, 5);
    t.mock.timers.tick(85_000);
    fill(log, 1);
    assert.deepEqual(numbers(log, 0), [1, 2, 3, 4, 5, 6], 'not older than the bound yet');
    t.mock.timers.tick(1);
    fill(log, 1);
    assert.equal(log.since(4), undefined, 'the first five are forgotten');
    assert.deepEqual(numbers(log, 5), [6, 7]);
    assert.equal(log.kept, 2);
  });

  it('lets go, once a pong confirmed them, of the events sent before its ping', () => {
    const log = new OutboundLog(64, 100);
    fill(log, 5);
    log.confirm(3);
    assert.deepEqual(numbers(log, 3), [4, 5]);
    assert.equal(log.since(2), undefined, 'what the client read is not replayed');
    log.confirm(99);
    assert.equal(log.kept, 0);
    assert.deepEqual(numbers(log, 5), [], 'an exact resume still works');
    fill(log, 2);
    assert.deepEqual(numbers(log, 5), [6, 7], 'later events are kept');
  });

  it('keeps everything a detached peer missed whatever a late pong says', () => {
    const log = new OutboundLog(64, 100);
    fill(log, 3);
    log.detach();
    fill(log, 2);
    log.confirm(5);
    assert.deepEqual(numbers(log, 0), [1, 2, 3, 4, 5]);
  });

  it('keeps what a detached peer missed, however old, and drops the older rest at detach', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const log = new OutboundLog(64, 100, 1024 * 1024, 85_000);
    fill(log, 3);
    t.mock.timers.tick(100_000);
    fill(log, 1);
    log.detach();
    fill(log, 2);
    t.mock.timers.tick(100_000);
    fill(log, 1);
    assert.deepEqual(numbers(log, 3), [4, 5, 6, 7]);
    assert.equal(log.since(2), undefined);
    log.attach();
    assert.deepEqual(numbers(log, 6), [7], 'connected again: older than the bound goes');
  });

  it('hands over exactly what it keeps, newest last, across detaches and attaches', () => {
    const log = new OutboundLog(8, 1000, 2000);
    for (let n = 1; n <= 500; n++) {
      log.record('broadcast', 'x'.repeat(n % 97));
      if (n % 50 === 0) log.detach();
      if (n % 50 === 10) log.attach();
      const kept = numbers(log, log.count - log.kept);
      assert.ok(kept);
      assert.equal(kept.length, log.kept);
      assert.equal(kept.at(-1), 'x'.repeat(n % 97));
      assert.equal(log.since(log.count - log.kept - 1), undefined, 'nothing older is claimed');
      assert.ok(log.kept >= Math.min(n, 8), 'at least the tail is kept');
    }
    assert.equal(log.overflowed, false);
  });

  it('carries its numbering to another process', () => {
    const log = new OutboundLog(4, 100);
    fill(log, 9);
    const copy = new OutboundLog(4, 100);
    copy.import(JSON.parse(JSON.stringify(log.export())));
    copy.record('broadcast', 10);
    assert.deepEqual(numbers(copy, 8), [9, 10]);
  });

  it('holds at most its byte bound while connected, however large the events', () => {
    const log = new OutboundLog(64, 2048, 10_000);
    const sdp = 'x'.repeat(3000);
    for (let i = 0; i < 200; i++) {
      log.record('offer-received', { roomId: 'r', sdp: { type: 'offer', sdp }, from: 'a' });
      assert.ok(log.keptBytes <= 10_000, `${log.keptBytes} bytes kept`);
    }
    assert.ok(log.since(199), 'the newest events are kept');
    assert.equal(log.since(150), undefined, 'older ones are trimmed by bytes, not by count');
  });

  it('overflows a detached peer past its byte bound', () => {
    const log = new OutboundLog(64, 2048, 10_000);
    log.detach();
    for (let i = 0; i < 3; i++) log.record('broadcast', 'x'.repeat(3000));
    assert.equal(log.overflowed, false);
    log.record('broadcast', 'x'.repeat(3000));
    assert.equal(log.overflowed, true);
  });

  it('estimates the JSON size of signaling payloads closely', () => {
    const offer = {
      roomId: 'room-1',
      sdp: { type: 'offer', sdp: 'a=fmtp:111 minptime=10;useinbandfec=1\r\n'.repeat(100) },
      from: 'peer-abc',
    };
    const candidate = {
      from: 'p',
      candidate: { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host', sdpMid: '0' },
    };
    for (const data of [offer, candidate, { message: 'hi', at: 1 }, [1, 'a', null]]) {
      const real = JSON.stringify(data).length;
      const estimate = approxSize(data);
      assert.ok(Math.abs(estimate - real) <= real * 0.1 + 16, `${estimate} vs ${real}`);
    }
  });
});
