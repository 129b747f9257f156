import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { httpStatusOf } from '../protocol/errors.js';

/** An HTTP refusal, sent as `{ error, message }` (PROTOCOLS.md house rule for HTTP). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

export const engineError = (code: string, message: string) =>
  new ApiError(httpStatusOf(code, 400), code, message);

/** Parses with zod; the first issue becomes a 400 that names the field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : what;
  throw new ApiError(400, `invalid-${what}`, `${path}: ${issue?.message ?? 'is invalid'}`);
}

export const errorBody = {
  description: 'Refused: `{ error, message }`',
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

/**
 * Every error of the API scope as `{ error, message }`, including Fastify's own (bad JSON...).
 * Unknown routes get the same shape from the HTTP app's not-found handler.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError | ApiError, request, reply: FastifyReply) => {
    if (raw instanceof ApiError) {
      return reply.status(raw.status).send({ error: raw.error, message: raw.message });
    }
    const status = raw.statusCode && raw.statusCode >= 400 ? raw.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: raw, url: request.url }, 'API request failed');
      return reply.status(status).send({ error: 'internal', message: 'The server failed' });
    }
    const error =
      status === 415 ? 'unsupported-media-type' : status === 413 ? 'too-large' : 'bad-request';
    return reply.status(status).send({ error, message: raw.message });
  });
}
