import { adminAccess } from './api/admin-guard.js';
import { jwtKeyName } from './auth/auth.js';
import { describeIce } from './auth/turn.js';
import { hidePassword, type Config } from './config/config.js';
import type { TlsSetup } from './http/tls.js';

export interface StartupFacts {
  config: Config;
  /** The URL `listen()` answered (localhost when bound to every interface). */
  url: string;
  port: number;
  tls: TlsSetup | undefined;
}

/**
 * The one startup block: every URL a person needs (the demo, the dashboard, the API docs),
 * whether the admin API is reachable and how it is protected, what clients get for ICE (STUN,
 * TURN), which store and cluster are in use. `text` for a terminal, `fields` for JSON.
 */
export function startupSummary({ config, url, port, tls }: StartupFacts) {
  const scheme = tls ? 'https' : 'http';
  const everywhere = config.host === '0.0.0.0' || config.host === '::';
  const lan = everywhere ? (tls?.lanAddresses ?? []).map((ip) => `${scheme}://${ip}:${port}/`) : [];
  const access = adminAccess(config);
  const jwtKey = jwtKeyName(config);
  const credentials = [access.token && '<ADMIN_TOKEN>', jwtKey && 'an admin JWT']
    .filter(Boolean)
    .join(' or ');
  const admin = !access.enabled
    ? 'off (production without ADMIN_TOKEN; set ADMIN_TOKEN to turn it on)'
    : credentials
      ? `on at /api, needs Authorization: Bearer ${credentials}`
      : 'on at /api, only from this machine (set ADMIN_TOKEN to use it from elsewhere)';
  const store = config.databaseUrl
    ? `PostgreSQL ${hidePassword(config.databaseUrl)}`
    : config.dataDir.includes('://')
      ? 'in memory (DATA_DIR=memory://: nothing is kept)'
      : `PGlite in ${config.dataDir}`;
  const cluster = config.redisUrl
    ? `Redis ${hidePassword(config.redisUrl)} (prefix ${config.redisPrefix}), shared with other processes`
    : 'this process only (set REDIS_URL to run several)';
  const certificate = !tls
    ? undefined
    : tls.source === 'files'
      ? `${config.httpsCert} (until ${day(tls.validTo)})`
      : `self-signed, ${tls.source === 'reused' ? 'reused from' : 'new in'} ${tls.folder ?? 'memory'} ` +
        `(until ${day(tls.validTo)}): accept the browser warning once per device`;
  const auth = jwtKey
    ? `JWT required on every connection (${jwtKey})`
    : config.authMode === 'user-id'
      ? 'userId required and believed, tokens not checked (AUTH_MODE=user-id)'
      : 'none (anyone may connect)';

  const ice = describeIce(config);

  const rows: Array<[string, string | undefined]> = [
    ['demo app', `${url}/`],
    ['dashboard', `${url}/admin`],
    ['API docs', `${url}/docs`],
    ['on the LAN', lan.length ? lan.join('  ') : undefined],
    ['certificate', certificate],
    [
      'signaling',
      `Socket.IO ${url}  WebSocket ${url.replace(/^http/, 'ws')}/ws  SSE ${url}/api/events`,
    ],
    ['auth', auth],
    ['ICE', ice],
    ['admin API', admin],
    ['store', store],
    ['cluster', cluster],
  ];
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined);
  const text = [
    `sinyal listening on ${url}`,
    ...shown.map(([label, value]) => `  ${label.padEnd(12)} ${value}`),
  ].join('\n');
  const fields = {
    url,
    dashboard: `${url}/admin`,
    docs: `${url}/docs`,
    lan,
    websocket: `${url.replace(/^http/, 'ws')}/ws`,
    admin,
    store,
    cluster,
    auth,
    ice,
    certificate,
  };
  return { text, fields };
}

const day = (date: Date) => date.toISOString().slice(0, 10);
