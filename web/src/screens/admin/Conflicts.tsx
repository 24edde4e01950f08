// Values that sources disagree on, side by side with where each came from; keep one.
import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import { conflicts as loadConflicts, resolveConflict } from '../../api/households';
import type { Conflict } from '../../api/types';
import { codeLabel, t } from '../../i18n';
import { num } from '../../format';
import { Link } from '../../router';
import { announce } from '../../status';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { Page } from '../../ui/Page';
import { useAsync } from '../../ui/useAsync';

function ConflictCard({ conflict, onResolved }: { conflict: Conflict; onResolved: () => void }) {
  const kept = conflict.values.findIndex((v) => v.kept);
  const [choice, setChoice] = useState(kept);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const name = `conflict-${conflict.conflict_id}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    const value = conflict.values[choice];
    if (!value) return;
    setBusy(true);
    setError(null);
    try {
      await resolveConflict(conflict.conflict_id, value.value);
      announce(t('conflicts.resolved'));
      onResolved();
    } catch (failure) {
      setError(asApiError(failure));
      setBusy(false);
    }
  };

  return (
    <li class="card">
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>
            {codeLabel('field', conflict.field)}
            {conflict.person_name ? ` — ${conflict.person_name}` : ''}
          </legend>
          <p class="meta">
            <Link href={`/households/${conflict.household_id}`}>
              {t('conflicts.household', { id: conflict.household_id })}
            </Link>
          </p>
          <div class="options">
            {conflict.values.map((v, i) => (
              <label class={`option ${choice === i ? 'chosen' : ''}`} key={i}>
                <input
                  type="radio"
                  name={name}
                  checked={choice === i}
                  onChange={() => setChoice(i)}
                />
                <span class="value">{v.value ?? t('conflicts.empty')}</span>
                <span class="meta">
                  {codeLabel('source', v.source)} · {v.filename ?? '—'} ·{' '}
                  {t('conflicts.batchRow', { batch: v.batch_id ?? '—', row: v.row ?? '—' })}
                </span>
                {v.kept && <span class="meta">{t('conflicts.kept')}</span>}
              </label>
            ))}
          </div>
        </fieldset>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy || choice < 0}>
          {t('conflicts.keep')}
        </button>
      </form>
    </li>
  );
}

export function Conflicts() {
  const data = useAsync((signal) => loadConflicts(signal), []);
  const remove = (id: number) =>
    data.setData((data.data ?? []).filter((c) => c.conflict_id !== id));
  return (
    <Page title={t('conflicts.title')}>
      <p>{t('conflicts.intro')}</p>
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {data.data &&
        (data.data.length === 0 ? (
          <Empty>{t('conflicts.none')}</Empty>
        ) : (
          <>
            <p>{t('conflicts.count', { n: num(data.data.length) })}</p>
            <ul class="results">
              {data.data.map((c) => (
                <ConflictCard
                  key={c.conflict_id}
                  conflict={c}
                  onResolved={() => remove(c.conflict_id)}
                />
              ))}
            </ul>
          </>
        ))}
    </Page>
  );
}
