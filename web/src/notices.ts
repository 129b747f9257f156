import { h } from './dom.js';

const SHORTCUTS: Array<[string, string]> = [
  ['M', 'Mute or unmute the microphone'],
  ['V', 'Turn the camera off or on'],
  ['C', 'Open or close the chat'],
  ['Esc', 'Close the chat or this list'],
  ['?', 'Show this list'],
];

/** The `?` list of keyboard shortcuts, as a modal dialog. */
export function shortcutsDialog(): HTMLDialogElement {
  const close = h('button', { type: 'button', class: 'primary-button' }, 'Close');
  const dialog = h(
    'dialog',
    { class: 'shortcuts', id: 'shortcuts', 'aria-labelledby': 'shortcuts-title' },
    h('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'),
    h(
      'dl',
      {},
      ...SHORTCUTS.flatMap(([key, what]) => [h('dt', {}, h('kbd', {}, key)), h('dd', {}, what)]),
    ),
    close,
  );
  close.addEventListener('click', () => dialog.close());
  return dialog;
}

/** The text of an admin broadcast: its `message` (or `text`), else the JSON itself. */
export function broadcastText(data: unknown): string {
  if (typeof data === 'string') return data;
  const record = (data ?? {}) as Record<string, unknown>;
  for (const key of ['message', 'text', 'notice']) {
    if (typeof record[key] === 'string') return record[key];
  }
  return JSON.stringify(data);
}

/** A dismissable banner with an admin's message to everyone. */
export function broadcastBanner(data: unknown): HTMLElement {
  const dismiss = h('button', { type: 'button', class: 'ghost', 'aria-label': 'Dismiss' }, '✕');
  const banner = h(
    'div',
    { class: 'banner broadcast', role: 'alert' },
    // One paragraph, so on a phone the text flows on under the label instead of a thin column.
    h('p', {}, h('strong', {}, 'Message from the host: '), broadcastText(data)),
    dismiss,
  );
  dismiss.addEventListener('click', () => banner.remove());
  return banner;
}
