import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approxSize, OutboundLog } from './outbound-log.js';

const fill = (log: OutboundLog, n: number) => {
  for (let i = 0; i < n; i++) log.record('e', log.count + 1);
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

  it('carries its numbering to another process', () => {
    const log = new OutboundLog(4, 100);
    fill(log, 9);
    const copy = new OutboundLog(4, 100);
    copy.import(JSON.parse(JSON.stringify(log.export())));
    copy.record('e', 10);
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
    for (let i = 0; i < 3; i++) log.record('e', 'x'.repeat(3000));
    assert.equal(log.overflowed, false);
    log.record('e', 'x'.repeat(3000));
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
