// What the test files need besides Node, and whether this machine has it (the preflight of
// `npm test`). A file's needs come from what it imports from the helpers that reach a service:
// the table below names those exports, so a test using them is never run blind.
// `test/test-services.test.ts` fails when a helper reaching a service is missing from it.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, normalize } from 'node:path';

export const services = {
  postgres: {
    name: 'PostgreSQL',
    where: () => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    apt: 'postgresql',
    compose: true,
    probe: probePostgres,
  },
  redis: {
    name: 'Redis',
    where: () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    apt: 'redis-server',
    compose: true,
    probe: probeRedis,
  },
  'redis-server': {
    name: 'redis-server (a throwaway Redis the test stops)',
    where: () => 'redis-server on PATH',
    apt: 'redis-server',
    probe: async () => onPath('redis-server') || 'not on PATH',
  },
  chromium: {
    name: 'Chromium',
    where: () => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    apt: 'chromium',
    probe: async () => existsSync(services.chromium.where()) || 'not found',
  },
  coturn: {
    name: 'coturn',
    where: () => 'turnserver on PATH',
    apt: 'coturn',
    probe: async () => onPath('turnserver') || 'not on PATH',
  },
};

/**
 * Helper exports that reach a service, by helper file. `*`: the whole module. A need written
 * `service:mode` is partial: the file runs without that service, minus that mode.
 */
export const helperNeeds = {
  'test/helpers/pg.ts': { '*': 'postgres' },
  'test/helpers/cluster.ts': {
    redisUrl: 'redis',
    cleanRedis: 'redis',
    useCluster: 'redis',
    startRedis: 'redis-server',
    ownRedis: 'redis-server',
  },
  'test/helpers/webhook-cluster.ts': { '*': 'postgres', useWebhookCluster: 'redis' },
  'test/helpers/modes.ts': { selectedModes: 'redis:cluster', modes: 'redis:cluster' },
  'test/helpers/access.ts': { accessModes: 'redis:cluster' },
  'test/e2e/helpers/browser.ts': { '*': 'chromium' },
  'test/e2e/helpers/admin.ts': { '*': 'chromium' },
  'test/e2e/helpers/turn.ts': { startTurn: 'coturn', turnSkipReason: 'coturn' },
};

const importPattern = /import\s[^;]*?from\s*'([^']+)'/g;

/** `{ full: Set<service>, partial: Map<service, mode> }` for one test file (path from the root). */
export function needsOf(file, root = process.cwd()) {
  const source = readFileSync(join(root, file), 'utf8');
  const full = new Set();
  const partial = new Map();
  for (const [, from] of source.matchAll(importPattern)) {
    if (!from.startsWith('.')) continue;
    const helper = normalize(join(dirname(file), from.replace(/\.js$/, '.ts')));
    const table = helperNeeds[helper];
    if (!table) continue;
    // Named imports, and options such as `{ ownRedis: true }`: any use of a listed name.
    const words = Object.keys(table).filter(
      (k) => k === '*' || new RegExp(`\\b${k}\\b`).test(source),
    );
    for (const word of words) {
      const need = table[word];
      if (!need) continue;
      const [service, mode] = need.split(':');
      if (mode) partial.set(service, mode);
      else full.add(service);
    }
  }
  for (const service of full) partial.delete(service);
  return { full, partial };
}

/** Probes every service in `wanted`; resolves to a map of the missing ones and why. */
export async function missingOf(wanted) {
  const missing = new Map();
  await Promise.all(
    [...wanted].map(async (key) => {
      const result = await services[key]
        .probe()
        .catch((error) => `nothing answers: ${error.code ?? error.message}`);
      if (result !== true) missing.set(key, result);
    }),
  );
  return missing;
}

/** The one block that says what is missing and how to get it. */
export function missingBlock(missing, ci) {
  const lines = ['', '── services the selected tests need ──'];
  for (const [key, why] of missing) {
    const s = services[key];
    lines.push(`  ✖ ${s.name} missing: ${s.where()} (${why})`);
  }
  const wanted = [...missing.keys()].map((k) => services[k]);
  const apt = [...new Set(wanted.filter((s) => !s.compose).map((s) => s.apt))];
  const composed = [...new Set(wanted.filter((s) => s.compose).map((s) => s.apt))];
  lines.push('  To get them:');
  if (composed.length) {
    lines.push('    docker compose -f docker-compose.test.yml up -d   # PostgreSQL and Redis');
  }
  if (apt.length) lines.push(`    apt-get install -y ${apt.join(' ')}`);
  if (composed.length)
    lines.push(`    (or without Docker: apt-get install -y ${composed.join(' ')})`);
  lines.push(
    ci
      ? '  CI=true: a missing service is a failure, not a skip.'
      : '  The tests that need them are SKIPPED (listed at the end); with CI=true this fails.',
  );
  return lines.join('\n');
}

function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir && existsSync(join(dir, command)));
}

async function probePostgres() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: services.postgres.where(),
    connectionTimeoutMillis: 3000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeRedis() {
  const { Redis } = await import('ioredis');
  const redis = new Redis(services.redis.where(), {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG' || 'no PONG';
  } finally {
    redis.disconnect();
  }
}
