// Tasks per verifier and per kecamatan, the overdue ones, and moving a task to someone else.
import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../../api/client';
import * as api from '../../api/verification';
import type { Task, TaskReportRow, Verifier } from '../../api/types';
import { codeLabel, t } from '../../i18n';
import { dateShort, due, num } from '../../format';
import { announce } from '../../status';
import { TableWrap } from '../../ui/bits';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { Page } from '../../ui/Page';
import { useNames } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';

const STATES = [
  'open',
  'assigned',
  'visited',
  'submitted',
  'returned',
  'approved',
  'rejected',
  'cancelled',
  'expired',
];

function ReportTable({
  caption,
  rows,
  nameOf,
}: {
  caption: string;
  rows: TaskReportRow[];
  nameOf: (row: TaskReportRow) => string;
}) {
  const states = STATES.filter((s) => rows.some((r) => r.states[s]));
  return (
    <TableWrap label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('tasks.name')}</th>
            {states.map((s) => (
              <th scope="col" key={s} class="num">
                {codeLabel('taskState', s)}
              </th>
            ))}
            <th scope="col" class="num">
              {t('tasks.overdue')}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key ?? ''}>
              <th scope="row">{nameOf(row)}</th>
              {states.map((s) => (
                <td key={s} class="num">
                  {num(row.states[s] ?? 0)}
                </td>
              ))}
              <td class={`num ${row.overdue ? 'late' : ''}`}>{num(row.overdue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Reassign({
  task,
  verifiers,
  onDone,
}: {
  task: Task;
  verifiers: Verifier[];
  onDone: () => void;
}) {
  const [who, setWho] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const id = `reassign-${task.task_id}`;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!who) return;
    setBusy(true);
    setError(null);
    try {
      await api.assign(task.task_id, who);
      announce(t('tasks.reassigned', { id: task.task_id, who }));
      onDone();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit} noValidate>
      <label htmlFor={id} class="visually-hidden">
        {t('tasks.newVerifierFor', { id: task.task_id })}
      </label>
      <select id={id} value={who} onChange={(e) => setWho(e.currentTarget.value)}>
        <option value="">{t('tasks.chooseVerifier')}</option>
        {verifiers
          .filter((v) => v.username !== task.assignee)
          .map((v) => (
            <option key={v.username} value={v.username}>
              {t('tasks.verifierOption', { name: v.name || v.username, n: num(v.open_tasks) })}
            </option>
          ))}
      </select>
      <button type="submit" class="secondary" disabled={busy || !who}>
        {t('tasks.reassign')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function TasksOverview() {
  const names = useNames();
  const byVerifier = useAsync((s) => api.taskReport('assignee', s), []);
  const byKecamatan = useAsync((s) => api.taskReport('kecamatan', s), []);
  const overdue = useAsync((s) => api.tasks({ overdue: true }, s), []);
  const verifiers = useAsync((s) => api.verifiers(s), []);
  const reload = () => {
    overdue.reload();
    byVerifier.reload();
    byKecamatan.reload();
    verifiers.reload();
  };
  return (
    <Page title={t('tasks.title')}>
      <section aria-labelledby="per-verifier">
        <h2 id="per-verifier">{t('tasks.perVerifier')}</h2>
        {byVerifier.loading && <Loading />}
        <ErrorBox error={byVerifier.error} />
        {byVerifier.data && (
          <ReportTable
            caption={t('tasks.perVerifier')}
            rows={byVerifier.data}
            nameOf={(r) => r.name || r.key || t('tasks.unassigned')}
          />
        )}
      </section>
      <section aria-labelledby="per-kecamatan">
        <h2 id="per-kecamatan">{t('tasks.perKecamatan')}</h2>
        {byKecamatan.loading && <Loading />}
        <ErrorBox error={byKecamatan.error} />
        {byKecamatan.data && (
          <ReportTable
            caption={t('tasks.perKecamatan')}
            rows={byKecamatan.data}
            nameOf={(r) => r.name || (r.key ? names.kecamatan(r.key) : t('tasks.noArea'))}
          />
        )}
      </section>
      <section aria-labelledby="overdue-title">
        <h2 id="overdue-title">{t('tasks.overdueTitle')}</h2>
        {overdue.loading && <Loading />}
        <ErrorBox error={overdue.error ?? verifiers.error} />
        {overdue.data &&
          (overdue.data.length === 0 ? (
            <Empty>{t('tasks.noneOverdue')}</Empty>
          ) : (
            <TableWrap label={t('tasks.overdueTitle')}>
              <table>
                <caption class="visually-hidden">{t('tasks.overdueTitle')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('common.task')}</th>
                    <th scope="col">{t('tasks.household')}</th>
                    <th scope="col">{t('tasks.verifier')}</th>
                    <th scope="col">{t('tasks.due')}</th>
                    <th scope="col">{t('tasks.reassign')}</th>
                  </tr>
                </thead>
                <tbody>
                  {overdue.data.map((task) => (
                    <tr key={task.task_id}>
                      <th scope="row">#{task.task_id}</th>
                      <td>
                        {task.household.head_name ?? '—'}
                        <br />
                        <span class="meta">
                          {names.desa(task.household.desa_code)},{' '}
                          {names.kecamatan(task.household.kecamatan_code)}
                        </span>
                      </td>
                      <td>{task.assignee ?? '—'}</td>
                      <td>
                        <span class="late">{due(task.due_at)}</span>
                        <br />
                        <span class="meta">{dateShort(task.due_at)}</span>
                      </td>
                      <td>
                        <Reassign task={task} verifiers={verifiers.data ?? []} onDone={reload} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          ))}
      </section>
    </Page>
  );
}
