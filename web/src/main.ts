import { ConnectError, SinyalClient } from '../../client/src/index.js';
import { CallView } from './call-view.js';
import { openMedia } from './devices.js';
import { h } from './dom.js';
import { prejoinScreen } from './prejoin.js';

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

/** A client for this tab: the invite's token on a JWT server, else the per-tab user id. */
function newClient(): SinyalClient {
  // A server with JWT auth: the invite link carries the token in its fragment (#token=…),
  // which browsers never send; the SDK hands it over in the Socket.IO auth payload.
  const client = new SinyalClient(
    fragmentToken ? { token: fragmentToken } : { userId: tabUserId() },
  );
  window.sinyal = client;
  return client;
}

function joinScreen(prefill: { room?: string; name?: string; error?: string } = {}): void {
  const client = newClient();
  app.replaceChildren(
    prejoinScreen(client, {
      room: prefill.room ?? randomRoom(),
      name: prefill.name ?? localStorage.getItem('sinyal-name') ?? '',
      error: prefill.error,
      onJoin: (roomId, name, note) => void startCall(client, roomId, name, note),
    }),
  );
}

/** Joins straight away (a `?room=&name=` link, Rejoin) with the remembered media choices. */
async function quickJoin(roomId: string, name: string): Promise<void> {
  const client = newClient();
  await startCall(client, roomId, name, await openMedia(client));
}

async function startCall(
  client: SinyalClient,
  roomId: string,
  name: string,
  mediaNote: string | undefined,
): Promise<void> {
  localStorage.setItem('sinyal-name', name);
  history.replaceState(null, '', `/?${new URLSearchParams({ room: roomId })}`);
  app.replaceChildren(
    h('div', { class: 'join' }, h('p', { class: 'loading', role: 'status' }, `Joining ${roomId}…`)),
  );
  client.name = name;
  // The SDK recovers from most of these by itself; the console is where a developer looks.
  client.on('error', ({ message }) => console.warn(`sinyal: ${message}`));
  try {
    await client.connect();
    await client.joinRoom(roomId);
  } catch (error) {
    client.close();
    joinScreen({ room: roomId, name, error: whyRefused(error as Error) });
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
  if (mediaNote) view.showNotice(h('p', { class: 'banner', role: 'status' }, mediaNote));
}

/** Why a join failed, in the words of someone who opened a link (the SDK's code says which). */
function whyRefused(error: Error): string {
  if (error instanceof ConnectError && error.code === 'unauthorized') {
    return fragmentToken
      ? `Your invite link was not accepted: ${error.message}.`
      : `This server admits only people with an invite link (${error.message}): open the link you were given.`;
  }
  return `Could not join: ${error.message}`;
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
  again.addEventListener('click', () => void quickJoin(roomId, name));
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
if (room && name) void quickJoin(room, name);
else joinScreen({ room: room || undefined });
