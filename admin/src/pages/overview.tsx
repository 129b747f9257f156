import { LineChart } from '../components/chart';
import { Badge, Card, StateMessage } from '../components/ui';
import { duration, number, transportLabel } from '../lib/format';
import { useStream } from '../lib/stream';

function Stat({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <div className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800">
      <dt className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums">{value}</dd>
      {detail && <dd className="mt-1 text-xs text-slate-500 dark:text-slate-400">{detail}</dd>}
    </div>
  );
}

export function OverviewPage() {
  const { overview, samples, status, error } = useStream();
  if (!overview) {
    return status === 'reconnecting' ? (
      <StateMessage kind="error" title="The live feed is not reachable">
        {error}
      </StateMessage>
    ) : (
      <StateMessage kind="loading" title="Waiting for the first figures…" />
    );
  }
  const transports = Object.entries(overview.byTransport);
  const clustered = overview.cluster.detail === 'redis' || overview.cluster.nodes > 1;
  return (
    <div className="flex flex-col gap-4">
      <dl
        className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-6"
        aria-label="Live figures"
      >
        <Stat
          label="Connections"
          value={number(overview.connections)}
          detail={
            transports.length
              ? transports.map(([t, n]) => `${transportLabel[t] ?? t} ${n}`).join(' · ')
              : 'none yet'
          }
        />
        <Stat label="Rooms" value={number(overview.rooms)} />
        <Stat label="Participants" value={number(overview.participants)} />
        <Stat label="Relayed msg/s" value={number(overview.relayedPerSecond)} detail="this node" />
        <Stat label="Refusals/s" value={number(overview.refusedPerSecond)} detail="this node" />
        <Stat label="Uptime" value={duration(overview.uptime)} detail={`node ${overview.nodeId}`} />
      </dl>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <LineChart
            title="Connections"
            samples={samples}
            series={[
              {
                label: 'connections',
                value: (s) => s.connections,
                stroke: 'stroke-indigo-500',
                swatch: 'bg-indigo-500',
              },
            ]}
          />
        </Card>
        <Card>
          <LineChart
            title="Messages per second"
            samples={samples}
            series={[
              {
                label: 'relayed',
                value: (s) => s.relayedPerSecond,
                stroke: 'stroke-emerald-500',
                swatch: 'bg-emerald-500',
              },
              {
                label: 'refused',
                value: (s) => s.refusedPerSecond,
                stroke: 'stroke-rose-500',
                swatch: 'bg-rose-500',
              },
            ]}
          />
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Store">
          <p className="flex items-center gap-2 text-sm">
            <Badge tone={overview.store.ok ? 'green' : 'red'}>
              {overview.store.ok ? 'Healthy' : 'Unavailable'}
            </Badge>
            <span className="text-slate-600 dark:text-slate-300">{overview.store.detail}</span>
          </p>
        </Card>
        <Card title="Cluster">
          <p className="mb-3 flex flex-wrap items-center gap-2 text-sm">
            <Badge tone={overview.cluster.status === 'ok' ? 'green' : 'red'}>
              {overview.cluster.status === 'ok' ? 'Healthy' : 'Degraded'}
            </Badge>
            <span className="text-slate-600 dark:text-slate-300">
              {clustered
                ? `Redis, ${overview.cluster.nodes} node${overview.cluster.nodes === 1 ? '' : 's'} alive`
                : 'Single process (set REDIS_URL to run several)'}
              {overview.cluster.detail && overview.cluster.detail !== 'redis'
                ? ` — ${overview.cluster.detail}`
                : ''}
            </span>
          </p>
          <table className="w-full text-sm" aria-label="Nodes">
            <thead>
              <tr className="text-left text-xs text-slate-500 dark:text-slate-400">
                <th className="py-1 font-medium">Node</th>
                <th className="py-1 text-right font-medium">Connections</th>
              </tr>
            </thead>
            <tbody>
              {overview.nodes.map((node) => (
                <tr key={node.id} className="border-t border-slate-100 dark:border-slate-800">
                  <td className="py-1.5 font-mono text-xs">
                    {node.id}
                    {node.id === overview.nodeId && (
                      <span className="ml-2 font-sans">
                        <Badge tone="indigo">this node</Badge>
                      </span>
                    )}
                  </td>
                  <td className="py-1.5 text-right tabular-nums">{number(node.connections)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {overview.cluster.nodes > overview.nodes.length && (
            <p className="mt-2 text-xs text-slate-500">
              {overview.cluster.nodes - overview.nodes.length} more node(s) with no connections.
            </p>
          )}
        </Card>
      </div>
    </div>
  );
}
