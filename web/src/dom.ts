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
