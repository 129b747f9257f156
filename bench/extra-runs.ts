import { budgetTable, measureBudget } from './budget.js';
import { idleServerRss, measureIdle } from './idle.js';
import { openFileLimit } from './proc.js';
import { kb, mb, num } from './report.js';
import { sinyalSpec, startServer, type ServerSpec } from './servers.js';

/** Many idle `/ws` peers on one sinyal, spread over loopback source addresses. */
export async function runMany(
  count: number,
  spec: ServerSpec,
  say: (line: string) => void,
): Promise<string> {
  // The server holds one descriptor per connection, and so does this generator.
  const fdCap = openFileLimit() - 1000;
  const reached = Math.min(count, fdCap);
  if (reached < count) {
    say(`open-file limit caps the many-connections run at ${reached} (asked ${count})`);
  }
  const addresses = Array.from(
    { length: Math.ceil(reached / 20_000) },
    (_, i) => `127.0.0.${i + 2}`,
  );
  const server = await startServer(spec);
  try {
    await idleServerRss(server);
    const idle = await measureIdle(server, reached, (l) => say(`[many] ${l}`), {
      localAddresses: addresses,
    });
    const capped =
      reached < count
        ? ` (asked ${num(count)}; the open-file limit here, ${num(openFileLimit())}, caps a process's connections)`
        : '';
    return `
### ${num(idle.connections)} idle \`/ws\` peers on one process${capped}

| peers joined | join time | joins/s | RSS before | RSS with all open (no forced GC) | per connection (forced GC) | peak RSS | errors |
|--:|--:|--:|--:|--:|--:|--:|--:|
| ${num(idle.connections)} | ${num(idle.joinSeconds, 1)} s | ${num(idle.joinsPerSecond)} | ${mb(idle.rssBeforeBytes)} | ${mb(idle.rssAfterBytes)} | ${kb(idle.bytesPerConnection)} (${kb(idle.gcBytesPerConnection)}) | ${mb(server.peakRssBytes())} | ${idle.errors} |
`;
  } finally {
    await server.stop();
  }
}

/** The outbound budget under slow readers, on each sinyal transport. */
export async function runBudget(
  count: number,
  pairs: number,
  say: (line: string) => void,
): Promise<string> {
  const results = [];
  for (const spec of [sinyalSpec('socket.io'), sinyalSpec('ws')]) {
    const server = await startServer(spec);
    try {
      await idleServerRss(server);
      say(`[budget ${spec.name}] ${count} peers join; ${pairs} readers stop reading`);
      // Source addresses 127.0.0.x as in the many-connections run: ports stay available.
      const addresses = Array.from(
        { length: Math.ceil(count / 10_000) + 1 },
        (_, i) => `127.0.0.${i + 20}`,
      );
      const result = await measureBudget(
        server,
        count,
        pairs,
        (l) => say(`[budget ${spec.name}] ${l}`),
        addresses,
      );
      results.push({ name: spec.name, result });
    } finally {
      await server.stop();
    }
  }
  return `
### Slow readers: the outbound budget (\`MAX_BUFFERED_BYTES\`, default 1 MiB)

${num(count)} peers in pair rooms; in ${num(pairs)} pairs one peer stops reading and the other sends it the largest offer allowed (60 KB SDP) as fast as its own socket takes it. RSS sampled every 50 ms, no forced GC.

${budgetTable(results)}
`;
}
