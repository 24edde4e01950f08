// The dashboard's figures: households, poor and extreme poor per desa on a date (three calls
// of /reports/households), added up per kecamatan here.
import { householdReport } from '../../api/reports';
import type { HouseholdReport } from '../../api/types';

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

export async function snapshot(at: string, signal?: AbortSignal): Promise<Snapshot> {
  const [total, poor, extreme] = await Promise.all([
    householdReport({ group_by: 'desa', at }, signal),
    householdReport({ group_by: 'desa', at, welfare_class: POOR_CLASSES }, signal),
    householdReport({ group_by: 'desa', at, extreme_poor: true }, signal),
  ]);
  const desa = new Map<string, Area>();
  const kecamatan = new Map<string, Area>();
  const add = (report: HouseholdReport, figure: Figure) => {
    for (const row of report.rows) {
      if (!row.desa) continue;
      const d = desa.get(row.desa) ?? {
        code: row.desa,
        name: row.desa_name ?? row.desa,
        kecamatan: row.kecamatan ?? null,
        values: zero(),
      };
      d.values[figure] += row.count;
      desa.set(row.desa, d);
      if (row.kecamatan) {
        const k = kecamatan.get(row.kecamatan) ?? {
          code: row.kecamatan,
          name: row.kecamatan_name ?? row.kecamatan,
          kecamatan: null,
          values: zero(),
        };
        k.values[figure] += row.count;
        kecamatan.set(row.kecamatan, k);
      }
    }
  };
  add(total, 'total');
  add(poor, 'poor');
  add(extreme, 'extreme');
  return {
    at,
    totals: { total: total.total, poor: poor.total, extreme: extreme.total },
    desa,
    kecamatan,
  };
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
