import type { Participant, PeerStatsSummary } from '../../client/src/index.js';
import { h, icon, initials } from './dom.js';
import { icons } from './icons.js';

interface Tile {
  el: HTMLElement;
  video: HTMLVideoElement;
  name: HTMLElement;
  quality: HTMLElement;
  state: HTMLElement;
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

/** The grid of participant tiles: video, name, mute/camera-off badges, connection quality. */
export class TileGrid {
  readonly el = h('section', { class: 'grid', 'aria-label': 'Participants' });
  private readonly tiles = new Map<string, Tile>();

  /** Adds or refreshes a tile; `self` marks your own preview (mirrored, silent). */
  upsert(id: string, info: { name: string; self?: boolean; stream?: MediaStream }): Tile {
    let tile = this.tiles.get(id);
    if (!tile) {
      const video = h('video', { autoplay: true, playsinline: true, muted: info.self });
      video.muted = Boolean(info.self);
      const name = h('span', { class: 'name' });
      const quality = h('span', { class: 'quality', 'data-quality': 'unknown', role: 'img' });
      quality.append(h('i'), h('i'), h('i'));
      const state = h('span', { class: 'state' });
      const el = h(
        'figure',
        { class: info.self ? 'tile self' : 'tile', 'data-peer-id': id, tabindex: 0 },
        video,
        h('div', { class: 'avatar', 'aria-hidden': 'true' }),
        state,
        h(
          'figcaption',
          {},
          h('span', { class: 'badge muted', title: 'Microphone off' }, icon(icons.micOff)),
          name,
          h('span', { class: 'badge sharing' }, 'Presenting'),
          quality,
        ),
      );
      tile = { el, video, name, quality, state };
      this.tiles.set(id, tile);
      this.el.append(el);
      this.layout();
    }
    tile.name.textContent = info.self ? `${info.name} (you)` : info.name;
    (tile.el.querySelector('.avatar') as HTMLElement).textContent = initials(info.name);
    if (info.stream && tile.video.srcObject !== info.stream) {
      tile.video.srcObject = info.stream;
      void tile.video.play().catch(() => undefined);
    }
    this.describe(id);
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
    tile.el.dataset.videoOff = String(state.isVideoOff);
    tile.el.dataset.sharing = String(state.isSharingScreen);
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
    this.layout();
  }

  clear(): void {
    for (const id of [...this.tiles.keys()]) this.remove(id);
  }

  get size(): number {
    return this.tiles.size;
  }

  /** Columns that keep tiles large: 1, 2, 2, 2, 3… (the CSS narrows it on phones). */
  private layout(): void {
    const n = Math.max(1, this.tiles.size);
    const cols = n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
    this.el.style.setProperty('--cols', String(cols));
    this.el.style.setProperty('--rows', String(Math.ceil(n / cols)));
    this.el.dataset.count = String(n);
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
