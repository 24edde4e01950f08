// Choropleth classes. Sequential blues for counts and shares; a diverging scale for changes
// (blue = fewer, red = more), centred on zero. Colours checked for colour-blind readers
// (ColorBrewer Blues and RdBu).
export const NO_DATA = '#d9d9d9';
const BLUES = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'];
const DIVERGING = ['#2166ac', '#67a9cf', '#f7f7f7', '#ef8a62', '#b2182b'];

export interface Scale {
  color: (value: number | null | undefined) => string;
  /** Legend entries, lowest first: colour and the range it stands for. */
  legend: { color: string; from: number; to: number }[];
}

/** Five classes at the quantiles of the values (empty classes dropped). */
export function sequential(values: number[]): Scale {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return { color: () => NO_DATA, legend: [] };
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const breaks = [...new Set([at(0.2), at(0.4), at(0.6), at(0.8)])].filter(
    (b) => b < sorted[sorted.length - 1]!,
  );
  const edges = [sorted[0]!, ...breaks, sorted[sorted.length - 1]!];
  const colors = BLUES.slice(BLUES.length - (edges.length - 1));
  const color = (v: number | null | undefined) => {
    if (v === null || v === undefined) return NO_DATA;
    const i = breaks.findIndex((b) => v <= b);
    return colors[i === -1 ? colors.length - 1 : i]!;
  };
  return {
    color,
    legend: colors.map((c, i) => ({ color: c, from: edges[i]!, to: edges[i + 1]! })),
  };
}

/** Five classes symmetric around zero, by share of the largest change. */
export function diverging(values: number[]): Scale {
  const max = Math.max(1, ...values.map(Math.abs));
  const cuts = [-0.6, -0.2, 0.2, 0.6].map((c) => c * max);
  const color = (v: number | null | undefined) => {
    if (v === null || v === undefined) return NO_DATA;
    const i = cuts.findIndex((c) => v < c);
    return DIVERGING[i === -1 ? 4 : i]!;
  };
  const edges = [-max, ...cuts, max];
  return {
    color,
    legend: DIVERGING.map((c, i) => ({ color: c, from: edges[i]!, to: edges[i + 1]! })),
  };
}
