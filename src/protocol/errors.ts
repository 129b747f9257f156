/** Machine-readable reasons sent to clients in `error { message, code }`. */
export type ErrorCode =
  | 'invalid-payload'
  | 'unknown-event'
  | 'payload-too-large'
  | 'forbidden-key'
  | 'not-in-room'
  | 'unknown-peer'
  | 'not-allowed'
  | 'already-joined'
  | 'no-partner'
  | 'rate-limited'
  | 'server-busy'
  | 'unauthorized'
  | 'auth-unavailable'
  | 'token-expired'
  | 'forbidden'
  | 'too-many-rooms'
  | 'too-many-connections'
  | 'authz-unavailable'
  | 'resume-failed'
  | 'kicked';

/** Every refusal code as the HTTP status a REST answer carries it with (typed: none is missed). */
export const statusOfCode: Record<ErrorCode, number> = {
  'invalid-payload': 400,
  'payload-too-large': 413,
  'forbidden-key': 400,
  'unknown-event': 400,
  'not-in-room': 403,
  'not-allowed': 403,
  'unknown-peer': 404,
  'already-joined': 409,
  'no-partner': 409,
  'rate-limited': 429,
  'server-busy': 503,
  unauthorized: 401,
  'token-expired': 401,
  forbidden: 403,
  'too-many-rooms': 403,
  'too-many-connections': 429,
  'auth-unavailable': 503,
  'authz-unavailable': 503,
  'resume-failed': 410,
  kicked: 403,
};

/** The HTTP status of a refusal code; `fallback` for a code that is not one (a foreign error). */
export const httpStatusOf = (code: string, fallback: number): number =>
  isErrorCode(code) ? statusOfCode[code] : fallback;

/** Whether a string is one of the refusal codes (every one has a status above). */
export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(statusOfCode, code);
