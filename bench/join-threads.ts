/** Per-thread server CPU per join: `tsx bench/join-threads.ts <ws|sio|bare-ws|peerjs> [dir]`. */
import { setTimeout as sleep } from 'node:timers/promises';
import { openJoinedPeers } from './idle.js';
import { processRssBytes, threadCpuMicros } from './proc.js';
import { baselineSpecs, removeDataDirs, sinyalSpec, startServer } from './servers.js';

const [which, dir] = process.argv.slice(2);
const spec =
  which === 'bare-ws'
    ? baselineSpecs.ws
    : which === 'peerjs'
      ? baselineSpecs.peerjs
      : sinyalSpec(
          which === 'sio' ? 'socket.io' : 'ws',
          JSON.parse(process.env.SENV ?? '{}') as Record<string, string>,
          dir ? { dir, label: 'x' } : undefined,
        );
const count = Number(process.env.N ?? 5000);
const server = await startServer(spec, (process.env.NODE_EXTRA ?? '').split(' ').filter(Boolean));
await sleep(3000);
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  const before = threadCpuMicros(server.pid);
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
      `; RSS ${Math.round(processRssBytes(server.pid) / 1e6)} MB, peak ${Math.round(server.peakRssBytes() / 1e6)} MB`,
  );
  for (const peer of peers) peer.close();
  await sleep(3000);
}
await server.stop();
removeDataDirs();
