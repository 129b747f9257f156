import { randomFillSync } from 'node:crypto';

/** Bytes drawn from the CSPRNG at a time: one call serves ~100 connections' ids and secrets. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `bytes` random bytes as base64url (or hex), for peer ids, secrets and guest ids. Each token takes fresh bytes from
 * a pool the CSPRNG refills 4 KB at a time (bytes are never handed out twice): two synchronous
 * `randomBytes` calls per connection were 5 % of the join path.
 */
export function randomToken(bytes: number, encoding: 'base64url' | 'hex' = 'base64url'): string {
  if (offset + bytes > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  const token = pool.toString(encoding, offset, offset + bytes);
  offset += bytes;
  return token;
}
