import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import {
  Badge,
  Button,
  Card,
  ColumnHeads,
  Field,
  QueryState,
  TableScroll,
  inputClass,
} from '../components/ui';
import { api } from '../lib/api';
import { dateTime } from '../lib/format';
import type { LogRow } from '../lib/types';

const PAGE_SIZE = 50;
const TYPES = [
  'connect',
  'disconnect',
  'resume',
  'join',
  'leave',
  'media',
  'refused',
  'error',
  'admin',
];

interface Filter {
  type: string;
  userId: string;
  roomId: string;
  since: string;
  until: string;
}
const noFilter: Filter = { type: '', userId: '', roomId: '', since: '', until: '' };

const typeTone: Record<string, string> = {
  connect: 'green',
  join: 'green',
  disconnect: 'slate',
  leave: 'slate',
  refused: 'amber',
  error: 'red',
  admin: 'indigo',
};

function query(filter: Filter, offset: number): string {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
  if (filter.type) params.set('type', filter.type);
  if (filter.userId.trim()) params.set('userId', filter.userId.trim());
  if (filter.roomId.trim()) params.set('roomId', filter.roomId.trim());
  // datetime-local is the viewer's local time; the API takes ISO instants.
  if (filter.since) params.set('since', new Date(filter.since).toISOString());
  if (filter.until) params.set('until', new Date(filter.until).toISOString());
  return params.toString();
}

const detailsOf = (row: LogRow): Record<string, unknown> =>
  row.details && typeof row.details === 'object' ? (row.details as Record<string, unknown>) : {};

/**
 * The person a row is about: their name then (from `details`) over their user id. An admin row's
 * user is the admin who acted (a JWT `sub` or "admin token"); the name there is of whom it acted on.
 */
function who(row: LogRow): { name?: string; id: string } {
  const name = detailsOf(row).name;
  const id = row.userId ?? '—';
  return row.type !== 'admin' && typeof name === 'string' && name !== id ? { name, id } : { id };
}

function details(row: LogRow): string {
  return Object.entries(detailsOf(row))
    .filter(([k]) => row.type === 'admin' || k !== 'name') // shown in the User column
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

function UserCell({ row }: { row: LogRow }) {
  const { name, id } = who(row);
  if (!name) return <>{id}</>;
  return (
    <>
      <div className="font-medium">{name}</div>
      <div className="font-mono text-[11px] text-slate-400">{id}</div>
    </>
  );
}

export function LogsPage() {
  const [draft, setDraft] = useState<Filter>(noFilter);
  const [filter, setFilter] = useState<Filter>(noFilter);
  const [offset, setOffset] = useState(0);
  const [live, setLive] = useState(true);
  // Only the first page follows the live tail; older pages stay still while being read.
  const following = live && offset === 0;
  const logs = useQuery({
    queryKey: ['logs', following ? 'live' : 'still', filter, offset],
    queryFn: () => api<{ total: number; logs: LogRow[] }>(`/api/logs?${query(filter, offset)}`),
    placeholderData: keepPreviousData,
  });

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter(draft);
    setOffset(0);
  };
  const reset = () => {
    setDraft(noFilter);
    setFilter(noFilter);
    setOffset(0);
  };
  const set = (key: keyof Filter) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: e.target.value });

  const total = logs.data?.total ?? 0;
  const rows = logs.data?.logs ?? [];
  return (
    <div className="flex flex-col gap-4">
      <Card>
        <form
          onSubmit={apply}
          className="grid gap-3 sm:grid-cols-2 lg:grid-cols-[10rem_1fr_1fr_1fr_1fr_auto] lg:items-end"
        >
          <Field label="Type" htmlFor="log-type">
            <select id="log-type" className={inputClass} value={draft.type} onChange={set('type')}>
              <option value="">All types</option>
              {TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
          <Field label="User id" htmlFor="log-user">
            <input
              id="log-user"
              className={inputClass}
              value={draft.userId}
              onChange={set('userId')}
            />
          </Field>
          <Field label="Room id" htmlFor="log-room">
            <input
              id="log-room"
              className={inputClass}
              value={draft.roomId}
              onChange={set('roomId')}
            />
          </Field>
          <Field label="From" htmlFor="log-since">
            <input
              id="log-since"
              type="datetime-local"
              className={inputClass}
              value={draft.since}
              onChange={set('since')}
            />
          </Field>
          <Field label="To" htmlFor="log-until">
            <input
              id="log-until"
              type="datetime-local"
              className={inputClass}
              value={draft.until}
              onChange={set('until')}
            />
          </Field>
          <div className="flex gap-2">
            <Button tone="primary" type="submit">
              Filter
            </Button>
            <Button onClick={reset}>Reset</Button>
          </div>
        </form>
      </Card>
      <Card
        title={
          <span aria-live="polite">
            {logs.data ? `${total.toLocaleString('en')} event${total === 1 ? '' : 's'}` : 'Events'}
          </span>
        }
        actions={
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={live}
              onChange={(e) => setLive(e.target.checked)}
              className="size-4 accent-indigo-600"
            />
            Follow live
          </label>
        }
      >
        <QueryState
          query={logs}
          what="events"
          empty={rows.length === 0}
          emptyHint={
            filter === noFilter
              ? 'Connections, joins and admin actions are logged here.'
              : 'Nothing matches this filter.'
          }
        />
        {rows.length > 0 && (
          <TableScroll>
            <table className="w-full min-w-[44rem] text-sm" aria-label="Event log">
              <ColumnHeads names={['Time', 'Type', 'User', 'Room', 'Node', 'Details']} />
              <tbody>
                {rows.map((row) => (
                  <tr
                    key={row.id}
                    data-log-type={row.type}
                    className="border-t border-slate-100 align-top dark:border-slate-800"
                  >
                    <td className="py-1.5 pr-3 text-xs whitespace-nowrap">
                      {dateTime(row.createdAt)}
                    </td>
                    <td className="py-1.5 pr-3">
                      <Badge tone={typeTone[row.type] ?? 'slate'}>{row.type}</Badge>
                    </td>
                    <td className="py-1.5 pr-3 text-xs">
                      <UserCell row={row} />
                    </td>
                    <td className="py-1.5 pr-3 text-xs">{row.roomId ?? '—'}</td>
                    <td className="py-1.5 pr-3 font-mono text-xs">{row.nodeId ?? '—'}</td>
                    <td
                      className="max-w-md truncate py-1.5 text-xs text-slate-500 dark:text-slate-400"
                      title={details(row)}
                    >
                      {details(row)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        <nav aria-label="Pages" className="mt-3 flex items-center justify-between gap-2 text-sm">
          <Button
            small
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
          >
            Newer
          </Button>
          <span className="text-xs text-slate-500">
            {total ? `${offset + 1}–${Math.min(offset + PAGE_SIZE, total)} of ${total}` : ''}
          </span>
          <Button
            small
            disabled={offset + PAGE_SIZE >= total}
            onClick={() => setOffset(offset + PAGE_SIZE)}
          >
            Older
          </Button>
        </nav>
      </Card>
    </div>
  );
}
