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

export function Approvals() {
  const names = useNames();
  const data = useAsync((signal) => tasks({ state: 'submitted' }, signal), []);
  const queue = [...(data.data ?? [])].sort(queueOrder);
  return (
    <Page title={t('approvals.title')}>
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
