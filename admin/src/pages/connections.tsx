import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ConfirmButton } from '../components/confirm';
import {
  Badge,
  Card,
  ColumnHeads,
  Field,
  QueryState,
  TableScroll,
  inputClass,
} from '../components/ui';
import { api } from '../lib/api';
import { since, transportLabel } from '../lib/format';
import type { Connection } from '../lib/types';

export function ConnectionsPage() {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ['connections'],
    queryFn: () => api<{ total: number; connections: Connection[] }>('/api/connections'),
  });
  const [search, setSearch] = useState('');
  const [transport, setTransport] = useState('');

  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (query.data?.connections ?? [])
      .filter((c) => !transport || c.transport === transport)
      .filter(
        (c) =>
          !needle ||
          [c.id, c.userId, c.user.name, c.address ?? '', c.nodeId, ...c.rooms].some((v) =>
            v.toLowerCase().includes(needle),
          ),
      )
      .sort((a, b) => b.connectedAt.localeCompare(a.connectedAt));
  }, [query.data, search, transport]);

  const kick = async (connection: Connection) => {
    await api(`/api/connections/${encodeURIComponent(connection.id)}`, { method: 'DELETE' });
    await queryClient.invalidateQueries({ queryKey: ['connections'] });
  };

  const total = query.data?.total ?? 0;
  return (
    <Card>
      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-end">
        <Field label="Search" htmlFor="connection-search" className="sm:flex-1">
          <input
            id="connection-search"
            type="search"
            className={inputClass}
            placeholder="User, name, room, address, node…"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </Field>
        <Field label="Transport" htmlFor="connection-transport" className="sm:w-44">
          <select
            id="connection-transport"
            className={inputClass}
            value={transport}
            onChange={(e) => setTransport(e.target.value)}
          >
            <option value="">All transports</option>
            {Object.entries(transportLabel).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <QueryState
        query={query}
        what="connections"
        empty={rows.length === 0}
        emptyHint={
          total
            ? 'Nothing matches the search.'
            : 'Clients that connect over any transport show up here.'
        }
      />
      {rows.length > 0 && (
        <>
          <p className="mb-2 text-xs text-slate-500 dark:text-slate-400" aria-live="polite">
            {rows.length === total
              ? `${total} connections`
              : `${rows.length} of ${total} connections`}
          </p>
          <TableScroll>
            <table className="w-full min-w-[52rem] text-sm">
              <ColumnHeads
                names={['User', 'Name', 'Transport', 'Node', 'Rooms', 'Connected', 'Address', '']}
              />
              <tbody>
                {rows.map((c) => (
                  <tr
                    key={c.id}
                    data-connection={c.id}
                    className="border-t border-slate-100 align-top dark:border-slate-800"
                  >
                    <td className="py-2 pr-3">
                      <div className="font-medium">{c.userId}</div>
                      <div className="font-mono text-[11px] text-slate-400">{c.id}</div>
                    </td>
                    <td className="py-2 pr-3">{c.user.name}</td>
                    <td className="py-2 pr-3">
                      <Badge>{transportLabel[c.transport] ?? c.transport}</Badge>
                    </td>
                    <td className="py-2 pr-3 font-mono text-xs">{c.nodeId}</td>
                    <td className="py-2 pr-3 text-xs">
                      {c.rooms.length ? (
                        c.rooms.join(', ')
                      ) : (
                        <span className="text-slate-400">—</span>
                      )}
                    </td>
                    <td className="py-2 pr-3 text-xs whitespace-nowrap" title={c.connectedAt}>
                      {since(c.connectedAt)}
                    </td>
                    <td className="py-2 pr-3 font-mono text-xs">{c.address ?? '—'}</td>
                    <td className="py-2 text-right">
                      <ConfirmButton
                        label="Kick"
                        srLabel={c.user.name}
                        title={`Kick ${c.user.name}?`}
                        description={`Disconnects ${c.userId} (${c.id}) on node ${c.nodeId}. Its rooms are told it left.`}
                        onConfirm={() => kick(c)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
    </Card>
  );
}
