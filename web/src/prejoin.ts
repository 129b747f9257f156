import { AudioLevelMeter, type SinyalClient } from '../../client/src/index.js';
import { deviceChoosers, openMedia, savePrefs } from './devices.js';
import { h, icon, initials, toggle } from './dom.js';
import { icons } from './icons.js';

export interface PrejoinOptions {
  room: string;
  name: string;
  error?: string;
  /** Called once with the typed room and name; the client holds the chosen media. */
  onJoin: (room: string, name: string, mediaNote: string | undefined) => void;
}

/**
 * The pre-join screen: camera preview, microphone level, join muted / camera off, device
 * choice, name and room. The preview is the SDK's own local media, so every choice made here
 * is what the call starts with.
 */
export function prejoinScreen(client: SinyalClient, options: PrejoinOptions): HTMLElement {
  const video = h('video', { autoplay: true, playsinline: true, muted: true, id: 'preview' });
  video.muted = true;
  const avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' });
  const bar = h('span', { class: 'level-bar' });
  const level = h(
    'div',
    {
      class: 'level',
      id: 'mic-level',
      role: 'meter',
      'aria-label': 'Microphone level',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': 0,
    },
    icon(icons.mic),
    h('span', { class: 'level-track' }, bar),
  );
  const mic = toggle({
    id: 'prejoin-mic',
    on: ['Mic on', icons.mic],
    off: ['Mic off', icons.micOff],
    onclick: () => void client.setMuted(!client.media.isMuted),
  });
  const cam = toggle({
    id: 'prejoin-camera',
    on: ['Camera on', icons.camera],
    off: ['Camera off', icons.cameraOff],
    onclick: () => {
      client.setVideoOff(!client.media.isVideoOff).catch((e: Error) => note(e.message));
    },
  });
  const preview = h(
    'div',
    { class: 'preview tile self' },
    video,
    avatar,
    level,
    h('div', { class: 'preview-controls' }, mic.el, cam.el),
  );

  const name = h('input', {
    id: 'name',
    name: 'name',
    required: true,
    maxlength: 60,
    autocomplete: 'nickname',
    placeholder: 'Ada Lovelace',
    value: options.name,
  });
  const room = h('input', {
    id: 'room',
    name: 'room',
    required: true,
    maxlength: 100,
    // What the server accepts: any name without spaces, up to 100 characters here.
    pattern: '\\S+',
    title: 'Any name without spaces, up to 100 characters',
    value: options.room,
  });
  const devices = h('div', { class: 'devices' });
  // Why the last join failed stays in view: notes about devices go in their own line.
  const status = h('p', { class: 'error', role: 'alert' }, options.error ?? '');
  const noteLine = h('p', { class: 'note', role: 'status' });
  const note = (text: string) => (noteLine.textContent = text);
  const join = h('button', { type: 'submit', class: 'primary-button', id: 'join' }, 'Join call');
  const form = h(
    'form',
    { class: 'join-card prejoin', 'aria-labelledby': 'join-title' },
    h('div', { class: 'prejoin-media' }, preview, devices),
    h(
      'div',
      { class: 'prejoin-form' },
      h(
        'div',
        { class: 'brand big' },
        h('span', { class: 'logo', 'aria-hidden': 'true' }),
        h('span', {}, 'sinyal'),
      ),
      h('h1', { id: 'join-title' }, 'Ready to join?'),
      h(
        'p',
        { class: 'lede' },
        'Check your camera and microphone. Nothing is sent until you join.',
      ),
      h('label', { for: 'name' }, h('span', {}, 'Your name'), name),
      h('label', { for: 'room' }, h('span', {}, 'Room'), room),
      status,
      noteLine,
      join,
    ),
  );

  let meter: AudioLevelMeter | undefined;
  let meterTrack: MediaStreamTrack | undefined;
  let frame = 0;
  /** Meters the current microphone (a device switch brings a new track). */
  const watchMic = () => {
    const track = client.media.microphone;
    if (track === meterTrack) return;
    meterTrack = track;
    meter?.stop();
    meter = track ? new AudioLevelMeter(track) : undefined;
    level.hidden = !meter;
  };
  const draw = () => {
    const value = Math.round((meter?.level ?? 0) * 100);
    bar.style.transform = `scaleX(${value / 100})`;
    level.setAttribute('aria-valuenow', String(value));
    frame = requestAnimationFrame(draw);
  };
  const show = () => {
    const m = client.media;
    mic.set(!m.isMuted);
    cam.set(!m.isVideoOff);
    preview.dataset.muted = String(m.isMuted);
    preview.dataset.videoOff = String(m.isVideoOff || !m.camera);
    savePrefs({ muted: m.isMuted, videoOff: m.isVideoOff });
  };
  const offMedia = client.on('local-media', show);
  // Setting srcObject reloads the element: only once, a device switch swaps the stream's tracks.
  const play = () => {
    if (video.srcObject !== client.media.stream) video.srcObject = client.media.stream;
  };
  const offStream = client.on('local-stream', () => {
    play();
    watchMic();
    show();
  });
  const cleanup = () => {
    offMedia();
    offStream();
    cancelAnimationFrame(frame);
    meter?.stop();
  };
  // Opened at once, so the preview shows before the name is typed; Join waits for it.
  const ready = openMedia(client).then(async (mediaNote) => {
    play();
    watchMic();
    show();
    if (mediaNote) note(mediaNote.replace('joined', 'you will join'));
    devices.replaceChildren(...(await deviceChoosers(client, note).catch(() => [])));
    return mediaNote;
  });
  draw();

  const refresh = () => (avatar.textContent = initials(name.value));
  name.addEventListener('input', refresh);
  refresh();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    join.disabled = true;
    join.textContent = 'Joining…';
    void ready.then((mediaNote) => {
      cleanup();
      options.onJoin(room.value.trim(), name.value.trim(), mediaNote);
    });
  });
  queueMicrotask(() => (name.value ? join : name).focus());
  return h('div', { class: 'join' }, form);
}
