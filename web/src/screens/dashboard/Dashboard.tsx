// The head of Dinsos's view: how many households, poor and extreme poor, per kecamatan and
// desa, and how that changed between two dates ("126.000 → 111.000"); referrals per agency with
// their SLA breaches; verification progress; a map coloured by any of these.
import { useMemo, useRef, useState } from 'preact/hooks';
import { referralReport, verificationReport } from '../../api/reports';
import { codeLabel, t, type Key } from '../../i18n';
import { dateLong, num, pct, signed, signedPct, witaDay } from '../../format';
import { useSession } from '../../session';
import { ErrorBox, Loading } from '../../ui/feedback';
import { SelectField, TextField } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useNames, type Names } from '../../ui/reference';
import { useAsync, type Async } from '../../ui/useAsync';
import type { TableData } from '../../charts';
import {
  change,
  FIGURES,
  progress,
  snapshots,
  type Figure,
  type Progress,
  type Snapshot,
} from './data';
import { defaultDates } from './ahead';
import { DataTable } from './DataTable';
import { takeAhead } from '../../early';
import { useModule } from './lazy';
import { MapSection } from './MapSection';

const loadCharts = () => import('../../charts');
type Charts = Awaited<ReturnType<typeof loadCharts>>;
type Level = 'kecamatan' | 'desa';

const FIGURE_KEY: Record<Figure, Key> = {
  total: 'figure.total',
  poor: 'figure.poor',
  extreme: 'figure.extreme',
};

function ChartBlock({
  charts,
  table,
  render,
}: {
  charts: Charts | null;
  table: TableData;
  render?: (c: Charts, ref: { current: SVGSVGElement | null }) => preact.ComponentChildren;
}) {
  const svg = useRef<SVGSVGElement>(null);
  return (
    <div class="chart-block">
      {charts && render?.(charts, svg)}
      {charts && <charts.Exports table={table} svg={render ? svg : undefined} />}
    </div>
  );
}

