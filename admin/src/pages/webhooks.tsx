import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { ConfirmButton } from '../components/confirm';
import {
  Badge,
  Card,
  ColumnHeads,
  Field,
  QueryState,
  StateMessage,
  inputClass,
} from '../components/ui';
import { api, type ApiError } from '../lib/api';
import { dateTime, roomKindLabel, since } from '../lib/format';
import type { WebhookDelivery, WebhookDeliveryList, WebhookDeliveryStatus } from '../lib/types';

const statusTone: Record<WebhookDeliveryStatus, string> = {
  pending: 'amber',
  delivered: 'green',
  abandoned: 'red',
};

/** Shown when the server sends no webhooks (the route is not there) or has sent none yet. */
function HowToConfigure({ configured }: { configured: boolean }) {
  return (
    <StateMessage
      kind="empty"
      title={configured ? 'No webhook deliveries yet' : 'Webhooks are not configured'}
    >
      <p className="max-w-md">
        {configured
          ? 'Deliveries show up here once a room starts. '
          : 'Your backend can learn when rooms start and finish and who joins and leaves. '}
        Set <code className="font-mono">WEBHOOK_URL</code> to your endpoint and{' '}
        <code className="font-mono">WEBHOOK_SECRET</code> to a <code>whsec_…</code> secret, restart
        the server, and check each request in your backend with <code>verifyWebhook</code> from{' '}
        <code className="font-mono">sinyal/server</code>.
      </p>
    </StateMessage>
  );
}

/** A value with its column name above it on a phone (the row is a card there). */
function Cell({
  label,
  children,
  className,
}: {
  label: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <td className={`block py-0.5 md:table-cell md:py-2 md:pr-3 ${className ?? ''}`}>
      <span className="mr-2 text-xs text-slate-500 md:hidden dark:text-slate-400">{label}</span>
      {children}
    </td>
  );
}

function when(d: WebhookDelivery): { text: string; title: string } {
  if (d.deliveredAt) return { text: `delivered ${since(d.deliveredAt)}`, title: d.deliveredAt };
  if (d.status === 'pending' && d.nextAttemptAt) {
    return { text: `next try ${dateTime(d.nextAttemptAt)}`, title: d.nextAttemptAt };
  }
  return { text: `created ${since(d.createdAt)}`, title: d.createdAt };
}

export function WebhooksPage() {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<WebhookDeliveryStatus | ''>('');
  const query = useQuery({
    queryKey: ['webhooks', status],
    queryFn: () =>
      api<WebhookDeliveryList>(
        `/api/webhooks/deliveries?limit=100${status ? `&status=${status}` : ''}`,
      ),
    // The admin stream does not carry deliveries: this page asks again while it is open.
    refetchInterval: 2_000,
    placeholderData: keepPreviousData,
  });
  const notConfigured = (query.error as ApiError | null)?.status === 404;
  const rows = query.data?.deliveries ?? [];

  const sendAgain = async (delivery: WebhookDelivery) => {
    await api(`/api/webhooks/deliveries/${encodeURIComponent(delivery.id)}/retry`, {
      method: 'POST',
    });
    await queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  };

  if (notConfigured) return <HowToConfigure configured={false} />;
  return (
    <Card>
      <div className="mb-4 sm:w-52">
        <Field label="Status" htmlFor="webhook-status">
          <select
            id="webhook-status"
            className={inputClass}
            value={status}
            onChange={(e) => setStatus(e.target.value as WebhookDeliveryStatus | '')}
          >
            <option value="">All deliveries</option>
            <option value="pending">Pending</option>
            <option value="delivered">Delivered</option>
            <option value="abandoned">Abandoned</option>
          </select>
        </Field>
      </div>
      {!status && query.isSuccess && rows.length === 0 ? (
        <HowToConfigure configured />
      ) : (
        <QueryState
          query={query}
          what="deliveries"
          empty={rows.length === 0}
          emptyHint="None with this status."
        />
      )}
      {rows.length > 0 && (
        <table className="w-full text-sm">
          <ColumnHeads
            className="hidden md:table-header-group"
            names={['Event', 'Room', 'Status', 'Attempts', 'Last error', 'When', '']}
          />
          <tbody>
            {rows.map((d) => {
              const time = when(d);
              return (
                <tr
                  key={d.id}
                  data-delivery={d.id}
                  data-status={d.status}
                  className="block border-t border-slate-100 py-2 align-top md:table-row md:py-0 dark:border-slate-800"
                >
                  <Cell label="Event">
                    <span className="font-medium">{d.type}</span>
                    <div className="font-mono text-[11px] break-all text-slate-400">
                      {d.messageId}
                    </div>
                  </Cell>
                  <Cell label="Room" className="break-all">
                    {d.room.id}{' '}
                    <span className="text-xs text-slate-500 dark:text-slate-400">
                      ({roomKindLabel[d.room.kind] ?? d.room.kind})
                    </span>
                  </Cell>
                  <Cell label="Status">
                    <Badge tone={statusTone[d.status]}>{d.status}</Badge>
                  </Cell>
                  <Cell label="Attempts">{d.attempts}</Cell>
                  <Cell label="Last error" className="max-w-xs text-xs break-words">
                    {d.lastError ?? <span className="text-slate-400">—</span>}
                  </Cell>
                  <Cell label="When" className="text-xs whitespace-nowrap">
                    <span title={time.title}>{time.text}</span>
                  </Cell>
                  <td className="block pt-1 md:table-cell md:py-2 md:text-right md:whitespace-nowrap">
                    {d.status === 'abandoned' && (
                      <ConfirmButton
                        label="Send again"
                        tone="primary"
                        srLabel={`${d.type} of ${d.room.id}`}
                        title={`Send ${d.type} again?`}
                        description={`Delivers ${d.messageId} to ${d.endpoint} again, with the same webhook-id so the receiver can tell it has seen it.`}
                        onConfirm={() => sendAgain(d)}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
