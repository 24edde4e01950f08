// What the dashboard asks for as soon as /dashboard is opened (in the first screen's code: a few
// hundred bytes), before its own chunk has arrived: its figures, the reports, the map's chunk
// and boundaries. The dashboard takes them from ../../early.
import { dashboardFigures, referralReport, verificationReport } from '../../api/reports';
import { ahead } from '../../early';
import { witaDay } from '../../format';
import { boundaries } from '../../map/boundaries';

/** The comparison a dashboard opens with: a year ago against today (WITA). */
export function defaultDates(): { a: string; b: string } {
  const d = new Date();
  d.setFullYear(d.getFullYear() - 1);
  return { a: witaDay(d), b: witaDay() };
}

export const figuresKey = (dates: { a: string; b: string }) => `dashboard ${dates.a} ${dates.b}`;
export const loadMap = () => import('../../map/MapView');

export function dashboardAhead(): void {
  const dates = defaultDates();
  ahead(figuresKey(dates), () => dashboardFigures(dates.a, dates.b, undefined, true));
  ahead('reports/verification', () => verificationReport(undefined, true));
  ahead('reports/referrals', () => referralReport(undefined, true));
  void loadMap().catch(() => undefined);
  void boundaries('kecamatan').catch(() => undefined);
}
