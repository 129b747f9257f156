import type { Sample } from '../lib/types';

const WIDTH = 600;
const HEIGHT = 140;
const MAX_SPAN = 15 * 60 * 1000;
const MIN_SPAN = 60 * 1000;

interface Series {
  label: string;
  value: (s: Sample) => number;
  /** Tailwind classes written out in full, so the build finds them: stroke and legend swatch. */
  stroke: string;
  swatch: string;
}

/** A small SVG line chart of the last 15 minutes; the figures are also given as text. */
export function LineChart({
  title,
  samples,
  series,
}: {
  title: string;
  samples: Sample[];
  series: Series[];
}) {
  const end = samples.at(-1)?.t ?? Date.now();
  // Up to 15 minutes; a server that started a moment ago fills the width with what it has.
  const span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, end - (samples[0]?.t ?? end)));
  const start = end - span;
  const visible = samples.filter((s) => s.t >= start);
  const max = Math.max(1, ...visible.flatMap((s) => series.map((line) => line.value(s))));
  const top = niceCeil(max);
  const x = (t: number) => ((t - start) / span) * WIDTH;
  const y = (v: number) => HEIGHT - (v / top) * (HEIGHT - 8);
  const latest = visible.at(-1);
  const summary = series
    .map(
      (line) =>
        `${line.label} ${latest ? line.value(latest) : 0}, peak ${Math.max(0, ...visible.map(line.value))}`,
    )
    .join('; ');
  return (
    <figure className="flex flex-col gap-2">
      <figcaption className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <span className="font-semibold">{title}</span>
        <span className="flex gap-3 text-xs text-slate-500 dark:text-slate-400">
          {series.map((line) => (
            <span key={line.label} className="flex items-center gap-1">
              <span aria-hidden className={`inline-block h-0.5 w-3 ${line.swatch}`} />
              {line.label}
            </span>
          ))}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        className="h-32 w-full overflow-visible"
        role="img"
        aria-label={`${title}, last ${Math.round(span / 60_000)} minutes: ${summary}`}
      >
        {[0.25, 0.5, 0.75, 1].map((f) => (
          <line
            key={f}
            x1={0}
            x2={WIDTH}
            y1={y(top * f)}
            y2={y(top * f)}
            className="stroke-slate-200 dark:stroke-slate-800"
            strokeWidth={1}
            vectorEffect="non-scaling-stroke"
          />
        ))}
        {series.map((line) =>
          visible.length > 1 ? (
            <polyline
              key={line.label}
              fill="none"
              className={line.stroke}
              strokeWidth={2}
              vectorEffect="non-scaling-stroke"
              strokeLinejoin="round"
              points={visible
                .map((s) => `${x(s.t).toFixed(1)},${y(line.value(s)).toFixed(1)}`)
                .join(' ')}
            />
          ) : null,
        )}
      </svg>
      <div className="flex justify-between text-[11px] text-slate-400">
        <span>{Math.round(span / 60_000)} min ago</span>
        <span>max {top}</span>
        <span>now</span>
      </div>
    </figure>
  );
}

function niceCeil(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}
