import type { FastifyInstance } from 'fastify';
import type { WebhookDelivery, WebhookDeliveryList } from '../protocol/webhook-types.js';
import { fromDb, logAdmin, type ApiContext } from './context.js';
import { ApiError, errorBody, parse } from './errors.js';
import { openApi, webhookDeliveriesQuery, webhookDeliverySchema } from './schemas.js';

const security = [{ admin: [] }];
const errors = { 400: errorBody, 401: errorBody, 403: errorBody };
const delivery = openApi(webhookDeliverySchema);

/**
 * The webhook outbox as operators see it: recent deliveries, and "send again" for an abandoned
 * one. Registered in the admin scope, behind its guard.
 */
export function webhookRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/webhooks/deliveries',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Webhook deliveries, newest first (filter by status; limit 100 by default, 500 at most)',
        description:
          'One row per event and endpoint: `pending` (waiting for its turn or its next attempt), `delivered`, or `abandoned` (every attempt failed, or the endpoint answered 410).',
        security,
        querystring: openApi(webhookDeliveriesQuery),
        response: {
          200: { type: 'object', properties: { deliveries: { type: 'array', items: delivery } } },
          ...errors,
          503: errorBody,
        },
      },
    },
    async (request): Promise<WebhookDeliveryList> => {
      const { status, limit } = parse(webhookDeliveriesQuery, request.query, 'query');
      const deliveries = await fromDb(() =>
        ctx.store.backend.queries.webhookDeliveries(status, limit),
      );
      return { deliveries };
    },
  );

  app.post(
    '/webhooks/deliveries/:id/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Send an abandoned webhook delivery again',
        description:
          'Back to `pending` with a fresh set of attempts (same `webhook-id`); answered 202 once queued. 404 for an unknown id, 409 unless it is `abandoned`.',
        security,
        params: { type: 'object', properties: { id: { type: 'string' } } },
        response: {
          202: { type: 'object', properties: { delivery } },
          ...errors,
          404: errorBody,
          409: errorBody,
          503: errorBody,
        },
      },
    },
    async (request, reply): Promise<{ delivery: WebhookDelivery }> => {
      const { id } = request.params as { id: string };
      const unknown = new ApiError(404, 'unknown-delivery', `No webhook delivery "${id}"`);
      if (!/^\d{1,18}$/.test(id)) throw unknown;
      const result = await fromDb(() => ctx.store.backend.queries.retryWebhookDelivery(id));
      if ('refused' in result) {
        if (result.refused === 'unknown') throw unknown;
        throw new ApiError(
          409,
          'not-abandoned',
          `Webhook delivery "${id}" is not abandoned: only an abandoned one can be sent again`,
        );
      }
      logAdmin(ctx, request, 'webhook-retry', { deliveryId: id });
      return reply.status(202).send(result);
    },
  );
}
