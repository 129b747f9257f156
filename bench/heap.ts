/**
 * `node --import tsx bench/heap.ts [--peers N] [--only name]`: where an idle connection's memory
 * goes. Starts each sinyal transport as the bench does, takes a V8 heap snapshot (after a full GC)
 * with nothing connected and again with N peers connected and joined, and prints the retained
 * growth per connection by object kind (constructor name), largest first. RSS beyond the JS heap
 * (socket buffers, TLS, the store worker) is not in a heap snapshot; the RSS line says how much.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { openJoinedPeers } from './idle.js';
import { processRssBytes } from './proc.js';
import { baselineSpecs, removeDataDirs, sinyalSpec, startServer } from './servers.js';
import type { RunningServer, ServerSpec } from './servers.js';

const { values: args } = parseArgs({
  options: { peers: { type: 'string', default: '2000' }, only: { type: 'string' } },
});
const peers = Number(args.peers);

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size by object kind: constructor names for objects, the node type otherwise. */
function sizesByKind(file: string): Map<string, number> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const kinds = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const nodeType = types[snap.nodes[i + type!]!]!;
    const label =
      nodeType === 'object' || nodeType === 'closure'
        ? `${nodeType === 'closure' ? 'closure ' : ''}${snap.strings[snap.nodes[i + name!]!]}`
        : `(${nodeType})`;
    kinds.set(label, (kinds.get(label) ?? 0) + snap.nodes[i + size!]!);
  }
  return kinds;
}

/** Asks the server for a snapshot (`--heapsnapshot-signal`, a full GC first) and reads it. */
async function snapshot(server: RunningServer, dir: string): Promise<Map<string, number>> {
  const before = new Set(readdirSync(dir));
  process.kill(server.pid, 'SIGWINCH');
  for (let i = 0; i < 600; i++) {
    await sleep(250);
    const made = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (made) {
      // The file is complete when it parses (it is written in pieces, with pauses).
      let kinds: Map<string, number> | undefined;
      for (let tries = 0; !kinds; tries++) {
        await sleep(1000);
        try {
          kinds = sizesByKind(join(dir, made));
        } catch (error) {
          if (tries > 120) throw error;
        }
      }
      rmSync(join(dir, made));
      return kinds;
    }
  }
  throw new Error('no heap snapshot written');
}

async function profile(spec: ServerSpec): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sinyal-heap-'));
  const server = await startServer(spec, [
    '--heapsnapshot-signal=SIGWINCH',
    `--diagnostic-dir=${dir}`,
  ]);
  try {
    await sleep(3000);
    const empty = await snapshot(server, dir);
    const rssEmpty = processRssBytes(server.pid);
    const { peers: open } = await openJoinedPeers(server, peers, () => {});
    await sleep(2000);
    const full = await snapshot(server, dir);
    const rssFull = processRssBytes(server.pid);
    const growth = [...full].map(
      ([kind, bytes]) => [kind, bytes - (empty.get(kind) ?? 0)] as const,
    );
    growth.sort((a, b) => b[1] - a[1]);
    const total = growth.reduce((sum, [, bytes]) => sum + bytes, 0);
    const per = (bytes: number) => `${(bytes / open.length).toFixed(0)} B`;
    console.log(`\n${spec.name}: ${open.length} peers connected and joined`);
    console.log(
      `  RSS growth per connection ${per(rssFull - rssEmpty)}; JS heap growth ${per(total)}`,
    );
    for (const [kind, bytes] of growth.slice(0, 25))
      console.log(`  ${per(bytes).padStart(8)}  ${kind}`);
    for (const peer of open) peer.close();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const specs = [
  sinyalSpec('socket.io'),
  sinyalSpec('ws'),
  baselineSpecs['socket.io'],
  baselineSpecs.ws,
].filter((s) => !args.only || s.name.includes(args.only));
for (const spec of specs) await profile(spec);
removeDataDirs();
