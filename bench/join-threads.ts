/**
 * Per-thread server CPU per join: `tsx bench/join-threads.ts <ws|sio|bare-ws|bare-sio|peerjs> [dir]`,
 * with the server's longest event-loop stalls while its peers join and then leave, all at once
 * (`LEAVE=1`: each says goodbye, as a client's own `disconnect()`; otherwise their sockets drop).
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { openJoinedPeers } from './idle.js';
import { processRssBytes, threadCpuMicros } from './proc.js';
import { removeDataDirs, specNamed, startServer } from './servers.js';

const [which, dir] = process.argv.slice(2);
const env = JSON.parse(process.env.SENV ?? '{}') as Record<string, string>;
const spec = specNamed(which, env, dir);
const count = Number(process.env.N ?? 5000);
const flags = [
  '--import',
  new URL('./loop-stalls.mjs', import.meta.url).href,
  ...(process.env.NODE_EXTRA ?? '').split(' ').filter(Boolean),
];
const server = await startServer(spec, flags);
const stallFile = `${tmpdir()}/sinyal-stalls-${server.pid}.json`;
/** The server's three longest event-loop stalls since `from` (wall clock, ms). */
async function longestStalls(from: number): Promise<string> {
  await sleep(300); // the preload writes its list every 250 ms
  const stalls = JSON.parse(readFileSync(stallFile, 'utf8')) as Array<[number, number]>;
  const longest = stalls
    .filter(([at]) => at >= from)
    .map(([, ms]) => ms)
    .sort((a, b) => b - a);
  return longest.length ? `${longest.slice(0, 3).map(Math.round).join(', ')} ms` : 'none';
}
await sleep(3000);
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  const before = threadCpuMicros(server.pid);
  const joinedFrom = Date.now();
  const { peers, seconds } = await openJoinedPeers(server, count, () => {});
  await sleep(2000);
  const after = threadCpuMicros(server.pid);
  const parts = [...after]
    .map(([name, us]) => [name, (us - (before.get(name) ?? 0)) / peers.length] as const)
    .filter(([, us]) => us > 1)
    .sort((a, b) => b[1] - a[1]);
  const total = parts.reduce((s, [, us]) => s + us, 0);
  console.log(
    `${spec.name} round ${round}: ${Math.round(peers.length / seconds)} joins/s, ${Math.round(total)} µs/join: ` +
      parts.map(([n, us]) => `${n} ${Math.round(us)}`).join(', ') +
      `; RSS ${Math.round(processRssBytes(server.pid) / 1e6)} MB, peak ${Math.round(server.peakRssBytes() / 1e6)} MB` +
      `; longest stalls ${await longestStalls(joinedFrom)}`,
  );
  const leftFrom = Date.now();
  for (const peer of peers) {
    if (process.env.LEAVE) peer.leave();
    else peer.close();
  }
  await sleep(3000);
  console.log(
    `  ${peers.length} peers ${process.env.LEAVE ? 'left' : 'dropped'} at once: longest stalls ${await longestStalls(leftFrom)}`,
  );
}
await server.stop();
removeDataDirs();
rmSync(stallFile, { force: true });
