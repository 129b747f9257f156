import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originCheck } from './origin.js';

describe('originCheck', () => {
  it('lets every origin through when ALLOWED_ORIGINS is unset', () => {
    assert.equal(originCheck(undefined)('http://anything.example'), true);
  });

  it('accepts listed origins exactly and refuses null and look-alikes', () => {
    const allowed = originCheck(['http://good.example', 'HTTPS://App.Example:443/']);
    assert.equal(allowed('http://good.example'), true);
    assert.equal(allowed('https://app.example'), true);
    assert.equal(allowed(undefined), true, 'no Origin: not a browser');
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
      assert.equal(allowed(origin), false, origin);
    }
  });
});
