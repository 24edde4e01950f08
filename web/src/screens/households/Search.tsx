// Household search for operators (their desa), supervisors (their area) and admins.
import { useEffect, useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import { searchHouseholds, type HouseholdSearch } from '../../api/households';
import type { HouseholdSummary } from '../../api/types';
import { t } from '../../i18n';
import { num } from '../../format';
import { Link, setQuery, useQuery } from '../../router';
import { scopedAreas } from '../../scope';
import { useSession } from '../../session';
import { announce } from '../../status';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { errorsAt } from '../../ui/fieldErrors';
import { SelectField, TextField } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useNames } from '../../ui/reference';
import { rtRw, sourcesText } from './labels';
import { Standing } from './Standing';

const KEYS = ['name', 'nik', 'no_kk', 'rt', 'rw', 'desa_code', 'kecamatan_code'] as const;
type Form = Record<(typeof KEYS)[number], string>;

function check(form: Form): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (form.name.trim() && form.name.trim().length < 3) errors.name = [t('search.nameShort')];
  for (const key of ['nik', 'no_kk'] as const) {
    if (form[key].trim() && !/^\d{16}$/.test(form[key].trim())) errors[key] = [t('form.digits16')];
  }
  return errors;
}

export function Search() {
  const { user } = useSession();
  const names = useNames();
  const query = useQuery();
  const [form, setForm] = useState<Form>(
    () => Object.fromEntries(KEYS.map((k) => [k, query.get(k) ?? ''])) as Form,
  );
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [results, setResults] = useState<HouseholdSummary[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const kecamatan = scopedAreas(user, names.areas);
  const manyDesa = user.role !== 'operator' || user.desa_codes.length > 1;
  const desaOptions = kecamatan
    .filter((k) => !form.kecamatan_code || k.code === form.kecamatan_code)
    .flatMap((k) => k.desa.map((d) => ({ value: d.code, label: `${d.name} (${k.name})` })));

  const run = async (values: Form) => {
    const problems = check(values);
    setLocal(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    const params: HouseholdSearch = { limit: 50 };
    for (const key of KEYS) if (values[key].trim()) params[key] = values[key].trim();
    try {
      const found = await searchHouseholds(params);
      setResults(found);
      announce(t('search.found', { n: num(found.length) }), 'info');
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (KEYS.some((k) => query.get(k)) || user.role === 'operator') void run(form);
  }, []);

  const set = (key: keyof Form) => (value: string) =>
    setForm((f) => ({
      ...f,
      [key]: value,
      ...(key === 'kecamatan_code' ? { desa_code: '' } : {}),
    }));
  const fieldError = (key: string) => local[key] ?? errorsAt(error?.fields, key);

  const submit = (event: Event) => {
    event.preventDefault();
    setQuery(Object.fromEntries(KEYS.map((k) => [k, form[k].trim()])));
    void run(form);
  };

  return (
    <Page title={t('search.title')}>
      <p>
        <Link href="/register" class="button secondary">
          {t('search.registerNew')}
        </Link>
      </p>
      <form onSubmit={submit} noValidate class="card search-form" role="search">
        <div class="grid">
          <TextField
            label={t('search.name')}
            value={form.name}
            onValue={set('name')}
            error={fieldError('name')}
            hint={t('search.nameHint')}
          />
          <TextField
            label="NIK"
            value={form.nik}
            onValue={set('nik')}
            inputMode="numeric"
            maxLength={16}
            error={fieldError('nik')}
          />
          <TextField
            label={t('common.noKk')}
            value={form.no_kk}
            onValue={set('no_kk')}
            inputMode="numeric"
            maxLength={16}
            error={fieldError('no_kk')}
          />
          <TextField
            label="RT"
            value={form.rt}
            onValue={set('rt')}
            inputMode="numeric"
            maxLength={3}
            class="short"
            error={fieldError('rt')}
          />
          <TextField
            label="RW"
            value={form.rw}
            onValue={set('rw')}
            inputMode="numeric"
            maxLength={3}
            class="short"
            error={fieldError('rw')}
          />
          {user.role !== 'operator' && (
            <SelectField
              label={t('common.kecamatan')}
              value={form.kecamatan_code}
              onValue={set('kecamatan_code')}
              options={kecamatan.map((k) => ({ value: k.code, label: k.name }))}
              placeholder={t('search.allKecamatan')}
            />
          )}
          {manyDesa && (
            <SelectField
              label={t('common.desa')}
              value={form.desa_code}
              onValue={set('desa_code')}
              options={desaOptions}
              placeholder={t('search.allDesa')}
              error={fieldError('desa_code')}
            />
          )}
        </div>
        <button type="submit" disabled={busy}>
          {t('search.submit')}
        </button>
      </form>
      <ErrorBox error={error} />
      {busy && <Loading label={t('search.searching')} />}
      {results && !busy && (
        <section aria-labelledby="results-title">
          <h2 id="results-title">{t('search.results', { n: num(results.length) })}</h2>
          {results.length === 0 ? (
            <Empty>{t('search.none')}</Empty>
          ) : (
            <ul class="results">
              {results.map((h) => (
                <li key={h.id} class="card result">
                  <h3>
                    <Link href={`/households/${h.id}`}>{h.head_name || t('household.noName')}</Link>
                  </h3>
                  <p class="meta">
                    {t('search.headNik')} {h.head_nik || '—'} · {names.desa(h.desa_code)} ·{' '}
                    {rtRw(h.rt, h.rw)}
                  </p>
                  {h.alamat && <p class="meta">{h.alamat}</p>}
                  <p class="badges">
                    <Standing status={h.status} welfareClass={h.welfare_class} />{' '}
                    <span class="meta">
                      {t('household.memberCount', { n: num(h.members ?? 0) })} ·{' '}
                      {sourcesText(h.sources)}
                      {h.desil ? ` · ${t('household.desil', { n: h.desil })}` : ''}
                    </span>
                  </p>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </Page>
  );
}
