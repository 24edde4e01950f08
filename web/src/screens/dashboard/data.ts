// The dashboard's figures: households, poor and extreme poor per desa on a date (three calls
// of /reports/households), added up per kecamatan here.
import { dashboardFigures } from '../../api/reports';
import type { DashboardDay } from '../../api/types';
import { takeAhead } from '../../early';
import { figuresKey } from './ahead';

export type Figure = 'total' | 'poor' | 'extreme';
export const FIGURES: Figure[] = ['total', 'poor', 'extreme'];
export const POOR_CLASSES = ['sangat_miskin', 'miskin'];

export interface Area {
  code: string;
  name: string;
  kecamatan: string | null; // the kecamatan of a desa
  values: Record<Figure, number>;
}

export interface Snapshot {
  at: string;
  totals: Record<Figure, number>;
  desa: Map<string, Area>;
  kecamatan: Map<string, Area>;
}

const zero = (): Record<Figure, number> => ({ total: 0, poor: 0, extreme: 0 });

/** A day's figures as the screens use them: per desa, and added up per kecamatan here. */
export function fromDay(day: DashboardDay): Snapshot {
  const desa = new Map<string, Area>();
  const kecamatan = new Map<string, Area>();
  for (const row of day.rows) {
    const values = { total: row.total, poor: row.poor, extreme: row.extreme };
    desa.set(row.desa, {
      code: row.desa,
      name: row.desa_name ?? row.desa,
      kecamatan: row.kecamatan,
      values,
    });
    if (!row.kecamatan) continue;
    const k = kecamatan.get(row.kecamatan) ?? {
      code: row.kecamatan,
      name: row.kecamatan_name ?? row.kecamatan,
      kecamatan: null,
      values: zero(),
    };
    for (const f of FIGURES) k.values[f] += values[f];
    kecamatan.set(row.kecamatan, k);
  }
  return {
    at: day.at,
    totals: { total: day.total, poor: day.poor, extreme: day.extreme },
    desa,
    kecamatan,
  };
}

/** The two days' figures, in one request (the gateway asks the registry for all at once);
 * the answer asked for ahead when it is there. */
export async function snapshots(
  dates: { a: string; b: string },
  signal?: AbortSignal,
): Promise<[Snapshot, Snapshot]> {
  const figures = await takeAhead(figuresKey(dates), () =>
    dashboardFigures(dates.a, dates.b, signal),
  );
  return [fromDay(figures.a), fromDay(figures.b)];
}

/** Change from `before` to `after`, and as a share of `before` (null when before is 0). */
export function change(before: number, after: number): { diff: number; ratio: number | null } {
  return { diff: after - before, ratio: before ? (after - before) / before : null };
}

const DONE = new Set(['approved', 'rejected']);
const WAITING = new Set(['submitted']);

export interface Progress {
  code: string;
  total: number;
  done: number;
  waiting: number;
  open: number;
}

/** Verification per kecamatan: decided, waiting for a supervisor, still in the field. */
export function progress(
  rows: { kecamatan_code: string; state: string; count: number }[],
): Progress[] {
  const by = new Map<string, Progress>();
  for (const row of rows) {
    const p = by.get(row.kecamatan_code) ?? {
      code: row.kecamatan_code,
      total: 0,
      done: 0,
      waiting: 0,
      open: 0,
    };
    if (row.state === 'cancelled' || row.state === 'expired') continue;
    p.total += row.count;
    if (DONE.has(row.state)) p.done += row.count;
    else if (WAITING.has(row.state)) p.waiting += row.count;
    else p.open += row.count;
    by.set(row.kecamatan_code, p);
  }
  return [...by.values()].sort((a, b) => a.code.localeCompare(b.code));
}
