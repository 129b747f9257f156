import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Button, Card, Field, inputClass } from '../components/ui';
import { api } from '../lib/api';
import type { Room } from '../lib/types';

/** The body sent: `{ message, from: 'admin' }`, or the operator's own JSON object. */
function payload(text: string, raw: boolean): Record<string, unknown> | string {
  if (!raw) return text.trim() ? { message: text.trim(), from: 'admin' } : 'Write a message.';
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    return 'The payload must be a JSON object, like {"message": "hi"}.';
  } catch (error) {
    return `Not valid JSON: ${(error as Error).message}`;
  }
}

export function BroadcastPage() {
  const [target, setTarget] = useState<'everyone' | 'room'>('everyone');
  const [roomId, setRoomId] = useState('');
  const [text, setText] = useState('');
  const [raw, setRaw] = useState(false);
  const [problem, setProblem] = useState<string>();
  const rooms = useQuery({
    queryKey: ['rooms'],
    queryFn: () => api<{ rooms: Room[] }>('/api/admin/rooms'),
  });
  const send = useMutation({
    mutationFn: (body: Record<string, unknown>) => {
      const query = target === 'room' ? `?roomId=${encodeURIComponent(roomId.trim())}` : '';
      return api<{ recipients: number }>(`/api/broadcast${query}`, { method: 'POST', json: body });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = payload(text, raw);
    const error =
      typeof body === 'string'
        ? body
        : target === 'room' && !roomId.trim()
          ? 'Choose the room to send to.'
          : undefined;
    setProblem(error);
    if (!error) send.mutate(body as Record<string, unknown>);
  };
  const videoRooms = (rooms.data?.rooms ?? []).filter((r) => r.kind === 'mesh');
  return (
    <Card className="max-w-2xl">
      <form onSubmit={submit} className="flex flex-col gap-4">
        <fieldset className="flex flex-col gap-2">
          <legend className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-300">
            Send to
          </legend>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="radio"
              name="target"
              checked={target === 'everyone'}
              onChange={() => setTarget('everyone')}
              className="accent-indigo-600"
            />
            Everyone connected, every transport and node
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="radio"
              name="target"
              checked={target === 'room'}
              onChange={() => setTarget('room')}
              className="accent-indigo-600"
            />
            One video room
          </label>
        </fieldset>
        {target === 'room' && (
          <Field
            label="Room id"
            htmlFor="broadcast-room"
            hint={videoRooms.length ? undefined : 'No video room has participants right now.'}
          >
            <input
              id="broadcast-room"
              list="broadcast-rooms"
              className={inputClass}
              value={roomId}
              onChange={(e) => setRoomId(e.target.value)}
            />
            <datalist id="broadcast-rooms">
              {videoRooms.map((r) => (
                <option key={r.roomId} value={r.roomId}>
                  {r.members.length} participants
                </option>
              ))}
            </datalist>
          </Field>
        )}
        <Field
          label={raw ? 'Payload (JSON object)' : 'Message'}
          htmlFor="broadcast-text"
          hint={
            raw
              ? 'Sent as is as the data of the `broadcast` event.'
              : 'Clients get the event `broadcast` with { message, from: "admin" }.'
          }
        >
          <textarea
            id="broadcast-text"
            rows={4}
            className={`${inputClass} ${raw ? 'font-mono' : ''}`}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </Field>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={raw}
            onChange={(e) => setRaw(e.target.checked)}
            className="size-4 accent-indigo-600"
          />
          Send a JSON object instead
        </label>
        {(problem ?? send.error?.message) && (
          <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
            {problem ?? send.error?.message}
          </p>
        )}
        {send.isSuccess && !problem && (
          <p role="status" className="text-sm text-emerald-600 dark:text-emerald-400">
            Sent to {send.data.recipients} connection{send.data.recipients === 1 ? '' : 's'}.
          </p>
        )}
        <div>
          <Button tone="primary" type="submit" disabled={send.isPending}>
            Broadcast
          </Button>
        </div>
      </form>
    </Card>
  );
}
