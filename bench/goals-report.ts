/**
 * The run's markdown, one section per goal of docs/benchmarks.md: joins, relay cost, memory and
 * latency, each a table with the peers beside sinyal and the goals checked against it.
 */
import { relayTable, relayTargets } from './relay-report.js';
import {
  issueTable,
  joinsTable,
  kb,
  mb,
  num,
  opt,
  targetLines,
  throughputTable,
  type ServerFigures,
  type Target,
} from './report.js';

export interface RunSetup {
  pairs: number;
  window: number;
  warmupMs: number;
  durationMs: number;
  rounds: number;
  offered: number;
  burstPairs: number;
  idleConnections: number;
}

const SINYAL = ['sinyal Socket.IO', 'sinyal /ws'];
const atMost = (value: number | undefined, limit: number) =>
  value === undefined ? undefined : value <= limit;

function joinsTargets(byName: Map<string, ServerFigures>): string {
  const ws = byName.get('sinyal /ws')?.idle;
  const peerjs = byName.get('PeerJS 1.0.2')?.idle;
  const both = ws && peerjs;
  return targetLines([
    {
      what: '`/ws` peers connected + joined per second ≥ PeerJS 1.0.2',
      figure: both ? `${num(ws.joinsPerSecond)} vs ${num(peerjs.joinsPerSecond)}` : '—',
      met: both ? ws.joinsPerSecond >= peerjs.joinsPerSecond : undefined,
    },
    {
      what: '`/ws` server CPU per join (all threads) ≤ PeerJS 1.0.2',
      figure: both ? `${num(ws.cpuMicrosPerJoin)} vs ${num(peerjs.cpuMicrosPerJoin)} µs` : '—',
      met: both ? ws.cpuMicrosPerJoin <= peerjs.cpuMicrosPerJoin : undefined,
    },
  ]);
}

/** Every server's memory figures: first start, idle, the idle peers' peak, per connection. */
function memoryTable(rows: ServerFigures[], peers: number): string {
  const lines = [
    `| server | first start on a new DATA_DIR, peak | RSS 20 s after start | peak with ${num(peers)} idle peers | RSS per idle connection (forced GC) | peak over every phase |`,
    '|---|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    if (r.name.endsWith('(before)')) continue;
    lines.push(
      `| ${r.name} | ${opt(r.firstStartPeakRssBytes, mb)} | ${opt(r.startRssBytes, mb)} | ${opt(r.idlePeakRssBytes, mb)} | ${opt(r.idle, (i) => `${kb(i.bytesPerConnection)} (${kb(i.gcBytesPerConnection)})`)} | ${opt(r.peakRssBytes, mb)} |`,
    );
  }
  return lines.join('\n');
}

function memoryTargets(byName: Map<string, ServerFigures>, peers: number): string {
  const targets: Target[] = [];
  for (const name of SINYAL) {
    const f = byName.get(name);
    if (!f) continue;
    const perConn = name === 'sinyal /ws' ? 8 : 10;
    targets.push(
      {
        what: `${name}: first start on a new DATA_DIR peaks ≤ 250 MB`,
        figure: opt(f.firstStartPeakRssBytes, mb),
        met: atMost(f.firstStartPeakRssBytes, 250e6),
      },
      {
        what: `${name}: ${num(peers)} idle peers peak ≤ 250 MB`,
        figure: opt(f.idlePeakRssBytes, mb),
        met: atMost(f.idlePeakRssBytes, 250e6),
      },
      {
        what: `${name}: idle connection ≤ ${perConn} KB RSS (no forced GC)`,
        figure: opt(f.idle, (i) => kb(i.bytesPerConnection)),
        met: atMost(f.idle?.bytesPerConnection, perConn * 1024),
      },
      {
        what: `${name}: RSS 20 s after start ≤ 150 MB`,
        figure: opt(f.startRssBytes, mb),
        met: atMost(f.startRssBytes, 150e6),
      },
    );
  }
  return targetLines(targets);
}

