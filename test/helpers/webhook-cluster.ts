import { after, before } from 'node:test';
import { useCluster } from './cluster.js';
import { postgresUrl, query, uniqueSchema } from './pg.js';
import { WebhookReceiver } from './webhook-receiver.js';

/**
 * `count` `npm start` processes on Redis sharing a fresh PostgreSQL database (they use its
 * default schema), sending webhooks to one receiver, retried every second; `env` adds settings.
 * Registers the suite's before/after hooks.
 */
export function useWebhookCluster(count: number, name: string, env: Record<string, string> = {}) {
  const database = uniqueSchema(name);
  const databaseUrl = Object.assign(new URL(postgresUrl), { pathname: `/${database}` }).href;
  const receiver = new WebhookReceiver();
  const settings: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    WEBHOOK_SECRET: receiver.secret,
    WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s',
    ...env,
  };
  before(async () => {
    await receiver.start();
    settings.WEBHOOK_URL = receiver.url;
    await query(`create database "${database}"`);
  });
  const cluster = useCluster(count, { env: settings });
  after(async () => {
    await receiver.stop();
    await query(`drop database if exists "${database}" with (force)`);
  });
  return { ...cluster, receiver, databaseUrl };
}
