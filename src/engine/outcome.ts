import type { SignalError } from './signal-error.js';

/**
 * What one inbound event came to, for a caller that answers it (SSE + REST): the handler's
 * answer, or the refusal its client was also sent as `error { message, code, event }`.
 */
export type Outcome<T = unknown> = { ok: true; value: T } | { ok: false; error: SignalError };

/** The outcome of every event whose handler answers nothing: shared, so a relay allocates none. */
export const DONE: Outcome<undefined> = Object.freeze({ ok: true, value: undefined });

export const refusal = (error: SignalError): Outcome<never> => ({ ok: false, error });

/** A waiting caller's resolve, kept with its event in a busy peer's backlog. */
export type Settle = (outcome: Outcome) => void;
