import type { Participant, PeerStatsSummary } from '../../client/src/index.js';
import { applySpeaker } from './devices.js';
import { h, icon, initials } from './dom.js';
import { icons } from './icons.js';
import { fitGrid } from './layout.js';
import { SpeakingWatch } from './speaking.js';

interface Tile {
  el: HTMLElement;
  video: HTMLVideoElement;
  name: HTMLElement;
  quality: HTMLElement;
  state: HTMLElement;
  pin: HTMLButtonElement;
}

const QUALITY_LABEL = {
  good: 'Good connection',
  fair: 'Fair connection',
  poor: 'Poor connection',
  unknown: 'Connecting',
};
const STATE_LABEL: Partial<Record<RTCPeerConnectionState, string>> = {
  new: 'Connecting…',
  connecting: 'Connecting…',
  disconnected: 'Reconnecting…',
  failed: 'Connection lost, retrying…',
};

/**
 * The participant tiles: video, name, mute/camera-off badges, connection quality, a speaking
 * outline, pin and full-screen buttons. A grid that fills the stage, or, while someone presents
 * or a tile is pinned, that tile in the spotlight and the others in a strip beside (below, on a
 * phone) it.
 */
export class TileGrid {
  private readonly spot = h('div', { class: 'spot' });
  private readonly strip = h('div', { class: 'strip' });
  readonly el = h(
    'section',
    { class: 'grid', 'aria-label': 'Participants', 'data-layout': 'grid' },
    this.spot,
    this.strip,
  );
  private readonly tiles = new Map<string, Tile>();
  /** The tile the person pinned; else a remote presenter takes the spotlight. */
  private pinned?: string;
  private readonly fit = fitGrid(this.strip);
  private readonly speaking = new SpeakingWatch((id, on) => {
    const tile = this.tiles.get(id);
    // A participant who says they are muted is never shown speaking: what still plays is the
    // tail of their audio from before the mute.
    if (tile) tile.el.dataset.speaking = String(on && tile.el.dataset.muted !== 'true');
  });

  /** Adds or refreshes a tile; `self` marks your own preview (mirrored, silent). */
  upsert(id: string, info: { name: string; self?: boolean; stream?: MediaStream }): Tile {
    let tile = this.tiles.get(id);
    if (!tile) {
      const video = h('video', { autoplay: true, playsinline: true, muted: info.self });
      video.muted = Boolean(info.self);
      if (!info.self) applySpeaker(video);
      const name = h('span', { class: 'name' });
      const quality = h('span', { class: 'quality', 'data-quality': 'unknown', role: 'img' });
      quality.append(h('i'), h('i'), h('i'));
      const state = h('span', { class: 'state' });
      const pin = h('button', {
        type: 'button',
        class: 'tile-button pin',
        'aria-pressed': 'false',
      });
      pin.append(icon(icons.pin));
      pin.addEventListener('click', () => this.togglePin(id));
      const full = h(
        'button',
        { type: 'button', class: 'tile-button fullscreen', title: 'Full screen' },
        icon(icons.fullscreen),
      );
      const el = h(
        'figure',
        { class: info.self ? 'tile self' : 'tile', 'data-peer-id': id, tabindex: 0 },
        video,
        h('div', { class: 'avatar', 'aria-hidden': 'true' }),
        state,
        h('div', { class: 'tile-actions' }, pin, full),
        h(
          'figcaption',
          {},
          h('span', { class: 'badge muted', title: 'Microphone off' }, icon(icons.micOff)),
          name,
          h('span', { class: 'badge sharing' }, 'Presenting'),
          quality,
        ),
      );
      full.hidden = !document.fullscreenEnabled; // e.g. iPhone Safari: no element full screen
      full.addEventListener('click', () => void toggleFullscreen(el));
      el.addEventListener('dblclick', (event) => {
        if (!(event.target as Element).closest('button')) this.togglePin(id);
      });
      tile = { el, video, name, quality, state, pin };
      this.tiles.set(id, tile);
      this.strip.append(el);
    }
    tile.name.textContent = info.self ? `${info.name} (you)` : info.name;
    (tile.el.querySelector('.avatar') as HTMLElement).textContent = initials(info.name);
    if (info.stream && tile.video.srcObject !== info.stream) {
      tile.video.srcObject = info.stream;
      void tile.video.play().catch(() => undefined);
    }
    // The stream gains its audio track later (a `track` event upserts again).
    this.speaking.watch(id, (tile.video.srcObject as MediaStream | null)?.getAudioTracks()[0]);
    this.describe(id);
    this.layout(); // also labels the pin button with the name
    return tile;
  }

