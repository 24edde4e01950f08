// The outbox the verifier sees: each visit and each of its photos waiting, sending, sent or
// refused (with the server's reason); a late visit with why it is late. Nothing is dropped
// silently: a refused visit stays here.
import { dateTime, fileSize, num, time } from '../../format';
import { codeLabel } from '../../i18n';
import { useStore } from '../../store';
import { read } from '../db';
import { useLive } from '../live';
import { syncNow, syncStatus } from '../outbox';
import type { Account, OutboxVisit, StoredPhoto } from '../types';
import { Screen, StateBadge, said } from '../ui';
import { w } from '../words';

interface Item {
  visit: OutboxVisit;
  photos: StoredPhoto[];
}

export function Outbox({ account }: { account: Account }) {
  const status = useStore(syncStatus);
  const items = useLive<Item[]>(
    () =>
      read(['visits', 'photos'], async (t) => {
        const visits = (await t.all('visits')).sort((a, b) =>
          a.created_at.localeCompare(b.created_at),
        );
        const out: Item[] = [];
        for (const visit of visits) {
          const photos = await t.by('photos', 'visit_id', visit.visit_id);
          out.push({
            visit,
            photos: photos.sort((a, b) => a.captured_at.localeCompare(b.captured_at)),
          });
        }
        return out;
      }),
    [],
  );
  const own = items?.filter((i) => i.visit.owner === account.username) ?? [];
  const others = items?.filter((i) => i.visit.owner !== account.username) ?? [];
  const waiting = own.some((i) => i.visit.state === 'waiting');

  return (
    <Screen title={w('nav.outbox')}>
      <p>{w('outbox.intro')}</p>
      <div class="actions">
        <button
          type="button"
          class="secondary"
          disabled={status.running || !waiting}
          onClick={() => void syncNow(true)}
        >
          {status.running ? w('net.sending') : w('outbox.sendNow')}
        </button>
      </div>
      {status.problem && <p class="meta">{said(status.problem)}</p>}
      {items && own.length === 0 && others.length === 0 && <p class="empty">{w('outbox.empty')}</p>}
      <ul class="outbox-list">
        {own.map((item) => (
          <VisitItem key={item.visit.visit_id} item={item} />
        ))}
        {others.map((item) => (
          <VisitItem key={item.visit.visit_id} item={item} other />
        ))}
      </ul>
    </Screen>
  );
}

function VisitItem({ item, other }: { item: Item; other?: boolean }) {
  const { visit, photos } = item;
  const sent = photos.filter((p) => p.state === 'sent').length;
  const late = visit.result?.status === 'late';
  const id = `visit-${visit.visit_id}`;
  return (
    <li class={`card outbox-item state-${visit.state}`}>
      <h2 class="h3" id={`${id}-title`}>
        {w('outbox.visitOf', { head: visit.head_name ?? '—', task: visit.task_id })}
      </h2>
      <div class="badges">
        <StateBadge state={visit.state} label={late ? w('outbox.late') : undefined} />
        {other && <span class="badge warn">{w('outbox.otherUser', { user: visit.owner })}</span>}
        {visit.nik_recorded && <span class="badge info">{w('outbox.nik')}</span>}
      </div>
      <p class="meta">
        {visit.desa_name ? `${visit.desa_name} · ` : ''}
        {w('outbox.savedAt', { when: dateTime(visit.created_at) })}
        {visit.result?.received_at
          ? ` · ${w('outbox.sentAt', { when: dateTime(visit.result.received_at) })}`
          : ''}
      </p>
      {late && visit.result?.message && (
        <p class="late-why" role="note">
          {w('outbox.lateWhy', { why: said(visit.result.message) })}
        </p>
      )}
      {visit.state === 'refused' && visit.error && (
        <p class="field-error refused-why">{said(visit.error)}</p>
      )}
      {visit.state === 'waiting' && visit.error && (
        <p class="meta">
          {said(visit.error)}
          {visit.attempts > 0 ? ` (${w('outbox.attempts', { n: num(visit.attempts) })})` : ''}
          {visit.next_at > Date.now()
            ? ` · ${w('outbox.nextTry', { when: time(new Date(visit.next_at)) })}`
            : ''}
        </p>
      )}
      {photos.length > 0 && (
        <details class="photo-states" open={visit.state !== 'sent'}>
          <summary>{w('outbox.photos', { sent: num(sent), total: num(photos.length) })}</summary>
          <ul>
            {photos.map((p) => (
              <li key={p.photo_id}>
                {codeLabel('photoKind', p.kind)} · {fileSize(p.size)}{' '}
                <StateBadge state={p.state === 'draft' ? 'waiting' : p.state} />
                {p.error && <span class="field-error"> {said(p.error)}</span>}
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}
