import type {
  ChatMessage,
  FileProgress,
  ReceivedFile,
  SinyalClient,
} from '../../client/src/index.js';
import { h, icon } from './dom.js';
import { icons } from './icons.js';

const time = (iso: string) =>
  new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

const size = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1048576
      ? `${(bytes / 1024).toFixed(0)} KB`
      : `${(bytes / 1048576).toFixed(1)} MB`;

/** Side panel: chat over the data channels, file send with progress, received files. */
export class ChatPanel {
  readonly el: HTMLElement;
  private readonly list = h('ol', {
    class: 'messages',
    'aria-live': 'polite',
    'aria-label': 'Messages',
  });
  private readonly input = h('input', {
    type: 'text',
    name: 'message',
    placeholder: 'Message everyone',
    autocomplete: 'off',
    maxlength: 4000,
    'aria-label': 'Message',
  });
  /** A file's line; `sent` holds the bytes per peer (a send goes to each peer separately). */
  private readonly transfers = new Map<
    string,
    { bar: HTMLProgressElement; label: HTMLElement; sent: Map<string, number> }
  >();
  unread = 0;
  onUnread: (count: number) => void = () => undefined;
  onToggle: (open: boolean) => void = () => undefined;

  constructor(private readonly client: SinyalClient) {
    const fileInput = h('input', {
      type: 'file',
      class: 'visually-hidden',
      id: 'file-input',
      tabindex: -1,
    });
    fileInput.addEventListener('change', () => {
      const file = fileInput.files?.[0];
      fileInput.value = '';
      if (file) void this.send(file);
    });
    const form = h(
      'form',
      { class: 'composer' },
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'aria-label': 'Send a file',
          title: 'Send a file',
          onclick: () => fileInput.click(),
        },
        icon(icons.paperclip),
      ),
      fileInput,
      this.input,
      h(
        'button',
        {
          type: 'submit',
          class: 'icon-button primary',
          'aria-label': 'Send message',
          title: 'Send',
        },
        icon(icons.send),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = '';
      try {
        client.sendChat(text);
      } catch (error) {
        this.notice((error as Error).message);
      }
    });
    this.el = h(
      'aside',
      { class: 'panel', id: 'chat-panel', 'aria-label': 'Chat', hidden: true },
      h(
        'header',
        {},
        h('h2', {}, 'Chat'),
        h(
          'button',
          {
            type: 'button',
            class: 'icon-button',
            'aria-label': 'Close chat',
            onclick: () => this.toggle(false),
          },
          icon(icons.close),
        ),
      ),
      this.list,
      h(
        'p',
        { class: 'hint' },
        'Messages and files go straight to the others, not through the server.',
      ),
      form,
    );
    client.on('chat', (message) => this.message(message));
    client.on('file-progress', (progress) => this.progress(progress));
    client.on('file', (file) => this.received(file));
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  toggle(open = !this.open): void {
    this.el.hidden = !open;
    document.body.classList.toggle('chat-open', open);
    this.onToggle(open);
    if (open) {
      this.unread = 0;
      this.onUnread(0);
      this.input.focus();
    }
  }

  private async send(file: File): Promise<void> {
    if (!this.client.peers.size) return this.notice('Nobody to send to yet.');
    try {
      await this.client.sendFile(file);
    } catch (error) {
      this.notice(`Could not send ${file.name}: ${(error as Error).message}`);
    }
  }

  private message(message: ChatMessage): void {
    const mine = message.from === this.client.id;
    this.append(
      h(
        'li',
        { class: mine ? 'mine' : '' },
        h(
          'div',
          { class: 'meta' },
          h('strong', {}, mine ? 'You' : message.name),
          h('time', { datetime: message.timestamp }, time(message.timestamp)),
        ),
        h('p', {}, ...linkify(message.text)),
      ),
    );
    this.bump();
  }

  /** One line per file: a send to several people shows their combined progress. */
  private progress(p: FileProgress): void {
    const sending = p.direction === 'send';
    const key = sending ? `${p.transferId}:send` : `${p.transferId}:${p.peerId}:receive`;
    let entry = this.transfers.get(key);
    if (!entry) {
      const bar = h('progress', { max: p.size || 1, value: 0 });
      const label = h(
        'span',
        {},
        sending ? `Sending ${p.name}` : `Receiving ${p.name} from ${this.nameOf(p.peerId)}`,
      );
      entry = { bar, label, sent: new Map() };
      this.transfers.set(key, entry);
      this.append(h('li', { class: 'transfer' }, icon(icons.file), h('div', {}, label, bar)));
    }
    entry.sent.set(p.peerId, p.bytes);
    const total = p.size * entry.sent.size;
    const done = [...entry.sent.values()].reduce((sum, bytes) => sum + bytes, 0);
    entry.bar.max = total || 1;
    entry.bar.value = done;
    entry.bar.setAttribute('aria-valuetext', `${size(done)} of ${size(total)}`);
    if (sending && done >= total) {
      const n = entry.sent.size;
      entry.label.textContent = `Sent ${p.name} (${size(p.size)}) to ${n === 1 ? this.nameOf(p.peerId) : `${n} people`}`;
    }
  }

  private nameOf(peerId: string): string {
    return this.client.participants.get(peerId)?.user.name ?? 'someone who left';
  }

  private received(file: ReceivedFile): void {
    const entry = this.transfers.get(`${file.transferId}:${file.peerId}:receive`);
    const url = URL.createObjectURL(file.blob);
    const link = h('a', { href: url, download: file.name }, `${file.name} (${size(file.size)})`);
    const status = file.intact ? 'verified' : 'damaged: checksum mismatch';
    const line = h('span', { class: file.intact ? 'ok' : 'bad' }, ` · ${status}`);
    const from = ` from ${this.nameOf(file.peerId)}`;
    if (entry) entry.label.replaceChildren('Received ', link, from, line);
    else
      this.append(
        h(
          'li',
          { class: 'transfer' },
          icon(icons.file),
          h('div', {}, 'Received ', link, from, line),
        ),
      );
    this.bump();
  }

  private notice(text: string): void {
    this.append(h('li', { class: 'notice' }, text));
  }

  private append(item: HTMLElement): void {
    this.list.append(item);
    this.list.scrollTop = this.list.scrollHeight;
  }

  private bump(): void {
    if (this.open) return;
    this.unread++;
    this.onUnread(this.unread);
  }
}

/**
 * Message text with its http(s) links as anchors: built as DOM nodes, never as HTML, and only
 * for URLs that parse as http or https, opened in a new tab without a referrer or opener.
 */
export function linkify(text: string): Array<string | HTMLAnchorElement> {
  const parts: Array<string | HTMLAnchorElement> = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'"]/g)) {
    let url: URL | undefined;
    try {
      url = new URL(match[0]);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    parts.push(text.slice(last, match.index));
    const attrs = { href: url.href, target: '_blank', rel: 'noopener noreferrer nofollow' };
    parts.push(h('a', attrs, match[0]));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts.filter((part) => part !== '');
}
