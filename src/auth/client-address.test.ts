import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTrustProxy, type TrustProxy } from '../config/trust-proxy.js';
import { clientAddress } from './client-address.js';

const trust = (text: string) => parseTrustProxy(text) as TrustProxy;

describe('clientAddress', () => {
  it('ignores X-Forwarded-For without TRUST_PROXY', () => {
    assert.equal(clientAddress('::ffff:10.0.0.2', '203.0.113.9', undefined), '10.0.0.2');
  });

  it('with a hop count, takes that many hops from the right', () => {
    assert.equal(clientAddress('10.0.0.2', '198.51.100.1, 203.0.113.9', trust('1')), '203.0.113.9');
    assert.equal(
      clientAddress('10.0.0.2', '198.51.100.1, 203.0.113.9', trust('2')),
      '198.51.100.1',
    );
    assert.equal(clientAddress('10.0.0.2', undefined, trust('1')), '10.0.0.2');
  });

  it('with a proxy list, skips trusted hops and stops at the first untrusted one', () => {
    const proxies = trust('10.0.0.0/8, 192.168.1.5');
    // A client-written first entry cannot win: the first untrusted hop from the right does.
    assert.equal(
      clientAddress('10.0.0.2', '1.2.3.4, 203.0.113.9, 192.168.1.5', proxies),
      '203.0.113.9',
    );
    // A socket peer that is not a trusted proxy is the client, whatever it forwards.
    assert.equal(clientAddress('198.51.100.7', '203.0.113.9', proxies), '198.51.100.7');
  });

  it('refuses malformed TRUST_PROXY values with a reason', () => {
    assert.match(parseTrustProxy('0') as string, /between 1 and 32/);
    assert.match(parseTrustProxy('10.0.0.0/99') as string, /prefix length/);
    assert.match(parseTrustProxy('proxy.example') as string, /not an address/);
  });
});
