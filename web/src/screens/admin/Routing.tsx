// The routing table (which agency gets which need): the rules in force, its versions, and a
// proposal of a new version as CSV with the server's objections shown per row and column.
import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import { proposeRouting, routingTable } from '../../api/admin';
import { lang, t } from '../../i18n';
import { asText, dateTime, num } from '../../format';
import { announce } from '../../status';
import { TableWrap } from '../../ui/bits';
import { ErrorBox, Loading } from '../../ui/feedback';
import { flatten } from '../../ui/fieldErrors';
import { TextArea, TextField } from '../../ui/fields';
import { Page } from '../../ui/Page';
import { useAsync } from '../../ui/useAsync';

const cell = (value: unknown) =>
  value === null || value === undefined || value === ''
    ? '—'
    : Array.isArray(value)
      ? value.map(asText).join(', ')
      : asText(value);

/** A fault of a proposed table, as the referral service names it: row, column, and what is
 * wrong in English (`message`) and Bahasa Indonesia (`message_id`). */
interface RowProblem {
  row: number;
  column: string;
  message: string;
  message_id?: string;
}

function fault(problem: RowProblem): string {
  return lang() === 'id' && problem.message_id ? problem.message_id : problem.message;
}

function rowProblems(error: ApiError | null): RowProblem[] {
  const rows = error?.fields?.rows as unknown;
  if (!Array.isArray(rows)) return [];
  return rows.filter(
    (r): r is RowProblem => typeof r === 'object' && r !== null && 'row' in r && 'message' in r,
  );
}

function Propose({ current, onDone }: { current: string; onDone: () => void }) {
  const [csv, setCsv] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await proposeRouting(csv, note.trim());
      announce(t('routing.saved'));
      setCsv('');
      setNote('');
      onDone();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };
  const rows = rowProblems(error);
  const problems = rows.length
    ? rows.map((r) => ({
        key: `${r.row}-${r.column}-${r.message}`,
        text: `${t('routing.row', { n: r.row })} · ${r.column}: ${fault(r)}`,
      }))
    : flatten(error?.fields).map((p) => ({
        key: p.path,
        text: `${p.path}: ${p.messages.join(' ')}`,
      }));
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="propose-title">
      <h2 id="propose-title">{t('routing.propose')}</h2>
      <ErrorBox error={error} focus />
      {problems.length > 0 && (
        <ul class="field-error">
          {problems.map((p) => (
            <li key={p.key}>{p.text}</li>
          ))}
        </ul>
      )}
      <p>
        <button type="button" class="secondary" onClick={() => setCsv(current)}>
          {t('routing.startFromCurrent')}
        </button>
      </p>
      <div class="field">
        <label htmlFor="routing-file">{t('routing.file')}</label>
        <input
          type="file"
          id="routing-file"
          accept=".csv,text/csv"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void file.text().then(setCsv);
          }}
        />
      </div>
      <TextArea
        label={t('routing.csv')}
        hint={t('routing.csvHint')}
        rows={10}
        required
        value={csv}
        onValue={setCsv}
      />
      <TextField label={t('routing.note')} value={note} onValue={setNote} required />
      <button type="submit" disabled={busy || !csv.trim()}>
        {t('routing.submit')}
      </button>
    </form>
  );
}

export function Routing() {
  const data = useAsync((signal) => routingTable(signal), []);
  const table = data.data;
  const columns = table?.rules[0] ? Object.keys(table.rules[0]) : [];
  return (
    <Page title={t('routing.title')}>
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {table && (
        <>
          <section aria-labelledby="rules-title">
            <h2 id="rules-title">
              {t('routing.inForce', { version: String(table.version), n: num(table.rules.length) })}
            </h2>
            <TableWrap label={t('routing.rules')}>
              <table class="small-table">
                <caption class="visually-hidden">{t('routing.rules')}</caption>
                <thead>
                  <tr>
                    {columns.map((c) => (
                      <th scope="col" key={c}>
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {table.rules.map((rule, i) => (
                    <tr key={i}>
                      {columns.map((c, j) =>
                        j === 0 ? (
                          <th scope="row" key={c}>
                            {cell(rule[c])}
                          </th>
                        ) : (
                          <td key={c}>{cell(rule[c])}</td>
                        ),
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </section>
          <section aria-labelledby="versions-title">
            <h2 id="versions-title">{t('routing.versions')}</h2>
            <TableWrap label={t('routing.versions')}>
              <table>
                <caption class="visually-hidden">{t('routing.versions')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('routing.version')}</th>
                    <th scope="col">{t('routing.installed')}</th>
                    <th scope="col">{t('routing.by')}</th>
                    <th scope="col">{t('routing.note')}</th>
                  </tr>
                </thead>
                <tbody>
                  {table.versions.map((v) => (
                    <tr key={String(v.version)}>
                      <th scope="row">
                        {String(v.version)}
                        {String(v.version) === String(table.version)
                          ? ` (${t('routing.current')})`
                          : ''}
                      </th>
                      <td>{dateTime(v.loaded_at)}</td>
                      <td>{v.loaded_by ?? '—'}</td>
                      <td>{v.note ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </section>
          <Propose current={table.csv} onDone={data.reload} />
        </>
      )}
    </Page>
  );
}
