/**
 * Grid geometry: how many columns make the largest tiles for `n` participants in a stage of
 * `width` × `height`: the layout whose smallest tile shows the most of a video of the target
 * shape (16:9 on a wide stage, square on a tall phone), so two people sit side by side on a
 * laptop and stacked on a phone. The last row's tiles stretch to fill it (CSS).
 */
export function bestGrid(
  n: number,
  width: number,
  height: number,
  gap = 12,
): { cols: number; rows: number } {
  const count = Math.max(1, n);
  const aspect = width >= height ? 16 / 9 : 1;
  let best = { cols: 1, rows: count, score: -1 };
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    const h = (height - gap * (rows - 1)) / rows;
    // The worst-served tile decides: a stretched last row must not win by one huge tile.
    let score = Infinity;
    for (const inRow of [cols, count - cols * (rows - 1)]) {
      const w = (width - gap * (inRow - 1)) / inRow;
      score = Math.min(score, Math.min(w, h * aspect) * Math.min(h, w / aspect));
    }
    if (score > best.score) best = { cols, rows, score };
  }
  return { cols: best.cols, rows: best.rows };
}

/** Keeps `--cols` and `--rows` of `el` right for its size and `count()` participants. */
export function fitGrid(el: HTMLElement, count: () => number): { refit(): void; stop(): void } {
  const refit = () => {
    const { width, height } = el.getBoundingClientRect();
    if (width === 0 || height === 0) return;
    const { cols, rows } = bestGrid(count(), width, height);
    el.style.setProperty('--cols', String(cols));
    el.style.setProperty('--rows', String(rows));
  };
  const observer = new ResizeObserver(refit);
  observer.observe(el);
  return { refit, stop: () => observer.disconnect() };
}
