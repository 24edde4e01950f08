// The map with its own choice of figure; Leaflet and the boundaries load as the dashboard opens
// (their own chunk and files, not the first screen's). Its legend and an area chooser sit outside the map, as ordinary page content.
import { useMemo, useRef, useState } from 'preact/hooks';
import { t, type Key } from '../../i18n';
import { num, pct, signed } from '../../format';
import { navigate } from '../../router';
import { maySearchDesa } from '../../scope';
import { useSession } from '../../session';
import { Loading } from '../../ui/feedback';
import { SelectField } from '../../ui/fields';
import type { Names } from '../../ui/reference';
import { diverging, NO_DATA, sequential, type Scale } from '../../map/colors';
import type { AreaProps } from '../../map/MapView';
import type { PopupMore } from '../../map/popup';
import { searchHouseholds } from '../../api/households';
import { rtRw } from '../households/labels';
import { loadMap } from './ahead';
import { change, type Figure, type Progress, type Snapshot } from './data';
import { useModule, useNearScreen } from './lazy';

type MapFigure = Figure | 'poorChange' | 'extremeChange' | 'verification';
const MAP_FIGURES: MapFigure[] = [
  'total',
  'poor',
  'extreme',
  'poorChange',
  'extremeChange',
  'verification',
];
const LABEL: Record<MapFigure, Key> = {
  total: 'figure.total',
  poor: 'figure.poor',
  extreme: 'figure.extreme',
  poorChange: 'figure.poorChange',
  extremeChange: 'figure.extremeChange',
  verification: 'figure.verification',
};

export interface MapInput {
  before: Snapshot | undefined;
  after: Snapshot | undefined;
  verification: Progress[];
}

export function MapSection({
  input,
  level: pageLevel,
  figure: pageFigure,
  names,
}: {
  input: MapInput;
  level: 'kecamatan' | 'desa';
  figure: Figure;
  names: Names;
}) {
  const { user } = useSession();
  const box = useRef<HTMLElement>(null);
  const near = useNearScreen(box);
  const mod = useModule(loadMap); // at once: the map is what the dashboard is looked at for
  const [chosen, setChosen] = useState<MapFigure | ''>('');
  const [focus, setFocus] = useState<string>('');
  const figure: MapFigure = chosen || pageFigure;
  const level = figure === 'verification' ? 'kecamatan' : pageLevel;
  const { before, after, verification } = input;

  const value = useMemo(() => {
    const progressBy = new Map(verification.map((p) => [p.code, p]));
    return (code: string): number | null => {
      if (figure === 'verification') {
        const p = progressBy.get(code);
        return p && p.total ? p.done / p.total : null;
      }
      const b = after?.[level].get(code);
      if (figure === 'poorChange' || figure === 'extremeChange') {
        const key = figure === 'poorChange' ? 'poor' : 'extreme';
        const a = before?.[level].get(code);
        return a || b ? change(a?.values[key] ?? 0, b?.values[key] ?? 0).diff : null;
      }
      return b ? b.values[figure] : null;
    };
  }, [figure, level, before, after, verification]);

  const codes = useMemo(() => {
    if (figure === 'verification') return verification.map((p) => p.code);
    return [...new Set([...(after?.[level].keys() ?? []), ...(before?.[level].keys() ?? [])])];
  }, [figure, level, before, after, verification]);

  const scale: Scale = useMemo(() => {
    const values = codes.map(value).filter((v): v is number => v !== null);
    return figure === 'poorChange' || figure === 'extremeChange'
      ? diverging(values)
      : sequential(values);
  }, [codes, value, figure]);

  const show = (v: number | null) =>
    v === null
      ? t('map.noData')
      : figure === 'verification'
        ? pct(v)
        : figure.endsWith('Change')
          ? signed(v)
          : num(v);

  const describe = (area: AreaProps): [string, string][] => {
    const lines: [string, string][] = [];
    if (area.nama_kec) lines.push([t('common.kecamatan'), area.nama_kec]);
    if (area.jenis) lines.push([t('map.kind'), area.jenis]);
    const a = before?.[level].get(area.kode);
    const b = after?.[level].get(area.kode);
    for (const f of ['total', 'poor', 'extreme'] as const) {
      if (a || b)
        lines.push([t(LABEL[f]), `${num(a?.values[f] ?? 0)} → ${num(b?.values[f] ?? 0)}`]);
    }
    if (level === 'kecamatan') {
      const p = verification.find((x) => x.code === area.kode);
      if (p) lines.push([t('figure.verification'), pct(p.total ? p.done / p.total : null)]);
    }
    if (!lines.length) lines.push([t(LABEL[figure]), t('map.noData')]);
    return lines;
  };
  const more = (area: AreaProps): PopupMore | undefined =>
    level === 'desa' && maySearchDesa(user, area.kode)
      ? {
          title: t('map.households'),
          loading: t('map.householdsLoading'),
          empty: t('map.householdsNone'),
          load: () =>
            searchHouseholds({ desa_code: area.kode, limit: 10 }).then((found) =>
              found.map((h) => ({
                text: `${h.head_name || t('household.noName')} · ${rtRw(h.rt, h.rw)}`,
                href: `/households/${h.id}`,
                onFollow: (href: string) => navigate(href),
              })),
            ),
        }
      : undefined;
  const link = (area: AreaProps) =>
    level === 'desa' && maySearchDesa(user, area.kode)
      ? {
          text: t('map.searchDesa'),
          href: `/households?desa_code=${encodeURIComponent(area.kode)}`,
          onFollow: (href: string) => navigate(href),
        }
      : undefined;

  const areaOptions =
    level === 'kecamatan'
      ? (names.areas?.kecamatan ?? []).map((k) => ({ value: k.code, label: k.name }))
      : (names.areas?.kecamatan ?? []).flatMap((k) =>
          k.desa.map((d) => ({ value: d.code, label: `${d.name} (${k.name})` })),
        );

  return (
    <section aria-labelledby="map-title" ref={box}>
      <h2 id="map-title">{t('map.title')}</h2>
      <div class="toolbar">
        <SelectField
          label={t('map.figure')}
          placeholder={null}
          value={figure}
          onValue={(v) => setChosen(v as MapFigure)}
          options={MAP_FIGURES.map((f) => ({ value: f, label: t(LABEL[f]) }))}
        />
        <SelectField
          label={t('map.area')}
          placeholder={t('map.areaNone')}
          value={focus}
          onValue={setFocus}
          options={areaOptions}
        />
      </div>
      <p class="meta">
        {t('map.showing', { figure: t(LABEL[figure]), level: t(`dash.level.${level}`) })}
        {figure === 'verification' && pageLevel === 'desa' ? ` ${t('map.kecamatanOnly')}` : ''}
      </p>
      {mod ? (
        <mod.default
          level={level}
          scale={scale}
          value={value}
          describe={describe}
          link={link}
          more={more}
          focus={focus || null}
        />
      ) : (
        <div class="map map-placeholder">{near && <Loading label={t('map.loading')} />}</div>
      )}
      <ul class="legend" aria-label={t('map.legend')}>
        {scale.legend.map((entry) => (
          <li key={entry.color}>
            <span class="swatch" style={{ background: entry.color }} aria-hidden="true" />{' '}
            {show(entry.from)} – {show(entry.to)}
          </li>
        ))}
        <li>
          <span class="swatch" style={{ background: NO_DATA }} aria-hidden="true" />{' '}
          {t('map.noData')}
        </li>
      </ul>
      <p class="hint">{t('map.hint')}</p>
    </section>
  );
}