function latencyTable(rows: ServerFigures[], offered: number, burstPairs: number): string {
  const lines = [
    `| server | p50 ms at ${num(offered)}/s | p99 ms at ${num(offered)}/s | p99 ms, each message its own write | p99 ms while ${burstPairs} pairs join |`,
    '|---|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    if (!r.steady && !r.burst) continue;
    lines.push(
      `| ${r.name} | ${opt(r.steady, (l) => num(l.p50Ms, 2))} | ${opt(r.steady, (l) => num(l.p99Ms, 2))} | ${opt(r.uncoalesced?.steady, (l) => num(l.p99Ms, 2))} | ${opt(r.burst, (l) => num(l.p99Ms, 2))} |`,
    );
  }
  return lines.join('\n');
}

function latencyTargets(byName: Map<string, ServerFigures>, offered: number): string {
  return targetLines(
    SINYAL.flatMap((name) => {
      const burst = byName.get(name)?.burst;
      return byName.has(name)
        ? [
            {
              what: `${name}: relay p99 ≤ 5 ms at ${num(offered)} msg/s while pairs join`,
              figure: opt(burst, (l) => `${num(l.p99Ms, 2)} ms`),
              met: atMost(burst?.p99Ms, 5),
            },
          ]
        : [];
    }),
  );
}

/** The side-by-side part of the run's markdown: setup, then a section per goal. */
export function goalSections(rows: ServerFigures[], setup: RunSetup): string {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const { offered, burstPairs, idleConnections: peers } = setup;
  const measured = `${setup.warmupMs / 1000} s warm-up + ${setup.durationMs / 1000} s measured${setup.rounds > 1 ? `, median of ${setup.rounds} interleaved rounds` : ''}`;
  return `sinyal as \`npm start\` runs it (embedded store on, in a data directory a previous start created, except for the first-start figure), per-peer rate limit off. Each server runs as its own process, started fresh for every phase.

#### Joins: \`/ws\` beside PeerJS 1.0.2

${num(peers)} peers per server open, 100 at a time: sinyal and the bare relays connect and join a pair room (\`join-room\` → \`joined\`), PeerJS opens an id (\`OPEN\`). CPU per join is the whole server process (\`utime + stime\` of \`/proc/<pid>/stat\`: every thread, store worker and GC helpers included) over the ramp and the 2 s after it.

${joinsTable(rows)}

${joinsTargets(byName)}

#### Relay cost beside the bare relays, traffic both ways

${setup.pairs} pairs per server, both peers of each pair sending, ${setup.window} messages in flight per peer, ${measured}; CPU per message also at a steady ${num(offered)} msg/s. Two generators over the same pairs: _coalesced_, where the frames a peer sends in one tick share one TCP write (trickle ICE's bursts), and _each message its own write_ (one \`ws.send\` or Socket.IO emit per write syscall, nothing corked: a phone sending one candidate at a time). Each ratio reads "≥ goal" (CPU: the bare relay's µs per message ÷ sinyal's); the goals are ≥ 1.3× for Socket.IO and ≥ 1.0× for \`/ws\`.

${relayTable(rows, offered)}

${relayTargets(rows)}

#### Memory

RSS as an operator reads it (\`VmRSS\`, no forced GC; after a forced GC in brackets); peaks are \`VmHWM\`. The first start runs sinyal on an empty \`DATA_DIR\` until 20 s after it started; the idle peers' peak is that of a fresh start while ${num(peers)} peers connect and join, 100 at a time.

${memoryTable(rows, peers)}

${memoryTargets(byName, peers)}

#### Relay latency

The steady run offers ${num(offered)} msg/s over the relay pairs; the last column is the same while ${burstPairs} more pairs connect and join, their history recorded by the store.

${latencyTable(rows, offered, burstPairs)}

${latencyTargets(byName, offered)}

<details><summary>Every figure of every server</summary>

${issueTable(rows, offered, burstPairs)}

${throughputTable(rows)}

</details>
`;
}
