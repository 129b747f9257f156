import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFastParsers } from './fast-parse.js';
import { createInboundSchemas } from './inbound.js';
import { defaultLimits } from './limits.js';

const schemas = createInboundSchemas(defaultLimits);
const fast = createFastParsers(defaultLimits);

const line = 'candidate:1 1 udp 2122260223 10.0.0.1 54321 typ host';
const candidates: unknown[] = [
  { candidate: line, sdpMid: '0', sdpMLineIndex: 0 },
  { candidate: line, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd', extra: 'dropped' },
  { usernameFragment: null, sdpMLineIndex: null, sdpMid: null, candidate: '' },
  {},
  { candidate: 'x'.repeat(defaultLimits.maxCandidateLength) },
  { candidate: 'x'.repeat(defaultLimits.maxCandidateLength + 1) },
  { sdpMid: 'm'.repeat(64) },
  { sdpMid: 'm'.repeat(65) },
  { sdpMLineIndex: 1024 },
  { sdpMLineIndex: 1025 },
  { sdpMLineIndex: -1 },
  { sdpMLineIndex: 0.5 },
  { sdpMLineIndex: '0' },
  { usernameFragment: 'u'.repeat(256) },
  { usernameFragment: 'u'.repeat(257) },
  { candidate: 42 },
  { sdpMid: 0 },
  null,
  [],
  'candidate:1',
  undefined,
];
const ids: unknown[] = [
  'room-1',
  '  padded  ',
  '',
  '   ',
  'r'.repeat(defaultLimits.maxIdLength),
  'r'.repeat(defaultLimits.maxIdLength + 1),
  ` ${'r'.repeat(defaultLimits.maxIdLength)} `,
  7,
  null,
  undefined,
  {},
];

/** Every combination of the id and candidate cases above, under the event's id field. */
function payloads(idField: string): object[] {
  return ids.flatMap((id) =>
    candidates.map((candidate) => ({ [idField]: id, candidate, unknownField: true })),
  );
}

for (const [event, idField] of [
  ['ice-candidate', 'roomId'],
  ['video:ice-candidate', 'to'],
] as const) {
  describe(`fast parser of ${event}`, () => {
    it('accepts nothing its zod schema refuses, and outputs exactly what zod outputs', () => {
      let accepted = 0;
      for (const payload of payloads(idField)) {
        const quick = fast[event]!(payload);
        const parsed = schemas[event].safeParse(payload);
        if (quick === undefined) continue;
        accepted++;
        assert.ok(
          parsed.success,
          `fast path accepted what zod refuses: ${JSON.stringify(payload)}`,
        );
        // Same fields, same values and the same key order on the wire.
        assert.equal(JSON.stringify(quick), JSON.stringify(parsed.data));
        assert.deepEqual(quick, parsed.data);
      }
      assert.ok(accepted > 20, `the fast path should take the common cases (took ${accepted})`);
    });

    it('takes every ordinary candidate zod accepts (string ids)', () => {
      for (const payload of payloads(idField)) {
        const id = (payload as Record<string, unknown>)[idField];
        if (typeof id !== 'string' || !schemas[event].safeParse(payload).success) continue;
        assert.notEqual(fast[event]!(payload), undefined, JSON.stringify(payload));
      }
    });
  });
}
