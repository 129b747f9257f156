import { timingSafeEqual } from 'node:crypto';

/**
 * Whether a credential a client gave equals the expected one, in time that does not depend on
 * where they differ (a plain `===` leaks the matching prefix's length to a patient caller).
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
