import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutboundLog } from './outbound-log.js';

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
});
