import type { ClientEvents, SinyalClient } from '../../client/src/index.js';
import { ChatPanel } from './chat-panel.js';
import { deviceChoosers } from './devices.js';
import { h, icon, toggle } from './dom.js';
import { icons } from './icons.js';
import { broadcastBanner, shortcutsDialog } from './notices.js';
import { TileGrid } from './tiles.js';

/** The in-call screen: header, participant grid, control bar, chat and device settings. */
export class CallView {
  readonly el: HTMLElement;
  private readonly grid = new TileGrid();
  private readonly chat: ChatPanel;
  private readonly status = h('span', { class: 'status', role: 'status' }, 'Connected');
  private readonly count = h('span', { class: 'count', id: 'participant-count' });
  /** Banners (broadcasts, media notes) in a row of their own, capped so the stage keeps its room. */
  private readonly notices = h('div', { class: 'notices', id: 'notices' });
  private readonly settings: HTMLDialogElement;
  private readonly removeKeys: () => void;

  constructor(
    private readonly client: SinyalClient,
    private readonly roomId: string,
    private readonly name: string,
    onLeave: () => void,
  ) {
    this.chat = new ChatPanel(client);
    const mic = toggle({
      id: 'toggle-mic',
      on: ['Mute', icons.mic],
      off: ['Unmute', icons.micOff],
      shortcut: 'M',
      onclick: () => void client.setMuted(!client.media.isMuted),
    });
    const cam = toggle({
      id: 'toggle-camera',
      on: ['Stop video', icons.camera],
      off: ['Start video', icons.cameraOff],
      shortcut: 'V',
      onclick: () => void client.setVideoOff(!client.media.isVideoOff),
    });
    const share = h(
      'button',
      { type: 'button', class: 'control', id: 'toggle-share', title: 'Share your screen' },
      icon(icons.screen),
      h('span', {}, 'Share screen'),
    );
    // Phones have no getDisplayMedia: no button rather than one that always fails.
    share.hidden = !navigator.mediaDevices?.getDisplayMedia;
    share.addEventListener('click', () => {
      const action = client.media.isSharingScreen
        ? client.stopScreenShare()
        : client.startScreenShare();
      action.catch((error: Error) => this.flash(`Screen share: ${error.message}`));
    });
    const chatBadge = h('span', { class: 'unread', hidden: true });
    const chatButton = h(
      'button',
      {
        type: 'button',
        class: 'control',
        id: 'toggle-chat',
        'aria-controls': 'chat-panel',
        title: 'Chat (C)',
        'aria-keyshortcuts': 'C',
      },
      icon(icons.chat),
      h('span', {}, 'Chat'),
      chatBadge,
    );
    chatButton.addEventListener('click', () => this.chat.toggle());
    chatButton.setAttribute('aria-expanded', 'false');
    this.chat.onToggle = (open) => {
      chatButton.setAttribute('aria-expanded', String(open));
      chatButton.classList.toggle('active', open);
    };
    this.chat.onUnread = (n) => {
      chatBadge.hidden = n === 0;
      chatBadge.textContent = String(n);
      chatButton.setAttribute('aria-label', n ? `Chat, ${n} unread` : 'Chat');
    };
    this.settings = this.buildSettings();
    const shortcuts = shortcutsDialog();
    const settingsButton = h(
      'button',
      {
        type: 'button',
        class: 'control',
        id: 'open-settings',
        title: 'Camera, microphone and speakers',
      },
      icon(icons.settings),
      h('span', {}, 'Devices'),
    );
    settingsButton.addEventListener('click', () => void this.openSettings());
    const leave = h(
      'button',
      { type: 'button', class: 'control danger', id: 'leave', title: 'Leave the call' },
      icon(icons.leave),
      h('span', {}, 'Leave'),
    );
    leave.addEventListener('click', onLeave);

    const invite = h(
      'button',
      { type: 'button', class: 'ghost', id: 'copy-link', 'aria-label': 'Copy invite link' },
      icon(icons.link),
      h('span', {}, 'Copy invite link'),
    );
    invite.addEventListener('click', () => {
      const url = new URL(location.href);
      url.search = new URLSearchParams({ room: roomId }).toString();
      navigator.clipboard?.writeText(url.toString()).then(
        () => this.flash('Invite link copied'),
        () => this.flash(url.toString()),
      );
    });

    this.el = h(
      'div',
      { class: 'call' },
      h(
        'header',
        { class: 'topbar' },
        h(
          'div',
          { class: 'brand' },
          h('span', { class: 'logo', 'aria-hidden': 'true' }),
          h('h1', {}, roomId),
        ),
        this.count,
        this.status,
        invite,
      ),
      this.notices,
      h('div', { class: 'stage' }, this.grid.el, this.chat.el),
      h(
        'nav',
        { class: 'controls', 'aria-label': 'Call controls' },
        mic.el,
        cam.el,
        share,
        settingsButton,
        chatButton,
        leave,
      ),
      this.settings,
      shortcuts,
    );

    const showLocal = (m: ClientEvents['local-media']) => {
      mic.set(!m.isMuted);
      cam.set(!m.isVideoOff);
      share.classList.toggle('active', m.isSharingScreen);
      share.setAttribute('aria-pressed', String(m.isSharingScreen));
      share.querySelector('span')!.textContent = m.isSharingScreen
        ? 'Stop sharing'
        : 'Share screen';
      this.grid.setState('self', m);
    };
    client.on('local-media', showLocal);
    client.on('local-stream', ({ stream }) =>
      this.grid.upsert('self', { name, self: true, stream }),
    );
    client.on('participant-joined', (p) => this.showParticipant(p.id));
    client.on('participant-updated', (p) => this.showParticipant(p.id));
    client.on('track', ({ peerId }) => this.showParticipant(peerId));
    client.on('participant-left', ({ id }) => {
      this.grid.remove(id);
      this.updateCount();
    });
    client.on('connection-state', ({ peerId, state }) => this.grid.setConnection(peerId, state));
    client.on('stats', (all) => all.forEach((s) => this.grid.setStats(s)));
    // A signaling drop changes only this label: the calls, their tiles and media go on.
    client.on('signaling-state', ({ state }) => {
      this.el.dataset.signaling = state;
      if (state === 'reconnecting') this.setStatus('Reconnecting…', 'warn');
      else if (state === 'connected') this.setStatus('Connected', 'ok');
    });
    client.on('broadcast', (data) => this.showNotice(broadcastBanner(data)));

    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && this.chat.open) {
        this.chat.toggle(false);
        chatButton.focus();
        return;
      }
      const target = event.target as HTMLElement;
      if (
        event.ctrlKey ||
        event.metaKey ||
        event.altKey ||
        target.closest('input, textarea, select, dialog')
      )
        return;
      if (event.key === '?') {
        event.preventDefault();
        if (shortcuts.open) shortcuts.close();
        else shortcuts.showModal();
        return;
      }
      const key = event.key.toLowerCase();
      const action =
        key === 'm' ? mic.el : key === 'v' ? cam.el : key === 'c' ? chatButton : undefined;
      if (action) {
        event.preventDefault(); // or the letter lands in the chat box that just took focus
        action.click();
      }
    };
    document.addEventListener('keydown', onKey);
    this.removeKeys = () => document.removeEventListener('keydown', onKey);

    this.grid.upsert('self', { name, self: true, stream: client.media.stream });
    showLocal(client.media); // joined muted or with the camera off: the buttons say so
    for (const id of client.participants.keys()) this.showParticipant(id);
    this.updateCount();
  }

  /** Shows a banner above the stage, newest first. */
  showNotice(banner: HTMLElement): void {
    this.notices.prepend(banner);
  }

  destroy(): void {
    this.removeKeys();
    this.grid.clear();
    document.body.classList.remove('chat-open');
  }

  private showParticipant(id: string): void {
    const p = this.client.participants.get(id);
    if (!p) return;
    this.grid.upsert(id, { name: p.user.name, stream: p.stream });
    this.grid.setState(id, p);
    this.grid.setConnection(id, p.connectionState);
    this.updateCount();
  }

  private updateCount(): void {
    const n = this.client.participants.size + 1;
    const label = n === 1 ? 'Only you' : `${n} people`;
    // A phone shows the icon and the number only (CSS), so the count never leaves the bar.
    this.count.replaceChildren(
      icon(icons.people),
      h('span', { class: 'count-number' }, String(n)),
      h('span', { class: 'count-label' }, label),
    );
    this.count.title = label;
  }

  private setStatus(text: string, tone: 'ok' | 'warn'): void {
    this.status.textContent = text;
    this.status.dataset.tone = tone;
  }

  private flash(text: string): void {
    const toast = h('div', { class: 'toast', role: 'status' }, text);
    document.body.append(toast);
    setTimeout(() => toast.remove(), 3500);
  }

  private buildSettings(): HTMLDialogElement {
    const dialog = h('dialog', { class: 'settings', 'aria-labelledby': 'settings-title' });
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog.close();
    });
    return dialog;
  }

  private async openSettings(): Promise<void> {
    const close = h('button', { type: 'button', class: 'primary-button', autofocus: true }, 'Done');
    close.addEventListener('click', () => this.settings.close());
    this.settings.replaceChildren(
      h('h2', { id: 'settings-title' }, 'Camera, microphone and speakers'),
      ...(await deviceChoosers(this.client, (message) => this.flash(message))),
      h('div', { class: 'dialog-actions' }, close),
    );
    this.settings.showModal();
  }
}
