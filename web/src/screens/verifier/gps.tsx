import { useEffect, useState } from 'preact/hooks';
import { t } from '../../i18n';
import { coords, num, time } from '../../format';

export interface Fix {
  latitude: number;
  longitude: number;
  accuracy: number;
  at: string;
}

type GpsState =
  { kind: 'idle' | 'waiting' } | { kind: 'fix'; fix: Fix } | { kind: 'error'; code: number };

const POOR_ACCURACY_M = 100;

/** The phone's position, with its accuracy; the verifier can ask again for a better fix. */
export function useGps() {
  const [state, setState] = useState<GpsState>({ kind: 'idle' });
  const locate = () => {
    if (!('geolocation' in navigator)) {
      setState({ kind: 'error', code: 2 });
      return;
    }
    setState({ kind: 'waiting' });
    navigator.geolocation.getCurrentPosition(
      (p) =>
        setState({
          kind: 'fix',
          fix: {
            latitude: p.coords.latitude,
            longitude: p.coords.longitude,
            accuracy: p.coords.accuracy,
            at: new Date(p.timestamp).toISOString(),
          },
        }),
      (e) => setState({ kind: 'error', code: e.code }),
      { enableHighAccuracy: true, timeout: 30_000, maximumAge: 60_000 },
    );
  };
  useEffect(locate, []);
  return { state, locate, fix: state.kind === 'fix' ? state.fix : null };
}

export function GpsPanel({
  gps,
  error,
}: {
  gps: ReturnType<typeof useGps>;
  error?: string[] | undefined;
}) {
  const { state, locate } = gps;
  return (
    <section class="card" aria-labelledby="gps-title">
      <h2 id="gps-title">{t('gps.title')}</h2>
      <div aria-live="polite">
        {state.kind === 'waiting' && <p>{t('gps.waiting')}</p>}
        {state.kind === 'fix' && (
          <p>
            {coords(state.fix.latitude, state.fix.longitude)} —{' '}
            {t('gps.accuracy', { m: num(Math.round(state.fix.accuracy)) })} ({time(state.fix.at)})
            {state.fix.accuracy > POOR_ACCURACY_M && <span class="late"> {t('gps.poor')}</span>}
          </p>
        )}
        {state.kind === 'error' && (
          <p class="field-error">
            {state.code === 1
              ? t('gps.denied')
              : state.code === 3
                ? t('gps.timeout')
                : t('gps.unavailable')}
          </p>
        )}
        {error?.length ? <p class="field-error">{error.join(' ')}</p> : null}
      </div>
      <button type="button" class="secondary" onClick={locate} disabled={state.kind === 'waiting'}>
        {state.kind === 'fix' ? t('gps.again') : t('gps.locate')}
      </button>
    </section>
  );
}
