// One import: a progress bar that follows the rows as they are processed (polled every 250 ms
// while it runs), then the summary and the row report (a page at a time) with its download.
import { useEffect, useRef, useState } from 'preact/hooks';
import { asApiError, isAbort, type ApiError } from '../../api/client';
import { importBatch, importReportUrl } from '../../api/admin';
import type { ImportDetail, ImportProblem } from '../../api/types';
import { codeLabel, lang, pick, t } from '../../i18n';
import { dateTime, num, pct } from '../../format';
import { Link } from '../../router';
import type { RouteProps } from '../../routes';
import { announce } from '../../status';
import { BackLink, Badge, Facts, Pager, TableWrap } from '../../ui/bits';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { Page } from '../../ui/Page';
import { useAsync } from '../../ui/useAsync';
import { statusTone } from './Imports';

const POLL_MS = 250; // an import of 50.000 rows takes seconds: follow it closely
const RETRY_MS = 3000; // after a failed poll (network): slower, and keep trying
const PAGE = 50;

const stageLabel = (stage: string | null | undefined) => codeLabel('importStage', stage);

/** Polls the batch while it runs; says what happens in words, not at every tick. */
function useImport(id: number) {
  const [batch, setBatch] = useState<ImportDetail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [spoken, setSpoken] = useState('');
  const last = useRef({ stage: '', quarter: -1 });

  useEffect(() => {
    const controller = new AbortController();
    let timer = 0;
    const tick = async () => {
      try {
        const next = await importBatch(id, 0, 1, controller.signal);
        setBatch(next);
        setError(null);
        const p = next.progress;
        const quarter = p?.rows_total ? Math.floor((4 * p.rows_done) / p.rows_total) : -1;
        if (next.status !== 'running') {
          const done = t('import.finished', { status: codeLabel('importStatus', next.status) });
          setSpoken(done);
          announce(done, next.status === 'failed' ? 'error' : 'success');
          return;
        }
        if ((p?.stage ?? '') !== last.current.stage || quarter !== last.current.quarter) {
          last.current = { stage: p?.stage ?? '', quarter };
          setSpoken(
            p?.rows_total
              ? t('import.spoken', {
                  stage: stageLabel(p.stage),
                  pct: pct(p.rows_done / p.rows_total),
                })
              : stageLabel(p?.stage) || t('import.running'),
          );
        }
        timer = window.setTimeout(() => void tick(), POLL_MS);
      } catch (failure) {
        if (isAbort(failure)) return;
        const e = asApiError(failure);
        setError(e);
        if (e.status === 0 || e.status >= 500)
          timer = window.setTimeout(() => void tick(), RETRY_MS);
      }
    };
    void tick();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [id]);
  return { batch, error, spoken };
}

const problemText = (p: ImportProblem) => (lang() === 'en' ? p.reason : p.alasan) ?? p.kode;

/** The row report, a page at a time from the server. */
function Report({ id, total }: { id: number; total: number }) {
  const [page, setPage] = useState(1);
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const data = useAsync(
    (signal) => importBatch(id, (page - 1) * PAGE, PAGE, signal).then((b) => b.problems),
    [id, page],
  );
  return (
    <section aria-labelledby="report-title">
      <h2 id="report-title">{t('import.report', { n: num(total) })}</h2>
      <p>
        <a href={importReportUrl(id)} download={`laporan-impor-${id}.csv`}>
          {t('import.download')}
        </a>
      </p>
      {total === 0 ? (
        <Empty>{t('import.noProblems')}</Empty>
      ) : (
        <>
          {data.loading && <Loading />}
          <ErrorBox error={data.error} />
          {data.data && (
            <TableWrap label={t('import.reportTable')}>
              <table>
                <caption class="visually-hidden">{t('import.reportTable')}</caption>
                <thead>
                  <tr>
                    <th scope="col" class="num">
                      {t('import.row')}
                    </th>
                    <th scope="col">{t('import.field')}</th>
                    <th scope="col">{t('import.problem')}</th>
                    <th scope="col">{t('import.value')}</th>
                    <th scope="col">{t('import.severity')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.data.map((problem, i) => (
                    <tr key={`${problem.baris}-${problem.kode}-${i}`}>
                      <th scope="row" class="num">
                        {num(problem.baris)}
                      </th>
                      <td>{problem.kolom || '—'}</td>
                      <td>{problemText(problem)}</td>
                      <td class="break">{problem.nilai || '—'}</td>
                      <td>{codeLabel('severity', problem.tingkat)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          <Pager page={page} pages={pages} total={total} onPage={setPage} />
        </>
      )}
    </section>
  );
}

export function ImportPage({ params }: RouteProps) {
  const id = Number(params.id);
  const { batch, error, spoken } = useImport(id);
  const p = batch?.progress;
  const running = batch?.status === 'running';

  return (
    <Page
      title={t('import.title', { id })}
      before={<BackLink href="/imports">{t('imports.title')}</BackLink>}
    >
      <ErrorBox error={error} />
      {!batch && !error && <Loading />}
      {batch && (
        <>
          <p class="badges">
            <Badge tone={statusTone(batch.status)}>{codeLabel('importStatus', batch.status)}</Badge>{' '}
            <span class="meta">
              {codeLabel('source', batch.source)} · {batch.filename ?? '—'}
              {batch.actor ? ` · ${batch.actor}` : ''}
              {batch.started_at ? ` · ${dateTime(batch.started_at)}` : ''}
            </span>
          </p>
          <section class="card" aria-labelledby="progress-title">
            <h2 id="progress-title">{t('import.progress')}</h2>
            <label htmlFor="import-progress">
              {running ? stageLabel(p?.stage) : codeLabel('importStatus', batch.status)}
            </label>
            <progress
              id="import-progress"
              max={p?.rows_total || 1}
              value={running ? (p?.rows_done ?? 0) : (p?.rows_total ?? 1)}
            />
            <p class="import-rows" data-testid="import-rows">
              {p?.rows_total
                ? t('import.rows', { done: num(p.rows_done), total: num(p.rows_total) })
                : t('import.rowsDone', { done: num(p?.rows_done ?? 0) })}
            </p>
            <p class="visually-hidden" aria-live="polite">
              {spoken}
            </p>
          </section>
          {batch.status === 'failed' && (
            <p class="alert error" role="alert">
              {batch.error ? pick(batch.error) : t('import.failed')}
            </p>
          )}
          {batch.status === 'duplicate' && batch.duplicate_of && (
            <p class="alert info">
              {t('import.duplicateOf')}{' '}
              <Link href={`/imports/${batch.duplicate_of}`}>#{batch.duplicate_of}</Link>
            </p>
          )}
          {batch.summary && (
            <section class="card" aria-labelledby="summary-title">
              <h2 id="summary-title">{t('import.summary')}</h2>
              <Facts
                items={[
                  [t('import.s.rows_read'), num(batch.summary.rows_read)],
                  [t('import.s.imported'), num(batch.summary.imported)],
                  [t('import.s.merged'), num(batch.summary.merged)],
                  [t('import.s.unchanged'), num(batch.summary.unchanged)],
                  [t('import.s.rejected'), num(batch.summary.rejected)],
                  [t('import.s.warnings'), num(batch.summary.warnings)],
                  [t('import.s.households_registered'), num(batch.summary.households_registered)],
                  [t('import.s.households_merged'), num(batch.summary.households_merged)],
                ]}
              />
            </section>
          )}
          {batch.status === 'completed' && <Report id={id} total={batch.problems_total} />}
        </>
      )}
    </Page>
  );
}
