// Names for codes: desa and kecamatan, agencies, PMKS (loaded once, shared by every screen).
import { useEffect, useState } from 'preact/hooks';
import { agencies, areas, pmksList, questionnaire } from '../api/reference';
import type { Areas, Labelled, Opd, Pmks } from '../api/types';
import { labelOf, lang } from '../i18n';

export interface Names {
  areas: Areas | null;
  desa: (code: string | null | undefined) => string;
  kecamatan: (code: string | null | undefined) => string;
  agency: (code: string | null | undefined) => string;
  pmks: (code: string) => string;
  agencies: Opd[];
  pmksList: Pmks[];
}

let cache: { areas: Areas | null; agencies: Opd[]; pmks: Pmks[] } = {
  areas: null,
  agencies: [],
  pmks: [],
};

function build(): Names {
  const desa = new Map<string, string>();
  const kecamatan = new Map<string, string>();
  for (const k of cache.areas?.kecamatan ?? []) {
    kecamatan.set(k.code, k.name);
    for (const d of k.desa) desa.set(d.code, d.name);
  }
  const agency = new Map(cache.agencies.map((o) => [o.code, o.abbreviation || o.name]));
  const pmks = new Map(cache.pmks.map((p) => [p.code, lang() === 'en' ? p.english : p.name]));
  return {
    areas: cache.areas,
    desa: (code) => (code ? (desa.get(code) ?? code) : '—'),
    kecamatan: (code) => (code ? (kecamatan.get(code) ?? code) : '—'),
    agency: (code) => (code ? (agency.get(code) ?? code) : '—'),
    pmks: (code) => pmks.get(code) ?? code,
    agencies: cache.agencies,
    pmksList: cache.pmks,
  };
}

/** Reference names; codes are shown as they are until (or if not) the lists arrive. */
export function useNames(): Names {
  const [, setLoaded] = useState(0);
  useEffect(() => {
    let live = true;
    const settle = <T>(p: Promise<T>) => p.catch(() => null);
    void Promise.all([settle(areas()), settle(agencies()), settle(pmksList())]).then(
      ([a, o, p]) => {
        cache = { areas: a ?? cache.areas, agencies: o ?? cache.agencies, pmks: p ?? cache.pmks };
        if (live) setLoaded((n) => n + 1);
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return build(); // cheap, and follows the language (PMKS names)
}

/** The rule set's reasons (deprivations, PMKS categories) in words; codes until they arrive. */
export function useReasonLabels(): (code: string) => string {
  const [labels, setLabels] = useState<Map<string, Labelled> | null>(null);
  const names = useNames();
  useEffect(() => {
    let live = true;
    questionnaire().then(
      (form) => live && setLabels(new Map((form.deprivations ?? []).map((d) => [d.code, d]))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return (code: string) => {
    const found = labels?.get(code);
    if (found) return labelOf(found);
    const pmks = names.pmks(code);
    return pmks !== code ? pmks : code.replace(/_/g, ' ');
  };
}
