// The home screen: what waits to be sent, when the phone last synced, and the tasks taken
// along (household, address, due date), each opening its visit.
import { codeLabel } from '../../i18n';
import { dateTime, due, num } from '../../format';
import { Link } from '../../router';
import { useStore } from '../../store';
import { getMeta, read } from '../db';
import { useLive } from '../live';
import { syncNow, syncStatus } from '../outbox';
import { space } from '../storage';
import type { Account, Draft, OutboxVisit, StoredTask, Work } from '../types';
import { Alert, Screen, StateBadge, said } from '../ui';
import { visitDone } from '../work';
import { w } from '../words';
import { fileSize } from '../../format';

const CLOCK_WARN_MS = 15 * 60_000;

function clockDiff(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes >= 2 * 24 * 60) return `${num(Math.round(minutes / 1440))} hari`;
  if (minutes >= 120) return `${num(Math.round(minutes / 60))} jam`;
  return `${num(minutes)} menit`;
}

interface Home {
  tasks: StoredTask[];
  drafts: Map<number, Draft>;
  visits: Map<number, OutboxVisit>;
  work: Work | null;
  waiting: number;
  refused: number;
}

export function Tasks({ account }: { account: Account }) {
  const status = useStore(syncStatus);
  const room = useStore(space);
  const home = useLive<Home>(
    () =>
      read(['tasks', 'drafts', 'visits', 'meta'], async (t) => {
        const owner = account.username;
        const tasks = (await t.by('tasks', 'owner', owner)).sort(
          (a, b) => (a.due_at ?? '9999').localeCompare(b.due_at ?? '9999') || a.task_id - b.task_id,
        );
        const drafts = new Map((await t.by('drafts', 'owner', owner)).map((d) => [d.task_id, d]));
        const own = await t.by('visits', 'owner', owner);
        const visits = new Map<number, OutboxVisit>();
        for (const v of own.sort((a, b) => a.created_at.localeCompare(b.created_at))) {
          visits.set(v.task_id, v);
        }
        return {
          tasks,
          drafts,
          visits,
          work: await getMeta<Work>(t, `work:${owner}`),
          waiting: own.filter((v) => v.state === 'waiting' || v.state === 'sending').length,
          refused: own.filter((v) => v.state === 'refused').length,
        };
      }),
    [account.username],
  );
  const offset = home?.work
    ? Date.parse(home.work.fetchedAt) - Date.parse(home.work.serverTime)
    : 0;

  return (
    <Screen title={w('tasks.title')}>
      <section class="card sync-summary" aria-label={w('nav.outbox')}>
        <p class="waiting-count">
          {home && home.waiting > 0 ? (
            <Link href="/field/kotak-keluar">
              {w('tasks.waitingCount', { n: num(home.waiting) })}
            </Link>
          ) : (
            w('tasks.nothingWaiting')
          )}
        </p>
        {home && home.refused > 0 && (
          <p class="field-error">
            <Link href="/field/kotak-keluar">
              {w('tasks.refusedCount', { n: num(home.refused) })}
            </Link>
          </p>
        )}
        <p class="meta">
          {account.lastSyncAt
            ? w('tasks.lastSync', { when: dateTime(account.lastSyncAt) })
            : w('tasks.neverSynced')}
        </p>
        {status.problem && <p class="meta">{said(status.problem)}</p>}
        <button
          type="button"
          class="secondary small"
          disabled={status.running}
          onClick={() => void syncNow(true)}
        >
          {status.running ? w('net.sending') : w('tasks.refresh')}
        </button>
      </section>
      {room.low && room.free !== null && (
        <Alert tone="warn" role="alert">
          <p>{w('storage.low', { free: fileSize(room.free) })}</p>
        </Alert>
      )}
      {Math.abs(offset) > CLOCK_WARN_MS && (
        <Alert tone="warn">
          <p>{w('tasks.clock', { diff: clockDiff(offset) })}</p>
        </Alert>
      )}
      {home && !home.work && <p class="empty">{w('tasks.notYet')}</p>}
      {home?.work && home.tasks.length === 0 && <p class="empty">{w('tasks.none')}</p>}
      {home && home.tasks.length > 0 && (
        <>
          <p class="meta">{w('tasks.count', { n: num(home.tasks.length) })}</p>
          <ul class="task-list">
            {home.tasks.map((task) => (
              <TaskCard
                key={task.task_id}
                task={task}
                draft={home.drafts.get(task.task_id)}
                visit={home.visits.get(task.task_id)}
              />
            ))}
          </ul>
        </>
      )}
    </Screen>
  );
}

function TaskCard({
  task,
  draft,
  visit,
}: {
  task: StoredTask;
  draft: Draft | undefined;
  visit: OutboxVisit | undefined;
}) {
  const h = task.household;
  const headingId = `task-${task.task_id}`;
  const done = visitDone(task, visit);
  return (
    <li class="card task-card">
      <h2 id={headingId}>{h.head_name || '—'}</h2>
      <p class="address">
        {h.alamat || '—'} · RT {h.rt ?? '—'} / RW {h.rw ?? '—'}
        <br />
        {h.desa_name ?? h.desa_code ?? '—'}, {h.kecamatan_name ?? h.kecamatan_code ?? '—'}
      </p>
      <p class="meta">
        #{task.task_id} · {codeLabel('taskState', task.state)} ·{' '}
        {w('tasks.members', { n: num(h.members.length) })}
        {task.due_at ? ` · ${w('tasks.due')}: ${due(task.due_at)}` : ''}
      </p>
      <div class="badges">
        {task.second_visit && <span class="badge info">{w('tasks.second')}</span>}
        {task.stale && <span class="badge warn">{w('tasks.stale')}</span>}
        {draft && <StateBadge state="draft" />}
        {visit && (
          <StateBadge
            state={visit.state}
            label={
              visit.state === 'sent'
                ? w('tasks.sent')
                : visit.state === 'refused'
                  ? undefined
                  : w('tasks.waiting')
            }
          />
        )}
      </div>
      {!done && (
        <p class="task-action">
          <Link href={`/field/kunjungan/${task.task_id}`} class="button">
            {draft ? w('tasks.continue') : w('tasks.start')}
          </Link>
        </p>
      )}
    </li>
  );
}
