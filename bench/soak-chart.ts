import { num } from './report.js';

export interface SoakSample {
  seconds: number;
  rssBytes: number;
  p50Ms: number;
  p99Ms: number;
}

const W = 800;
const H = 360;
const PAD = { left: 64, right: 64, top: 40, bottom: 44 };
const RSS_COLOR = '#1f6feb';
const P99_COLOR = '#d1242f';
/** The issue's soak goals, drawn dashed: RSS within 400 MB, relay p99 ≤ 20 ms. */
const RSS_GOAL_MB = 400;
const P99_GOAL_MS = 20;

/** A round axis maximum at or above `value` (1, 2 or 5 times a power of ten). */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}

/**
 * The soak as an SVG line chart, no dependency: server RSS (MB, left axis) and relay p99 (ms,
 * right axis) per sample over time. Samples without a latency (nothing relayed) are skipped.
 */
export function soakChart(
  samples: SoakSample[],
  options: { peers: number; minutes: number },
): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const xMax = Math.max(1, ...samples.map((s) => s.seconds));
  const rssMax = niceMax(Math.max(RSS_GOAL_MB, ...samples.map((s) => s.rssBytes / 1e6)));
  const p99s = samples.map((s) => s.p99Ms).filter(Number.isFinite);
  const p99Max = niceMax(Math.max(P99_GOAL_MS, ...p99s));
  const x = (seconds: number) => PAD.left + (seconds / xMax) * plotW;
  const y = (value: number, max: number) => PAD.top + plotH - (value / max) * plotH;
  const line = (points: [number, number][], color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points
      .map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`)
      .join(' ')}"/>`;
  const rss = samples.map((s): [number, number] => [x(s.seconds), y(s.rssBytes / 1e6, rssMax)]);
  const p99 = samples
    .filter((s) => Number.isFinite(s.p99Ms))
    .map((s): [number, number] => [x(s.seconds), y(s.p99Ms, p99Max)]);
  const goal = (py: number, color: string, label: string, anchor: 'start' | 'end') =>
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py}" y2="${py}" stroke="${color}" stroke-dasharray="6 4" opacity="0.6"/>` +
    `<text x="${anchor === 'start' ? PAD.left + 4 : W - PAD.right - 4}" y="${py - 4}" text-anchor="${anchor}" fill="${color}">${label}</text>`;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const grid = ticks
    .map((t) => {
      const py = PAD.top + plotH - t * plotH;
      return [
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py}" y2="${py}" stroke="#ddd"/>`,
        `<text x="${PAD.left - 6}" y="${py + 4}" text-anchor="end" fill="${RSS_COLOR}">${num(t * rssMax)}</text>`,
        `<text x="${W - PAD.right + 6}" y="${py + 4}" fill="${P99_COLOR}">${num(t * p99Max, p99Max < 10 ? 1 : 0)}</text>`,
        `<text x="${PAD.left + t * plotW}" y="${H - PAD.bottom + 18}" text-anchor="middle">${num((t * xMax) / 60, 1)}</text>`,
      ].join('');
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">Soak: ${num(options.peers)} Socket.IO peers, ${options.minutes} min: server RSS and relay p99</text>
${grid}
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">minutes</text>
<text x="16" y="${PAD.top + plotH / 2}" fill="${RSS_COLOR}" transform="rotate(-90 16 ${PAD.top + plotH / 2})" text-anchor="middle">RSS (MB)</text>
<text x="${W - 14}" y="${PAD.top + plotH / 2}" fill="${P99_COLOR}" transform="rotate(90 ${W - 14} ${PAD.top + plotH / 2})" text-anchor="middle">relay p99 (ms)</text>
${goal(y(RSS_GOAL_MB, rssMax), RSS_COLOR, `goal ${RSS_GOAL_MB} MB`, 'start')}
${goal(y(P99_GOAL_MS, p99Max), P99_COLOR, `goal p99 ${P99_GOAL_MS} ms`, 'end')}
${line(rss, RSS_COLOR)}
${line(p99, P99_COLOR)}
</svg>
`;
}
