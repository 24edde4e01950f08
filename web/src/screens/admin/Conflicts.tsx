// Values that sources disagree on, side by side with where each came from; keep one.
import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import { conflicts as loadConflicts, resolveConflict } from '../../api/households';
import type { Conflict, ConflictSide } from '../../api/types';
import { codeLabel, t } from '../../i18n';
import { num } from '../../format';
import { Link, useQuery } from '../../router';
import { announce } from '../../status';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { Page } from '../../ui/Page';
import { useAsync } from '../../ui/useAsync';
import { fileText } from '../households/labels';

function Side({
  side,
  label,
  chosen,
  name,
  onChoose,
}: {
  side: ConflictSide;
  label: string;
  chosen: boolean;
  name: string;
  onChoose: () => void;
}) {
  return (
    <label class={`option ${chosen ? 'chosen' : ''}`}>
      <input type="radio" name={name} checked={chosen} onChange={onChoose} />
      <span class="value">{side.value ?? t('conflicts.empty')}</span>
      <span class="meta">
        {codeLabel('source', side.source)} · {fileText(side.filename)} ·{' '}
        {t('conflicts.batchRow', { batch: side.batch ?? '—', row: side.row ?? '—' })}
      </span>
      <span class="meta">{label}</span>
    </label>
  );
}

function ConflictCard({ conflict, onResolved }: { conflict: Conflict; onResolved: () => void }) {
  const [choice, setChoice] = useState<'kept' | 'other'>('kept');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const name = `conflict-${conflict.id}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await resolveConflict(conflict.id, conflict[choice].value ?? '');
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
            {conflict.nik ? ` · NIK ${conflict.nik}` : ''}
          </p>
          <div class="options">
            <Side
              side={conflict.kept}
              label={t('conflicts.kept')}
              chosen={choice === 'kept'}
              name={name}
              onChoose={() => setChoice('kept')}
            />
            <Side
              side={conflict.other}
              label={t('conflicts.other')}
              chosen={choice === 'other'}
              name={name}
              onChoose={() => setChoice('other')}
            />
          </div>
        </fieldset>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          {t('conflicts.keep')}
        </button>
      </form>
    </li>
  );
}

export function Conflicts() {
  const query = useQuery();
  const only = Number(query.get('household')) || null;
  const data = useAsync((signal) => loadConflicts(signal), []);
  const remove = (id: number) => data.setData((data.data ?? []).filter((c) => c.id !== id));
  const shown = (data.data ?? []).filter((c) => !only || c.household_id === only);
  return (
    <Page title={t('conflicts.title')}>
      <p>{t('conflicts.intro')}</p>
      {only && (
        <p>
          {t('conflicts.onlyHousehold', { id: only })}{' '}
          <Link href="/conflicts">{t('conflicts.showAll')}</Link>
        </p>
      )}
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {data.data &&
        (shown.length === 0 ? (
          <Empty>{t('conflicts.none')}</Empty>
        ) : (
          <>
            <p>{t('conflicts.count', { n: num(shown.length) })}</p>
            <ul class="results">
              {shown.map((c) => (
                <ConflictCard key={c.id} conflict={c} onResolved={() => remove(c.id)} />
              ))}
            </ul>
          </>
        ))}
    </Page>
  );
}
