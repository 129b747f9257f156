import type { ErrorCode } from '../protocol/errors.js';

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