  /** Mirrors a participant's media state onto its tile (`data-*` drive the CSS badges). */
  setState(
    id: string,
    state: Pick<Participant, 'isMuted' | 'isVideoOff' | 'isSharingScreen'>,
  ): void {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.el.dataset.muted = String(state.isMuted);
    if (state.isMuted) tile.el.dataset.speaking = 'false';
    tile.el.dataset.videoOff = String(state.isVideoOff);
    const sharing = String(state.isSharingScreen);
    if (tile.el.dataset.sharing !== sharing) {
      tile.el.dataset.sharing = sharing;
      this.layout();
    }
    this.describe(id);
  }

  setConnection(id: string, state: RTCPeerConnectionState): void {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.el.dataset.connection = state;
    tile.state.textContent = STATE_LABEL[state] ?? '';
  }

  setStats(stats: PeerStatsSummary): void {
    const tile = this.tiles.get(stats.peerId);
    if (!tile) return;
    tile.quality.dataset.quality = stats.quality;
    const rtt = stats.rttMs === undefined ? '' : `, ${stats.rttMs} ms round trip`;
    const label = `${QUALITY_LABEL[stats.quality]}${rtt}, ${stats.packetLossPercent}% loss`;
    tile.quality.setAttribute('aria-label', label);
    tile.quality.title = `${label}, ${stats.inboundKbps} kbit/s in`;
  }

  remove(id: string): void {
    this.tiles.get(id)?.el.remove();
    this.tiles.delete(id);
    this.speaking.forget(id);
    if (this.pinned === id) this.pinned = undefined;
    this.layout();
  }

  clear(): void {
    for (const id of [...this.tiles.keys()]) this.remove(id);
    this.fit.stop();
    this.speaking.stop();
  }

  get size(): number {
    return this.tiles.size;
  }

  /** Pins `id` to the spotlight, or unpins it when it is the pinned one. */
  togglePin(id: string): void {
    this.pinned = this.pinned === id ? undefined : id;
    this.layout();
  }

  /** The spotlit tile: the pinned one, else the latest remote presenter (not your own screen). */
  private spotlight(): string | undefined {
    if (this.pinned && this.tiles.has(this.pinned)) return this.pinned;
    const presenters = [...this.tiles].filter(
      ([, t]) => t.el.dataset.sharing === 'true' && !t.el.classList.contains('self'),
    );
    return presenters.at(-1)?.[0];
  }

  /** Puts the spotlit tile (if any) in the spotlight and every other tile, in order, in the strip. */
  private layout(): void {
    const spot = this.spotlight();
    let next: Element | null = null;
    for (const [id, tile] of [...this.tiles].reverse()) {
      const parent = id === spot ? this.spot : this.strip;
      if (
        tile.el.parentElement !== parent ||
        (parent === this.strip && tile.el.nextElementSibling !== next)
      ) {
        parent.insertBefore(tile.el, parent === this.strip ? next : null);
        // A moved video keeps playing in Chromium; this covers browsers that pause it.
        void tile.video.play().catch(() => undefined);
      }
      if (parent === this.strip) next = tile.el;
      const pinned = id === this.pinned;
      tile.pin.setAttribute('aria-pressed', String(pinned));
      tile.pin.title = pinned ? 'Unpin' : 'Pin to the spotlight';
      tile.pin.setAttribute('aria-label', `${pinned ? 'Unpin' : 'Pin'} ${tile.name.textContent}`);
      tile.el.classList.toggle('spotlit', id === spot);
    }
    this.el.dataset.layout = spot ? 'spotlight' : 'grid';
    this.el.dataset.count = String(this.tiles.size);
    this.fit.refit();
  }

  private describe(id: string): void {
    const tile = this.tiles.get(id);
    if (!tile) return;
    const parts = [tile.name.textContent ?? ''];
    if (tile.el.dataset.muted === 'true') parts.push('microphone off');
    if (tile.el.dataset.videoOff === 'true') parts.push('camera off');
    if (tile.el.dataset.sharing === 'true') parts.push('presenting');
    tile.el.setAttribute('aria-label', parts.join(', '));
  }
}

/** Full screen for one tile (the Fullscreen API), or back when it already is. */
async function toggleFullscreen(el: HTMLElement): Promise<void> {
  if (document.fullscreenElement === el) await document.exitFullscreen();
  else await el.requestFullscreen().catch(() => undefined);
}
