import { SinyalClient } from '../../client/src/index.js';
import { CallView } from './call-view.js';
import { h } from './dom.js';

declare global {
  interface Window {
    /** The live SDK instance (for the console and the end-to-end tests). */
    sinyal?: SinyalClient;
  }
}

const app = document.getElementById('app')!;

/** A per-tab id, kept across reloads so a reconnect is recognised as the same person. */
function tabUserId(): string {
  const key = 'sinyal-user-id';
  let id = sessionStorage.getItem(key);
  if (!id) {
    id = `user-${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
    sessionStorage.setItem(key, id);
  }
  return id;
}

const randomRoom = () =>
  `room-${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36).slice(0, 6)}`;

function joinScreen(prefill: { room?: string; name?: string; error?: string } = {}): void {
  const name = h('input', {
    id: 'name',
    name: 'name',
    required: true,
    maxlength: 60,
    autocomplete: 'nickname',
    placeholder: 'Ada Lovelace',
    value: prefill.name ?? localStorage.getItem('sinyal-name') ?? '',
  });
  const room = h('input', {
    id: 'room',
    name: 'room',
    required: true,
    maxlength: 100,
    // What the server accepts: any name without spaces, up to 100 characters here.
    pattern: '\\S+',
    title: 'Any name without spaces, up to 100 characters',
    value: prefill.room ?? randomRoom(),
  });
  const form = h(
    'form',
    { class: 'join-card', 'aria-labelledby': 'join-title' },
    h(
      'div',
      { class: 'brand big' },
      h('span', { class: 'logo', 'aria-hidden': 'true' }),
      h('span', {}, 'sinyal'),
    ),
    h('h1', { id: 'join-title' }, 'Join a video call'),
    h(
      'p',
      { class: 'lede' },
      'Peer-to-peer video, audio, chat and files. Share the room name to invite others.',
    ),
    h('label', { for: 'name' }, h('span', {}, 'Your name'), name),
    h('label', { for: 'room' }, h('span', {}, 'Room'), room),
    prefill.error ? h('p', { class: 'error', role: 'alert' }, prefill.error) : undefined,
    h('button', { type: 'submit', class: 'primary-button', id: 'join' }, 'Join call'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void startCall(room.value.trim(), name.value.trim());
  });
  app.replaceChildren(h('div', { class: 'join' }, form));
  (prefill.room ? name : name.value ? room : name).focus();
}

async function startCall(roomId: string, name: string): Promise<void> {
  localStorage.setItem('sinyal-name', name);
  history.replaceState(null, '', `/?${new URLSearchParams({ room: roomId })}`);
  app.replaceChildren(
    h('div', { class: 'join' }, h('p', { class: 'loading', role: 'status' }, `Joining ${roomId}…`)),
  );
  // A server with JWT auth: the invite link carries the token in its fragment (#token=…),
  // which browsers never send; the SDK hands it over in the Socket.IO auth payload.
  const client = new SinyalClient(
    fragmentToken ? { name, token: fragmentToken } : { name, userId: tabUserId() },
  );
  window.sinyal = client;
  let mediaNote: string | undefined;
  try {
    await client.startMedia();
  } catch {
    // No camera (or permission denied): join to watch and listen, say so.
    try {
      await client.startMedia({ audio: true, video: false });
      mediaNote = 'No camera available: joined with audio only.';
    } catch {
      mediaNote = 'No camera or microphone available: joined to watch only.';
    }
  }
  try {
    await client.connect();
    await client.joinRoom(roomId);
  } catch (error) {
    client.close();
    joinScreen({ room: roomId, name, error: `Could not join: ${(error as Error).message}` });
    return;
  }
  const view = new CallView(client, roomId, name, () => {
    view.destroy();
    client.close();
    leftScreen(roomId, name);
  });
  client.on('kicked', ({ reason }) => {
    view.destroy();
    removedScreen(roomId, name, reason);
  });
  client.on('room-full', ({ message }) => {
    view.destroy();
    client.close();
    joinScreen({ room: roomId, name, error: message });
  });
  app.replaceChildren(view.el);
  if (mediaNote) view.el.prepend(h('p', { class: 'banner', role: 'status' }, mediaNote));
}

/** After an admin's kick: say so, and do not rejoin unless the person asks to. */
function removedScreen(roomId: string, name: string, reason: string): void {
  const home = h('button', { type: 'button', class: 'ghost' }, 'Back to start');
  home.addEventListener('click', () => joinScreen({ name }));
  app.replaceChildren(
    h(
      'div',
      { class: 'join' },
      h(
        'div',
        { class: 'join-card removed', role: 'alert' },
        h('h1', {}, 'You were removed from the call'),
        h('p', { class: 'lede' }, `Room ${roomId}: ${reason}.`),
        home,
      ),
    ),
  );
  home.focus();
}

function leftScreen(roomId: string, name: string): void {
  const again = h('button', { type: 'button', class: 'primary-button' }, 'Rejoin');
  again.addEventListener('click', () => void startCall(roomId, name));
  const home = h('button', { type: 'button', class: 'ghost' }, 'Back to start');
  home.addEventListener('click', () => joinScreen({ name }));
  app.replaceChildren(
    h(
      'div',
      { class: 'join' },
      h(
        'div',
        { class: 'join-card' },
        h('h1', {}, 'You left the call'),
        h('p', { class: 'lede' }, `Room ${roomId}`),
        again,
        home,
      ),
    ),
  );
  again.focus();
}

const fragment = new URLSearchParams(location.hash.slice(1));
const fragmentToken = fragment.get('token') ?? undefined;
const params = new URLSearchParams(location.search);
const room = params.get('room')?.trim();
const name = params.get('name')?.trim();
if (room && name) void startCall(room, name);
else joinScreen({ room: room || undefined });
