/** Where one tile sits in the grid (1-based lines, as CSS `grid-column` / `grid-row`). */
export interface Cell {
  col: number;
  colSpan: number;
  row: number;
  rowSpan: number;
}

export interface GridPlan {
  /** Grid tracks: `units` equal columns, `rows` equal rows. */
  units: number;
  rows: number;
  cells: Cell[];
}

/**
 * The grid for `n` tiles in a `width` × `height` stage. Every layout of `cols` columns is tried
 * two ways when the last row is short: its tiles stretched across it, or the missing cells
 * filled by tiles that span two rows. A tile's worth is its area times the square of the share
 * of a video (16:9 on a wide stage, square on a tall phone) that `object-fit: cover` keeps, so
 * a thin band that crops faces loses to a tall tile; the plan whose worst tile is best wins.
 */
export function planGrid(n: number, width: number, height: number, gap = 12): GridPlan {
  const count = Math.max(1, n);
  const aspect = width >= height ? 16 / 9 : 1;
  const worth = (cols: number, span: number, rows: number, rowSpan: number, units: number) => {
    const w = ((width - gap * (units - 1)) / units) * span + gap * (span - 1);
    const h = ((height - gap * (rows - 1)) / rows) * rowSpan + gap * (rowSpan - 1);
    const kept = Math.min(w / h / aspect, (h * aspect) / w);
    return w * h * kept * kept;
  };
  let best: { plan: GridPlan; score: number } | undefined;
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    for (const plan of [stretched(count, cols, rows), tall(count, cols, rows)]) {
      if (!plan) continue;
      const score = Math.min(
        ...plan.cells.map((c) => worth(cols, c.colSpan, rows, c.rowSpan, plan.units)),
      );
      if (!best || score > best.score) best = { plan, score };
    }
  }
  return best!.plan;
}

/** Full rows of `cols`; the `k` tiles of a short last row share its width. */
function stretched(n: number, cols: number, rows: number): GridPlan {
  const k = n - cols * (rows - 1);
  const units = k === cols ? cols : cols * k; // both `cols` and `k` tiles divide it evenly
  const cells = Array.from({ length: n }, (_, i) => {
    const row = Math.floor(i / cols);
    const last = row === rows - 1;
    const span = last ? units / k : units / cols;
    const col = (last ? i - cols * row : i % cols) * span + 1;
    return { col, colSpan: span, row: row + 1, rowSpan: 1 };
  });
  return { units, rows, cells };
}

/** Full rows of `cols`, except that the last `e` columns of the last two rows hold one tall tile. */
function tall(n: number, cols: number, rows: number): GridPlan | undefined {
  const e = cols * rows - n;
  if (e === 0 || rows < 2) return undefined;
  const cells: Cell[] = [];
  for (let i = 0; i < cols * (rows - 2); i++) {
    cells.push({ col: (i % cols) + 1, colSpan: 1, row: Math.floor(i / cols) + 1, rowSpan: 1 });
  }
  for (let col = 1; col <= cols; col++) {
    cells.push({ col, colSpan: 1, row: rows - 1, rowSpan: col > cols - e ? 2 : 1 });
  }
  for (let col = 1; col <= cols - e; col++) cells.push({ col, colSpan: 1, row: rows, rowSpan: 1 });
  return { units: cols, rows, cells };
}

/** Keeps the children of `el` placed by `planGrid` for its size (`refit` after a change). */
export function fitGrid(el: HTMLElement): { refit(): void; stop(): void } {
  const refit = () => {
    const { width, height } = el.getBoundingClientRect();
    const tiles = [...el.children] as HTMLElement[];
    if (width === 0 || height === 0 || tiles.length === 0) return;
    const { units, rows, cells } = planGrid(tiles.length, width, height);
    el.style.setProperty('--cols', String(units));
    el.style.setProperty('--rows', String(rows));
    tiles.forEach((tile, i) => {
      const c = cells[i]!;
      tile.style.gridColumn = `${c.col} / span ${c.colSpan}`;
      tile.style.gridRow = `${c.row} / span ${c.rowSpan}`;
    });
  };
  const observer = new ResizeObserver(refit);
  observer.observe(el);
  return { refit, stop: () => observer.disconnect() };
}
