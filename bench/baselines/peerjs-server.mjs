/**
 * Baseline: PeerJS's own server (`peer` 1.0.2, PeerServer) with its defaults, except the
 * concurrent-client cap (5,000 by default) lifted so the connection runs can reach their count.
 * Measured for idle memory and connects per second; it has no rooms, so no relay rows.
 */
import { PeerServer } from 'peer';

PeerServer({
  port: Number(process.env.PORT ?? 9000),
  host: process.env.HOST ?? '127.0.0.1',
  path: '/',
  concurrent_limit: 1_000_000,
});
process.once('SIGTERM', () => process.exit(0));