function Headline({ before, after }: { before: Snapshot; after: Snapshot }) {
  return (
    <section aria-labelledby="headline-title">
      <h2 id="headline-title" class="visually-hidden">
        {t('dash.headline')}
      </h2>
      <ul class="headline">
        {FIGURES.map((f) => {
          const c = change(before.totals[f], after.totals[f]);
          return (
            <li key={f} class="card figure">
              <h3>{t(FIGURE_KEY[f])}</h3>
              <p class="big">
                {num(before.totals[f])} → {num(after.totals[f])}
              </p>
              <p class={c.diff < 0 ? 'down' : c.diff > 0 ? 'up' : 'meta'}>
                {signed(c.diff)}
                {c.ratio !== null ? ` (${signedPct(c.ratio)})` : ''}
              </p>
              <p class="meta">
                {t('dash.between', { a: dateLong(before.at), b: dateLong(after.at) })}
              </p>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Comparison({
  before,
  after,
  level,
  figure,
  charts,
}: {
  before: Snapshot;
  after: Snapshot;
  level: Level;
  figure: Figure;
  charts: Charts | null;
}) {
  const [sort, setSort] = useState<'name' | 'change'>('name');
  const areas = [...new Set([...before[level].keys(), ...after[level].keys()])].map((code) => {
    const a = before[level].get(code);
    const b = after[level].get(code);
    const x = a?.values[figure] ?? 0;
    const y = b?.values[figure] ?? 0;
    return {
      code,
      name: (b ?? a)!.name,
      kec: (b ?? a)!.kecamatan,
      before: x,
      after: y,
      ...change(x, y),
    };
  });
  areas.sort((p, q) => (sort === 'name' ? p.name.localeCompare(q.name) : p.diff - q.diff));
  const kecName = new Map(
    [...after.kecamatan.values(), ...before.kecamatan.values()].map((k) => [k.code, k.name]),
  );
  const title = t('dash.compareTitle', {
    figure: t(FIGURE_KEY[figure]),
    level: t(`dash.level.${level}`),
    a: dateLong(before.at),
    b: dateLong(after.at),
  });
  const table: TableData = {
    title,
    columns: [
      t(`dash.level.${level}`),
      ...(level === 'desa' ? [t('common.kecamatan')] : []),
      dateLong(before.at),
      dateLong(after.at),
      t('dash.change'),
      t('dash.changePct'),
    ],
    rows: areas.map((r) => [
      r.name,
      ...(level === 'desa' ? [kecName.get(r.kec ?? '') ?? r.kec ?? '—'] : []),
      r.before,
      r.after,
      r.diff,
      signedPct(r.ratio),
    ]),
  };
  // desa are too many for one chart: the 20 that changed most
  const charted =
    level === 'desa'
      ? [...areas].sort((p, q) => Math.abs(q.diff) - Math.abs(p.diff)).slice(0, 20)
      : areas;
  return (
    <section aria-labelledby="compare-title">
      <h2 id="compare-title">{t('dash.compare')}</h2>
      <div class="toolbar">
        <SelectField
          label={t('dash.sort')}
          placeholder={null}
          value={sort}
          onValue={(v) => setSort(v as 'name' | 'change')}
          options={[
            { value: 'name', label: t('dash.sortName') },
            { value: 'change', label: t('dash.sortChange') },
          ]}
        />
      </div>
      <ChartBlock
        charts={charts}
        table={{
          ...table,
          title: level === 'desa' ? t('dash.top20', { title }) : title,
          rows: charted.map((r) => [r.name, r.before, r.after]),
          columns: [t(`dash.level.${level}`), dateLong(before.at), dateLong(after.at)],
        }}
        render={(c, ref) => (
          <c.BarChart
            svgRef={ref}
            title={level === 'desa' ? t('dash.top20', { title }) : title}
            series={[
              { name: dateLong(before.at), color: '#9ecae1' },
              { name: dateLong(after.at), color: '#08519c' },
            ]}
            bars={charted.map((r) => ({ label: r.name, values: [r.before, r.after] }))}
            format={num}
          />
        )}
      />
      <DataTable table={table} />
      <ChartBlock charts={charts} table={table} />
    </section>
  );
}

function Verification({
  data,
  names,
  charts,
}: {
  data: Async<Progress[]>;
  names: Names;
  charts: Charts | null;
}) {
  const rows = data.data ?? [];
  const title = t('dash.verificationTitle');
  const table: TableData = {
    title,
    columns: [
      t('common.kecamatan'),
      t('dash.v.total'),
      t('dash.v.done'),
      t('dash.v.waiting'),
      t('dash.v.open'),
      t('dash.v.progress'),
    ],
    rows: rows.map((p) => [
      names.kecamatan(p.code),
      p.total,
      p.done,
      p.waiting,
      p.open,
      pct(p.total ? p.done / p.total : null),
    ]),
  };
  return (
    <section aria-labelledby="verif-title">
      <h2 id="verif-title">{title}</h2>
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {data.data && (
        <>
          <ChartBlock
            charts={charts}
            table={{
              ...table,
              columns: [t('common.kecamatan'), t('dash.v.progress')],
              rows: rows.map((p) => [
                names.kecamatan(p.code),
                pct(p.total ? p.done / p.total : null),
              ]),
            }}
            render={(c, ref) => (
              <c.BarChart
                svgRef={ref}
                title={t('dash.v.chart')}
                series={[{ name: t('dash.v.progress'), color: '#2b7a3d' }]}
                bars={rows.map((p) => ({
                  label: names.kecamatan(p.code),
                  values: [p.total ? p.done / p.total : 0],
                }))}
                format={pct}
              />
            )}
          />
          <DataTable table={table} />
          <ChartBlock charts={charts} table={table} />
        </>
      )}
    </section>
  );
}

const REFERRAL_STATES = [
  'sent',
  'received',
  'in_progress',
  'completed',
  'rejected',
  'rerouted',
  'closed',
  'cancelled',
];

function Referrals({ names, charts }: { names: Names; charts: Charts | null }) {
  const data = useAsync((s) => takeAhead('reports/referrals', () => referralReport(s)), []);
  const report = data.data;
  const agencies = [
    ...new Set([
      ...(report?.rows ?? []).map((r) => r.opd_code),
      ...(report?.overdue ?? []).map((o) => o.opd_code),
    ]),
  ].sort();
  const states = REFERRAL_STATES.filter((s) => report?.rows.some((r) => r.state === s));
  const count = (opd: string, state: string) =>
    report?.rows.find((r) => r.opd_code === opd && r.state === state)?.count ?? 0;
  const late = (opd: string) => report?.overdue.find((o) => o.opd_code === opd)?.count ?? 0;
  const title = t('dash.referralsTitle');
  const table: TableData = {
    title,
    columns: [
      t('referrals.agency'),
      ...states.map((s) => codeLabel('referralState', s)),
      t('dash.slaBreaches'),
    ],
    rows: agencies.map((a) => [names.agency(a), ...states.map((s) => count(a, s)), late(a)]),
  };
  return (
    <section aria-labelledby="ref-title">
      <h2 id="ref-title">{title}</h2>
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {report && (
        <>
          <ChartBlock
            charts={charts}
            table={{
              title: t('dash.slaChart'),
              columns: [t('referrals.agency'), t('dash.slaBreaches')],
              rows: agencies.map((a) => [names.agency(a), late(a)]),
            }}
            render={(c, ref) => (
              <c.BarChart
                svgRef={ref}
                title={t('dash.slaChart')}
                series={[{ name: t('dash.slaBreaches'), color: '#b2182b' }]}
                bars={agencies.map((a) => ({ label: names.agency(a), values: [late(a)] }))}
                format={num}
              />
            )}
          />
          <DataTable table={table} />
          <ChartBlock charts={charts} table={table} />
        </>
      )}
    </section>
  );
}

export function Dashboard() {
  const { user } = useSession();
  const names = useNames();
  const [dates, setDates] = useState(defaultDates);
  const [draft, setDraft] = useState(dates);
  const [level, setLevel] = useState<Level>('kecamatan');
  const [figure, setFigure] = useState<Figure>('poor');
  const figures = useAsync((s) => snapshots(dates, s), [dates.a, dates.b]);
  const charts = useModule(loadCharts);
  const [before, after] = figures.data ?? [];
  const verification = useAsync(
    (s) =>
      takeAhead('reports/verification', () => verificationReport(s)).then((r) => progress(r.rows)),
    [],
  );
  const dateError = draft.a && draft.b && draft.a > draft.b ? [t('dash.datesOrder')] : undefined;

  const apply = (event: Event) => {
    event.preventDefault();
    if (!dateError && draft.a && draft.b) setDates(draft);
  };

  const mapInput = useMemo(
    () => ({ before, after, verification: verification.data ?? [] }),
    [before, after, verification.data],
  );

  return (
    <Page title={t('dash.title')}>
      <form class="card toolbar" onSubmit={apply} noValidate>
        <TextField
          label={t('dash.dateA')}
          type="date"
          value={draft.a}
          max={witaDay()}
          onValue={(a) => setDraft((d) => ({ ...d, a }))}
        />
        <TextField
          label={t('dash.dateB')}
          type="date"
          value={draft.b}
          max={witaDay()}
          onValue={(b) => setDraft((d) => ({ ...d, b }))}
          error={dateError}
        />
        <button type="submit">{t('dash.apply')}</button>
        <SelectField
          label={t('dash.figure')}
          placeholder={null}
          value={figure}
          onValue={(v) => setFigure(v as Figure)}
          options={FIGURES.map((f) => ({ value: f, label: t(FIGURE_KEY[f]) }))}
        />
        <SelectField
          label={t('dash.level')}
          placeholder={null}
          value={level}
          onValue={(v) => setLevel(v as Level)}
          options={[
            { value: 'kecamatan', label: t('dash.level.kecamatan') },
            { value: 'desa', label: t('dash.level.desa') },
          ]}
        />
      </form>
      {user.kecamatan_codes.length + user.desa_codes.length > 0 && (
        <p class="hint">{t('dash.scoped')}</p>
      )}
      {figures.loading && <Loading />}
      <ErrorBox error={figures.error} />
      {before && after && (
        <>
          <Headline before={before} after={after} />
          <Comparison before={before} after={after} level={level} figure={figure} charts={charts} />
        </>
      )}
      <MapSection input={mapInput} level={level} figure={figure} names={names} />
      <Verification data={verification} names={names} charts={charts} />
      <Referrals names={names} charts={charts} />
    </Page>
  );
}
