// A small horizontal bar chart in SVG: one or two series (before → after), names on the left
// (they fit a phone), values at the bar ends, and a text tooltip (<title>) on every bar.
import { useRef } from 'preact/hooks';
import type { Ref } from 'preact';

export interface Bar {
  label: string;
  values: (number | null)[];
}
export interface Series {
  name: string;
  color: string;
}

const ROW = 22;
const GAP = 8;
const LABEL_W = 150;
const LABEL_CHARS = 18; // what fits LABEL_W at 12 px, capitals included
const VALUE_W = 64;
const WIDTH = 560;

export function BarChart({
  title,
  series,
  bars,
  format,
  svgRef,
}: {
  title: string;
  series: Series[];
  bars: Bar[];
  format: (value: number) => string;
  svgRef?: Ref<SVGSVGElement>;
}) {
  const own = useRef<SVGSVGElement>(null);
  const max = Math.max(1, ...bars.flatMap((b) => b.values.map((v) => Math.abs(v ?? 0))));
  const band = series.length * ROW + GAP;
  const legend = series.length > 1 ? 24 : 0;
  const height = legend + bars.length * band + 4;
  const plot = WIDTH - LABEL_W - VALUE_W;
  const titleId = `chart-${title.replace(/\W+/g, '-')}`;
  return (
    <svg
      ref={svgRef ?? own}
      class="chart"
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-labelledby={titleId}
      font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
      font-size="12"
    >
      <title id={titleId}>{title}</title>
      {series.length > 1 &&
        series.map((s, i) => (
          <g key={s.name} transform={`translate(${LABEL_W + i * 180}, 4)`}>
            <rect width="12" height="12" fill={s.color} />
            <text x="18" y="11" fill="#1b1b1b">
              {s.name}
            </text>
          </g>
        ))}
      {bars.map((bar, i) => {
        const y0 = legend + i * band;
        return (
          <g key={`${bar.label}-${i}`}>
            <text
              x={LABEL_W - 6}
              y={y0 + (series.length * ROW) / 2 + 4}
              text-anchor="end"
              fill="#1b1b1b"
            >
              {bar.label.length > LABEL_CHARS
                ? `${bar.label.slice(0, LABEL_CHARS - 1)}…`
                : bar.label}
            </text>
            {bar.values.map((value, j) => {
              const w = value === null ? 0 : Math.max(1, (Math.abs(value) / max) * plot);
              const s = series[j]!;
              const text = value === null ? '—' : format(value);
              return (
                <g key={j}>
                  <rect x={LABEL_W} y={y0 + j * ROW + 2} width={w} height={ROW - 4} fill={s.color}>
                    <title>{`${bar.label} — ${s.name}: ${text}`}</title>
                  </rect>
                  <text x={LABEL_W + w + 4} y={y0 + j * ROW + ROW / 2 + 4} fill="#1b1b1b">
                    {text}
                  </text>
                </g>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}
