import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { allowOrigins, allowPreflights, RouteSet } from './cors.js';
import { installErrorHandling } from './errors.js';

/**
 * Adds routes under `/api`, as the SSE and admin API extensions do: bodies parsed with zod,
 * `{ error, message }` errors, CORS by `allows` (preflights included).
 */
export async function mountApi(
  app: FastifyInstance,
  config: Config,
  allows: (request: FastifyRequest) => boolean,
  routes: (api: FastifyInstance) => void,
): Promise<void> {
  const set = new RouteSet();
  await app.register(
    async (api) => {
      // Bodies are parsed with zod in the handlers; the JSON schemas only document them.
      api.setValidatorCompiler(() => () => true);
      api.addHook('onRoute', (route) => {
        route.bodyLimit ??= config.maxPayloadBytes;
      });
      installErrorHandling(api);
      set.collect(api);
      allowOrigins(api, allows);
      routes(api);
    },
    { prefix: '/api' },
  );
  await allowPreflights(app, set, allows);
}
