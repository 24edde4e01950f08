// The phone's position while a visit is open (watched, so the latest fix is at hand when a
// photo is taken and when the visit is saved). GPS works without signal.
import { useEffect, useState } from 'preact/hooks';
import { coords, num, time } from '../format';
import { degrees6, phoneNow } from './clock';
import type { Fix } from './types';
import { w } from './words';

type GpsState = { kind: 'waiting' } | { kind: 'fix'; fix: Fix } | { kind: 'error'; code: number };

export function useGps(onFix: (fix: Fix) => void) {
  const [state, setState] = useState<GpsState>({ kind: 'waiting' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!('geolocation' in navigator)) {
      setState({ kind: 'error', code: 2 });
      return;
    }
    setState((s) => (s.kind === 'fix' ? s : { kind: 'waiting' }));
    const watch = navigator.geolocation.watchPosition(
      (p) => {
        const fix: Fix = {
          latitude: degrees6(p.coords.latitude),
          longitude: degrees6(p.coords.longitude),
          accuracy: Math.round(p.coords.accuracy * 10) / 10,
          at: phoneNow(), // the phone's clock, as every time the visit records
        };
        setState({ kind: 'fix', fix });
        onFix(fix);
      },
      (e) => setState((s) => (s.kind === 'fix' ? s : { kind: 'error', code: e.code })),
      { enableHighAccuracy: true, timeout: 60_000, maximumAge: 30_000 },
    );
    return () => navigator.geolocation.clearWatch(watch);
    // onFix is read through the latest render's closure (see Visit): one watch per round
  }, [round]);
  return { state, again: () => setRound((n) => n + 1) };
}

export function GpsPanel({ gps, saved }: { gps: ReturnType<typeof useGps>; saved: Fix | null }) {
  const { state } = gps;
  const fix = state.kind === 'fix' ? state.fix : saved;
  return (
    <section class="card" aria-labelledby="gps-title">
      <h2 id="gps-title">{w('gps.title')}</h2>
      <div aria-live="polite">
        {fix && (
          <p class="gps-fix">
            {w('gps.fix', {
              where: coords(fix.latitude, fix.longitude),
              m: num(Math.round(fix.accuracy)),
              when: time(fix.at),
            })}
          </p>
        )}
        {!fix && state.kind === 'waiting' && <p>{w('gps.waiting')}</p>}
        {state.kind === 'error' && !fix && (
          <p class="field-error">{state.code === 1 ? w('gps.denied') : w('gps.unavailable')}</p>
        )}
      </div>
      <button type="button" class="secondary small" onClick={gps.again}>
        {w('gps.again')}
      </button>
    </section>
  );
}
