import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grantAllows, readClaims } from './claims.js';

describe('grantAllows', () => {
  it('matches exact names and trailing-* prefixes; no claim allows any room', () => {
    assert.equal(grantAllows(['team-*'], 'team-a'), true);
    assert.equal(grantAllows(['team-*'], 'other'), false);
    assert.equal(grantAllows(['study-42'], 'study-42'), true);
    assert.equal(grantAllows(['study-42'], 'study-420'), false);
    assert.equal(grantAllows([], 'anything'), false);
    assert.equal(grantAllows(undefined, 'anything'), true);
    assert.equal(grantAllows(['*'], 'anything'), true);
  });
});

describe('readClaims', () => {
  it('reads sub, name, avatar (or picture), rooms, admin and exp', () => {
    const { user, access } = readClaims({
      sub: 'ada',
      name: 'Ada',
      picture: 'https://example.test/a.png',
      rooms: ['team-*'],
      admin: true,
      exp: 2_000_000_000,
    });
    assert.deepEqual(user, { id: 'ada', name: 'Ada', avatar: 'https://example.test/a.png' });
    assert.deepEqual(access, { admin: true, rooms: ['team-*'], expiresAt: 2_000_000_000_000 });
  });

  it('admin only when exactly true; refuses a missing sub and a malformed rooms claim', () => {
    assert.equal(readClaims({ sub: 'x', admin: 'true' }).access.admin, false);
    assert.throws(() => readClaims({}), /no subject/);
    assert.throws(() => readClaims({ sub: 'x', rooms: [1] }), /rooms must be an array/);
  });
});
