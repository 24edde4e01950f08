// The approval queue: submitted visits, flagged ones first, then the oldest.
import { tasks } from '../../api/verification';
import type { Task } from '../../api/types';
import { t } from '../../i18n';
import { dateLong, num } from '../../format';
import { Link } from '../../router';
import { Badge } from '../../ui/bits';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { Page } from '../../ui/Page';
import { useNames } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';

const since = (task: Task) => Date.parse(task.submitted_at ?? '') || Number.MAX_SAFE_INTEGER;

export function queueOrder(a: Task, b: Task): number {
  const flagged = Number(b.flag_count > 0) - Number(a.flag_count > 0);
  if (flagged) return flagged;
  return since(a) - since(b) || a.task_id - b.task_id; // ids grow with time: a fair fallback
}

/** Live tasks not in the queue that a phone's late visit came for (reassigned meanwhile, ...). */
function LateElsewhere() {
  const names = useNames();
  const data = useAsync((signal) => tasks({}, signal), []);
  const late = (data.data ?? []).filter((task) => (task.late_visits ?? 0) > 0);
  if (late.length === 0) return null;
  return (
    <section class="card" aria-labelledby="late-elsewhere">
      <h2 id="late-elsewhere">{t('approvals.lateTitle')}</h2>
      <p>{t('approval.lateIntro')}</p>
      <ul>
        {late.map((task) => (
          <li key={task.task_id}>
            <Link href={`/approvals/${task.task_id}`}>
              {task.household.head_name || t('household.noName')}
            </Link>{' '}
            · {names.desa(task.household.desa_code)} ·{' '}
            {t('approvals.verifier', { who: task.assignee ?? '—' })} ·{' '}
            {t('approval.lateTitle', { n: num(task.late_visits ?? 0) })}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Approvals() {
  const names = useNames();
  const data = useAsync((signal) => tasks({ state: 'submitted' }, signal), []);
  const queue = [...(data.data ?? [])].sort(queueOrder);
  return (
    <Page title={t('approvals.title')}>
      <LateElsewhere />
      <p>{t('approvals.intro')}</p>
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {data.data &&
        (queue.length === 0 ? (
          <Empty>{t('approvals.none')}</Empty>
        ) : (
          <ol class="results">
            {queue.map((task) => (
              <li key={task.task_id} class="card result">
                <h2 class="h3">
                  <Link href={`/approvals/${task.task_id}`}>
                    {task.household.head_name || t('household.noName')}
                  </Link>{' '}
                  {task.flag_count > 0 && (
                    <Badge tone="warn">{t('approvals.flags', { n: num(task.flag_count) })}</Badge>
                  )}{' '}
                  {(task.late_visits ?? 0) > 0 && (
                    <Badge tone="info">
                      {t('approval.lateTitle', { n: num(task.late_visits ?? 0) })}
                    </Badge>
                  )}
                </h2>
                <p class="meta">
                  {names.desa(task.household.desa_code)},{' '}
                  {names.kecamatan(task.household.kecamatan_code)}
                  {task.household.alamat ? ` · ${task.household.alamat}` : ''}
                </p>
                <p class="meta">
                  {t('approvals.verifier', { who: task.assignee ?? '—' })}
                  {task.submitted_at
                    ? ` · ${t('approvals.submitted', { date: dateLong(task.submitted_at) })}`
                    : ''}
                  {` · ${t('common.task')} #${task.task_id}`}
                </p>
              </li>
            ))}
          </ol>
        ))}
    </Page>
  );
}
