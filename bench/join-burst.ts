/**
 * Child process of `runLoad`'s join burst: opens pairs against the servers on the ports given
 * and reports how long that took, so the latency generator's own event loop is not the one
 * opening 400 connections (that delayed its reading of relayed frames as much as the server did).
 */
import { openPairs } from './load.js';
import type { RunningServer } from './servers.js';

const { framing, wsPath, ports, pairs, runId } = JSON.parse(process.argv[2]!) as {
  framing: RunningServer['spec']['framing'];
  wsPath?: string;
  ports: number[];
  pairs: number;
  runId: string;
};
const servers = ports.map((port) => ({ port, spec: { framing, wsPath } }) as RunningServer);
let opened: Awaited<ReturnType<typeof openPairs>> = [];
process.once('message', async () => {
  const started = performance.now();
  opened = await openPairs(servers, pairs, runId);
  process.send!({ seconds: (performance.now() - started) / 1000 });
});
process.send!('ready');
process.once('disconnect', () => {
  for (const pair of opened) pair.forEach((peer) => peer.close());
  process.exit(0);
});
