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

/** A refusal the sender should hear about; never a crash and never seen by other peers. */
export class SignalError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignalError';
  }
}
