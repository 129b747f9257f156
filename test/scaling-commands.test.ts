import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectSocketIo } from './helpers/clients.js';
import {
  cleanRedis,
  clusterSuite,
  freePort,
  redisUrl,
  startNode,
  uniquePrefix,
  type NodeProcess,
} from './helpers/cluster.js';
import { postgresUrl, query, uniqueSchema } from './helpers/pg.js';
import { request } from './helpers/sse.js';

const root = join(import.meta.dirname, '..');

/** The shell block of `file` that starts `node dist/src/cli.js` processes. */
function scalingBlock(file: string): string {
  const text = readFileSync(join(root, file), 'utf8');
  const block = [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .find((body) => body.includes('node dist/src/cli.js &'));
  assert.ok(block, `${file} shows how to start several processes`);
  return block;
}

/** `A=1 B=2` words as variables. */
const assignments = (words: string[]) =>
  Object.fromEntries(words.map((word) => word.split(/=(.*)/s).slice(0, 2) as [string, string]));

/** The environment of every process the block starts: its `export`s plus the line's own. */
function processesOf(block: string): Array<Record<string, string>> {
  let exported: Record<string, string> = {};
  const processes: Array<Record<string, string>> = [];
  for (const line of block.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    if (words[0] === 'export') {
      exported = { ...exported, ...assignments(words.slice(1)) };
      continue;
    }
    const command = words.findIndex((word) => !word.includes('='));
    assert.deepEqual(words.slice(command), ['node', 'dist/src/cli.js', '&'], line);
    processes.push({ ...exported, ...assignments(words.slice(0, command)) });
  }
  return processes;
}

describe('the scaling commands of the README and docs/scaling.md, as written', () => {
  const block = scalingBlock('README.md');
  const database = uniqueSchema('scaling');
  const databaseUrl = Object.assign(new URL(postgresUrl), { pathname: `/${database}` }).href;
  const prefix = uniquePrefix();
  const nodes: NodeProcess[] = [];
  let release = () => {};
  before(async () => {
    release = await clusterSuite();
    await query(`create database "${database}"`);
  });
  after(async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    await query(`drop database if exists "${database}" with (force)`);
    await cleanRedis(redisUrl, prefix);
    release();
  });

  it('are the same in both places', () => {
    assert.equal(scalingBlock('docs/scaling.md'), block);
  });

  it('start two processes that act as one', async () => {
    const documented = processesOf(block);
    assert.equal(documented.length, 2);
    for (const env of documented) {
      // Only what differs on this machine: free ports, the test's own database and key prefix.
      assert.ok(env.PORT && env.REDIS_URL && env.DATABASE_URL, JSON.stringify(env));
      const node = await startNode({
        ...env,
        PORT: String(await freePort()),
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        // Not set by the commands: the default (./data) applies, as for a user.
        DATA_DIR: '',
      });
      nodes.push(node);
    }
    const health = (await request(nodes[1]!.url, 'GET', '/health')).body;
    assert.equal(health.nodes, 2);
    const [a, b] = await Promise.all(nodes.map((node) => connectSocketIo(node.url)));
    a!.emit('video:join-room', { roomId: 'scaled' });
    await a!.next('video:room-state');
    b!.emit('video:join-room', { roomId: 'scaled' });
    assert.equal((await a!.next('video:user-joined')).socketId, b!.id);
    await Promise.all([a!.close(), b!.close()]);
  });
});

describe('a second process on Redis without DATABASE_URL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-scaling-'));
  const prefix = uniquePrefix();
  let first: NodeProcess | undefined;
  let release = () => {};
  before(async () => {
    release = await clusterSuite();
  });
  after(async () => {
    await first?.kill();
    await cleanRedis(redisUrl, prefix);
    rmSync(dataDir, { recursive: true, force: true });
    release();
  });

  it('refuses to start, saying exactly what to add', async () => {
    const env = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, DATA_DIR: dataDir };
    first = await startNode(env);
    await assert.rejects(
      startNode(env),
      (error: Error) =>
        /exited with 1/.test(error.message) &&
        error.message.includes('add DATABASE_URL=postgres://') &&
        error.message.includes('to every process'),
    );
  });
});
