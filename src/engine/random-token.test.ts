import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomToken } from './random-token.js';

describe('randomToken', () => {
  it('hands out distinct base64url tokens of the asked length, across pool refills', () => {
    const seen = new Set<string>();
    // 24 bytes × 1,000 crosses the 4 KB pool several times.
    for (let i = 0; i < 1000; i++) {
      const token = randomToken(24);
      assert.match(token, /^[A-Za-z0-9_-]{32}$/);
      seen.add(token);
    }
    assert.equal(seen.size, 1000);
    assert.equal(Buffer.from(randomToken(12), 'base64url').length, 12);
  });
});
