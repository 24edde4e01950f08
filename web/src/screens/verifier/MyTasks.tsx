import { tasks } from '../../api/verification';
import { codeLabel, t } from '../../i18n';
import { daysFromToday, dateShort, due } from '../../format';
import { Link } from '../../router';
import { Badge } from '../../ui/bits';
import { Empty, ErrorBox, Loading } from '../../ui/feedback';
import { Page } from '../../ui/Page';
import { useNames } from '../../ui/reference';
import { useAsync } from '../../ui/useAsync';
import { rtRw } from '../households/labels';

const VISITABLE = new Set(['assigned', 'returned', 'open', 'visited']);
const STATES = 'assigned,returned,visited,submitted';

/** The verifier's own tasks: those to visit, the most urgent first; then those sent. */
export function MyTasks() {
  const names = useNames();
  const data = useAsync((signal) => tasks({ state: STATES }, signal), []);
  const list = [...(data.data ?? [])].sort(
    (a, b) =>
      Number(b.state === 'returned') - Number(a.state === 'returned') ||
      Number(a.state === 'submitted') - Number(b.state === 'submitted') ||
      (Date.parse(a.due_at ?? '') || Infinity) - (Date.parse(b.due_at ?? '') || Infinity),
  );
  return (
    <Page title={t('myTasks.title')}>
      {data.loading && <Loading />}
      <ErrorBox error={data.error} />
      {data.data &&
        (list.length === 0 ? (
          <Empty>{t('myTasks.none')}</Empty>
        ) : (
          <ul class="results">
            {list.map((task) => {
              const sent = task.state === 'submitted';
              const late =
                !sent && (task.overdue || (task.due_at ? daysFromToday(task.due_at) < 0 : false));
              return (
                <li key={task.task_id} class="card result">
                  <h2 class="h3">{task.household.head_name || t('household.noName')}</h2>
                  <p class="meta">
                    {task.household.alamat ?? '—'} · {rtRw(task.household.rt, task.household.rw)}
                  </p>
                  <p class="meta">
                    {names.desa(task.household.desa_code)},{' '}
                    {names.kecamatan(task.household.kecamatan_code)}
                  </p>
                  <p class="badges">
                    <Badge tone={task.state === 'returned' ? 'warn' : 'neutral'}>
                      {codeLabel('taskState', task.state)}
                    </Badge>{' '}
                    {!sent && (
                      <span class={late ? 'late' : 'meta'}>
                        {t('myTasks.due', { rel: due(task.due_at), date: dateShort(task.due_at) })}
                      </span>
                    )}
                  </p>
                  <p class="actions">
                    {VISITABLE.has(task.state) && (
                      <Link class="button" href={`/tasks/${task.task_id}/visit`}>
                        {t('myTasks.visit')}
                      </Link>
                    )}{' '}
                    <Link
                      class="button secondary"
                      href={`/households/${task.household.household_id}`}
                    >
                      {t('myTasks.household')}
                    </Link>
                  </p>
                </li>
              );
            })}
          </ul>
        ))}
    </Page>
  );
}
