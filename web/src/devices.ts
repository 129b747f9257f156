import type { SinyalClient } from '../../client/src/index.js';
import { h } from './dom.js';

/** What the pre-join screen and the Devices dialog remember for the next call (this browser). */
export interface MediaPrefs {
  muted: boolean;
  videoOff: boolean;
  audioinput?: string;
  videoinput?: string;
  audiooutput?: string;
}

const KEY = 'sinyal-media';

export function loadPrefs(): MediaPrefs {
  try {
    return { muted: false, videoOff: false, ...JSON.parse(localStorage.getItem(KEY) ?? '{}') };
  } catch {
    return { muted: false, videoOff: false };
  }
}

export function savePrefs(change: Partial<MediaPrefs>): void {
  localStorage.setItem(KEY, JSON.stringify({ ...loadPrefs(), ...change }));
}

/** Speakers can be chosen where media elements have `setSinkId` (Chromium, Firefox; not Safari). */
export const canChooseSpeaker = 'setSinkId' in HTMLMediaElement.prototype;

type SinkElement = HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };

/** Plays `el` on the chosen speakers (a no-op without `setSinkId` or a choice). */
export function applySpeaker(el: HTMLMediaElement, id = loadPrefs().audiooutput): void {
  if (id === undefined) return;
  void (el as SinkElement).setSinkId?.(id).catch(() => undefined);
}

/**
 * Applies the remembered mute and camera-off choices, then opens the remembered camera and
 * microphone through the SDK (camera off keeps the camera closed). Falls back to audio only,
 * then to none; resolves to a note for the person when it had to.
 */
export async function openMedia(client: SinyalClient): Promise<string | undefined> {
  const prefs = loadPrefs();
  await client.setMuted(prefs.muted);
  await client.setVideoOff(prefs.videoOff);
  const exact = (id?: string) => (id ? { deviceId: { exact: id } } : true);
  const attempts: Array<[MediaStreamConstraints, string | undefined]> = [
    [{ audio: exact(prefs.audioinput), video: exact(prefs.videoinput) }, undefined],
    // A remembered device that is gone: the default ones.
    [{ audio: true, video: true }, undefined],
    [{ audio: true, video: false }, 'No camera available: joined with audio only.'],
  ];
  for (const [constraints, note] of attempts) {
    try {
      await client.startMedia(constraints);
      return note;
    } catch {
      // try the next, humbler set
    }
  }
  return 'No camera or microphone available: joined to watch only.';
}

const KIND_LABEL = { videoinput: 'Camera', audioinput: 'Microphone', audiooutput: 'Speakers' };

/**
 * Camera, microphone and (where supported) speaker choosers. A change switches the device in
 * the SDK (`replaceTrack` on every peer in a call) and is remembered for the next call.
 */
export async function deviceChoosers(
  client: SinyalClient,
  onError: (message: string) => void,
): Promise<HTMLElement[]> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  const prefs = loadPrefs();
  const kinds = ['videoinput', 'audioinput'] as Array<keyof typeof KIND_LABEL>;
  if (canChooseSpeaker) kinds.push('audiooutput');
  return kinds.flatMap((kind) => {
    const list = devices.filter((d) => d.kind === kind && d.deviceId);
    if (list.length === 0) return [];
    const id = `select-${kind}`;
    const el = h('select', { id, name: kind });
    const track = kind === 'videoinput' ? client.media.camera : client.media.microphone;
    const active = (kind !== 'audiooutput' && track?.getSettings().deviceId) || prefs[kind];
    list.forEach((d, i) => {
      const option = h('option', { value: d.deviceId }, d.label || `${KIND_LABEL[kind]} ${i + 1}`);
      option.selected = d.deviceId === active;
      el.append(option);
    });
    el.addEventListener('change', () => {
      savePrefs({ [kind]: el.value });
      if (kind === 'audiooutput') {
        document
          .querySelectorAll('video, audio')
          .forEach((m) => applySpeaker(m as HTMLMediaElement));
        return;
      }
      client
        .switchDevice(kind === 'audioinput' ? 'audio' : 'video', el.value)
        .catch((error: Error) => onError(`Could not switch: ${error.message}`));
    });
    return [h('label', { for: id }, h('span', {}, KIND_LABEL[kind]), el)];
  });
}
