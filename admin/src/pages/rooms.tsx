import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ConfirmButton } from '../components/confirm';
import { Badge, Button, Card, Field, QueryState, inputClass } from '../components/ui';
import { api } from '../lib/api';
import { roomKindLabel, since } from '../lib/format';
import type { Member, Room } from '../lib/types';

const MIN_CAPACITY = 2;
const MAX_CAPACITY = 1000;

/** The same bounds as the API's `maxParticipants` (2 to 1000, whole number). */
function capacityError(value: string): string | undefined {
  const n = Number(value);
  if (!value.trim() || !Number.isInteger(n)) return 'Capacity must be a whole number.';
  if (n < MIN_CAPACITY || n > MAX_CAPACITY) {
    return `Capacity must be between ${MIN_CAPACITY} and ${MAX_CAPACITY}.`;
  }
  return undefined;
}

function useRefreshRooms() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['rooms'] });
}

function CreateRoom() {
  const refresh = useRefreshRooms();
  const [roomId, setRoomId] = useState('');
  const [name, setName] = useState('');
  const [capacity, setCapacity] = useState('8');
  const [error, setError] = useState<string>();
  const create = useMutation({
    mutationFn: () =>
      api('/api/video/rooms', {
        method: 'POST',
        json: {
          ...(roomId.trim() ? { roomId: roomId.trim() } : {}),
          name: name.trim(),
          hostId: 'admin',
          maxParticipants: Number(capacity),
        },
      }),
    onSuccess: async () => {
      setRoomId('');
      setName('');
      await refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = !name.trim() ? 'Give the room a name.' : capacityError(capacity);
    setError(problem);
    if (!problem) create.mutate();
  };
  return (
    <Card title="New persistent room">
      <form
        noValidate
        onSubmit={submit}
        className="grid gap-3 sm:grid-cols-[1fr_1fr_8rem_auto] sm:items-end"
      >
        <Field label="Room id (optional)" htmlFor="new-room-id">
          <input
            id="new-room-id"
            className={inputClass}
            value={roomId}
            onChange={(e) => setRoomId(e.target.value)}
            placeholder="generated if empty"
          />
        </Field>
        <Field label="Name" htmlFor="new-room-name">
          <input
            id="new-room-name"
            className={inputClass}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field label="Capacity" htmlFor="new-room-capacity">
          <input
            id="new-room-capacity"
            type="number"
            min={MIN_CAPACITY}
            max={MAX_CAPACITY}
            className={inputClass}
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
          />
        </Field>
        <Button tone="primary" type="submit" disabled={create.isPending}>
          Create room
        </Button>
      </form>
      {(error ?? create.error?.message) && (
        <p role="alert" className="mt-2 text-sm text-rose-600 dark:text-rose-400">
          {error ?? create.error?.message}
        </p>
      )}
    </Card>
  );
}

function CapacityEditor({ room }: { room: Room }) {
  const refresh = useRefreshRooms();
  const [value, setValue] = useState(String(room.maxParticipants ?? ''));
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const id = `capacity-${room.roomId}`;
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const problem = capacityError(value);
    setError(problem);
    setSaved(false);
    if (problem) return;
    try {
      await api(`/api/video/rooms/${encodeURIComponent(room.roomId)}`, {
        method: 'PATCH',
        json: { maxParticipants: Number(value) },
      });
      setSaved(true);
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <form noValidate onSubmit={save} className="flex flex-wrap items-end gap-2">
      <Field label="Capacity" htmlFor={id} error={error} className="w-28">
        <input
          id={id}
          type="number"
          min={MIN_CAPACITY}
          max={MAX_CAPACITY}
          className={inputClass}
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      </Field>
      <Button type="submit" small className="mb-1">
        Save<span className="sr-only"> capacity of {room.roomId}</span>
      </Button>
      {saved && (
        <span role="status" className="mb-1.5 text-xs text-emerald-600 dark:text-emerald-400">
          Saved
        </span>
      )}
    </form>
  );
}

function MediaBadges({ member }: { member: Member }) {
  return (
    <span className="flex flex-wrap gap-1">
      <Badge tone={member.isMuted ? 'amber' : 'green'}>{member.isMuted ? 'Muted' : 'Mic on'}</Badge>
      <Badge tone={member.isVideoOff ? 'amber' : 'green'}>
        {member.isVideoOff ? 'Camera off' : 'Camera on'}
      </Badge>
      {member.isSharingScreen && <Badge tone="indigo">Sharing screen</Badge>}
    </span>
  );
}

function RoomCard({ room }: { room: Room }) {
  const refresh = useRefreshRooms();
  const remove = async (member: Member) => {
    await api(
      `/api/admin/rooms/${room.kind}/${encodeURIComponent(room.roomId)}/participants/${encodeURIComponent(member.peerId)}`,
      { method: 'DELETE' },
    );
    await refresh();
  };
  const deleteRoom = async () => {
    await api(`/api/video/rooms/${encodeURIComponent(room.roomId)}`, { method: 'DELETE' });
    await refresh();
  };
  const full = room.maxParticipants !== null && room.members.length >= room.maxParticipants;
  return (
    <Card
      title={
        <span className="flex flex-wrap items-center gap-2">
          <span className="font-mono">{room.roomId}</span>
          {room.name && <span className="font-normal text-slate-500">{room.name}</span>}
          <Badge>{roomKindLabel[room.kind]}</Badge>
          {room.persistent && <Badge tone="indigo">Persistent</Badge>}
          {full && <Badge tone="amber">Full</Badge>}
        </span>
      }
      actions={
        room.persistent && (
          <ConfirmButton
            label="Delete"
            srLabel={`room ${room.roomId}`}
            title={`Delete room ${room.roomId}?`}
            description="The room stops being persistent: its capacity goes back to the default. People in it stay connected."
            onConfirm={deleteRoom}
          />
        )
      }
    >
      <div className="mb-3 flex flex-wrap items-end gap-4 text-sm">
        <span className="text-slate-600 dark:text-slate-300">
          {room.members.length}
          {room.maxParticipants !== null ? ` / ${room.maxParticipants}` : ''} participants
        </span>
        {room.persistent && <CapacityEditor room={room} />}
      </div>
      {room.members.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">Nobody is in this room.</p>
      ) : (
        <ul className="divide-y divide-slate-100 dark:divide-slate-800">
          {room.members.map((member) => (
            <li
              key={member.peerId}
              className="flex flex-wrap items-center justify-between gap-2 py-2"
            >
              <span className="min-w-0">
                <span className="font-medium">{member.user.name}</span>{' '}
                <span className="text-xs text-slate-500">
                  {member.userId} · node {member.nodeId} · joined {since(member.joinedAt)}
                </span>
              </span>
              <span className="flex flex-wrap items-center gap-2">
                {room.kind === 'mesh' && <MediaBadges member={member} />}
                <ConfirmButton
                  label="Remove"
                  srLabel={member.user.name}
                  title={`Remove ${member.user.name} from ${room.roomId}?`}
                  description="The others are told it left; its connection stays open."
                  onConfirm={() => remove(member)}
                />
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function RoomsPage() {
  const query = useQuery({
    queryKey: ['rooms'],
    queryFn: () => api<{ rooms: Room[] }>('/api/admin/rooms'),
  });
  const rooms = [...(query.data?.rooms ?? [])].sort(
    (a, b) => b.members.length - a.members.length || a.roomId.localeCompare(b.roomId),
  );
  return (
    <div className="flex flex-col gap-4">
      <CreateRoom />
      <QueryState
        query={query}
        what="rooms"
        empty={rooms.length === 0}
        emptyHint="Rooms appear when someone joins one, or when you create a persistent room above."
      />
      {rooms.map((room) => (
        <RoomCard key={`${room.kind}:${room.roomId}`} room={room} />
      ))}
    </div>
  );
}
