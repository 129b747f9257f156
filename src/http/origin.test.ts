import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originRule, type OriginRequest } from './origin.js';

const from = (origin: string | undefined, host = 'localhost:4000', encrypted = false) =>
  ({ headers: { origin, host }, socket: { encrypted } }) as OriginRequest;

describe('originRule', () => {
  it('lets every origin through when ALLOWED_ORIGINS is unset', () => {
    assert.equal(originRule(undefined).allows(from('http://anything.example')), true);
  });

  it('accepts listed origins exactly and refuses null and look-alikes', () => {
    const rule = originRule(['http://good.example', 'HTTPS://App.Example:443/']);
    assert.equal(rule.allows(from('http://good.example')), true);
    assert.equal(rule.allows(from('https://app.example')), true);
    assert.equal(rule.allows(from(undefined)), true, 'no Origin: not a browser');
    for (const origin of [
      'null',
      'http://evil.example',
      'http://good.example.evil.example',
      'http://evil-good.example',
      'https://good.example',
      'http://good.example:8080',
      'http://good.example/',
      '',
    ]) {
      assert.equal(rule.allows(from(origin)), false, origin);
    }
  });

  it("always allows the server's own pages, by scheme, Host and port", () => {
    const rule = originRule(['https://app.example'], 'sinyal.test');
    for (const [origin, host, encrypted] of [
      ['http://localhost:4000', 'localhost:4000', false],
      ['http://127.0.0.1:4000', '127.0.0.1:4000', false],
      ['http://[::1]:4000', '[::1]:4000', false],
      ['https://localhost:4443', 'LOCALHOST:4443', true],
      ['http://sinyal.test', 'sinyal.test:80', false],
    ] as const) {
      assert.equal(rule.allows(from(origin, host, encrypted)), true, origin);
      assert.equal(rule.isOwn(from(origin, host, encrypted)), true, origin);
    }
    for (const [origin, host, encrypted] of [
      ['http://localhost:4001', 'localhost:4000', false],
      ['https://localhost:4000', 'localhost:4000', false],
      ['http://localhost:4000', 'localhost:4000', true],
      // DNS rebinding: the page's own name, pointed at this machine.
      ['http://evil.example:4000', 'evil.example:4000', false],
      ['http://localhost:4000', 'localhost:4000/x', false],
      ['http://localhost:4000', 'user@localhost:4000', false],
    ] as const) {
      assert.equal(rule.allows(from(origin, host, encrypted)), false, `${origin} ${host}`);
    }
  });

  it('knows its names: localhost, loopback, HOST and no other', () => {
    const rule = originRule(undefined, '0.0.0.0');
    for (const host of ['localhost', '127.0.0.1:4000', '127.8.0.1', '[::1]:4000']) {
      assert.equal(rule.hostIsOurs(from(undefined, host)), true, host);
    }
    for (const host of ['evil.example', '0.0.0.0', 'localhost.evil.example', '', 'a b']) {
      assert.equal(rule.hostIsOurs(from(undefined, host)), false, host);
    }
    assert.equal(
      originRule(undefined, 'sinyal.test').hostIsOurs(from(undefined, 'sinyal.test')),
      true,
    );
  });
});
