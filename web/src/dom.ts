type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** Creates an element: `h('button', { class: 'x', onclick: fn }, 'Label')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Node | string | undefined>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children) if (child !== undefined) el.append(child);
  return el;
}

/** An inline SVG icon from a path list (24×24 grid, stroked). */
export function icon(paths: string): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  svg.innerHTML = paths;
  return svg;
}

export function initials(name: string): string {
  // First letters of the first and last words ("Bob Lee" → "BL", "Ada" → "A"), by code point.
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = (word: string | undefined) => (word ? [...word][0]! : '');
  const letters = first(words[0]) + (words.length > 1 ? first(words.at(-1)) : '');
  return letters.toUpperCase() || '?';
}

export interface ToggleButton {
  el: HTMLButtonElement;
  set(on: boolean): void;
}

/** A control-bar button with an icon, a visible label and maybe a shortcut; pressed = off. */
export function toggle(opts: {
  id: string;
  on: [string, string];
  off: [string, string];
  shortcut?: string;
  onclick: () => void;
}): ToggleButton {
  const el = h('button', { type: 'button', class: 'control', id: opts.id, onclick: opts.onclick });
  const set = (on: boolean) => {
    const [label, path] = on ? opts.on : opts.off;
    el.replaceChildren(icon(path), h('span', {}, label));
    el.setAttribute('aria-pressed', String(!on));
    el.classList.toggle('off', !on);
    el.title = opts.shortcut ? `${label} (${opts.shortcut})` : label;
    if (opts.shortcut) el.setAttribute('aria-keyshortcuts', opts.shortcut);
  };
  set(true);
  return { el, set };
}
