// A household's story, oldest first: import → task → visit → decision → referrals → resolved.
import type { ComponentChildren } from 'preact';
import { photoUrl } from '../../api/households';
import type { ExplanationLine, FlagRef, StoryEntry } from '../../api/types';
import { codeLabel, labelOf, lang, t } from '../../i18n';
import { asText, coords, dateLong, dateTime } from '../../format';
import { Photo } from '../../ui/bits';
import type { Names } from '../../ui/reference';

/** Why the registry's status moved, in words where the code is known. */
function reason(text: string): string {
  const label = codeLabel('reason', text);
  if (label !== text) return label;
  const batch = /^import batch (\d+)$/.exec(text);
  if (batch) return t('story.byImport', { batch: batch[1]! });
  return text.replace(/_/g, ' ');
}

/** A flag's or detail's extra data, shown as text whatever its shape. */
export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined || detail === '') return '';
  if (typeof detail !== 'object') return asText(detail);
  return Object.entries(detail as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${asText(v)}`)
    .join('; ');
}

/** A flag's detail in the reader's language where the service said it in both. */
function flagDetail(flag: FlagRef): string {
  if (lang() === 'id' && flag.detail_id) return flag.detail_id;
  return detailText(flag.detail);
}

export function FlagList({ flags }: { flags: FlagRef[] }) {
  if (!flags.length) return null;
  return (
    <ul class="flags">
      {flags.map((f, i) => (
        <li key={`${f.code}-${i}`}>
          <strong>
            {f.label_id || f.label_en
              ? labelOf({ label_id: f.label_id ?? '', label_en: f.label_en ?? '' })
              : f.code}
          </strong>
          {flagDetail(f) && <span class="meta"> — {flagDetail(f)}</span>}
        </li>
      ))}
    </ul>
  );
}

export function Explanation({ lines }: { lines: ExplanationLine[] }) {
  if (!lines.length) return null;
  return (
    <ul class="explanation">
      {lines.map((line, i) => (
        <li key={`${line.code}-${i}`}>{labelOf(line)}</li>
      ))}
    </ul>
  );
}

function Entry({
  entry,
  householdId,
  names,
}: {
  entry: StoryEntry;
  householdId: number;
  names: Names;
}): { title: string; body?: ComponentChildren } {
  switch (entry.kind) {
    case 'imported': {
      const d = entry.detail;
      const pemda = d.filename?.startsWith('pemda:');
      return {
        title: pemda
          ? t('story.enteredPemda', { who: d.filename!.slice(6) })
          : t('story.imported', {
              source: codeLabel('source', d.source),
              file: d.filename ?? '—',
              batch: d.batch_id,
              row: d.row ?? '—',
            }),
        body: d.member ? <p class="meta">{t('story.member', { name: d.member })}</p> : undefined,
      };
    }
    case 'status': {
      const d = entry.detail;
      return {
        title: d.from
          ? t('story.status', {
              from: codeLabel('status', d.from),
              to: codeLabel('status', d.to),
            })
          : t('story.statusFirst', { to: codeLabel('status', d.to) }),
        body:
          d.reason || d.welfare_class ? (
            <p class="meta">
              {[
                d.welfare_class && codeLabel('welfare', d.welfare_class),
                d.reason && reason(d.reason),
              ]
                .filter(Boolean)
                .join(' · ')}
            </p>
          ) : undefined,
      };
    }
    case 'task': {
      const d = entry.detail;
      return {
        title: t('story.task', {
          id: d.task_id,
          state: codeLabel('taskState', d.state),
          who: d.assignee ?? '—',
          due: dateLong(d.due_at),
        }),
      };
    }
    case 'visit': {
      const d = entry.detail;
      return {
        title: t('story.visit', {
          who: entry.actor ?? '—',
          outcome: codeLabel('outcome', d.outcome),
        }),
        body: (
          <>
            <p class="meta">
              {t('story.gps')}: {coords(d.lat, d.lng)}
              {d.welfare_class ? ` · ${codeLabel('welfare', d.welfare_class)}` : ''}
              {d.late ? ` · ${t('approval.late')}` : ''}
            </p>
            {d.photos.length > 0 && (
              <div class="photos">
                {d.photos.map((p) => (
                  <Photo
                    key={p.sha256}
                    thumb={photoUrl(householdId, p.sha256, 'thumb')}
                    full={photoUrl(householdId, p.sha256, 'full')}
                    alt={t('photo.of', { kind: codeLabel('photoKind', p.kind) })}
                  />
                ))}
              </div>
            )}
            <FlagList flags={d.flags} />
          </>
        ),
      };
    }
    case 'decision': {
      const d = entry.detail;
      return {
        title: t('story.decision', {
          outcome: codeLabel('decision', d.outcome),
          welfare: codeLabel('welfare', d.welfare_class),
          who: entry.actor ?? '—',
        }),
        body: (
          <>
            {d.explanation.length > 0 && (
              <details>
                <summary>{t('story.reasons', { n: d.explanation.length })}</summary>
                <Explanation lines={d.explanation} />
              </details>
            )}
            {d.note && <p>{t('story.note', { note: d.note })}</p>}
          </>
        ),
      };
    }
    case 'case': {
      const d = entry.detail;
      return {
        title: t('story.case', {
          id: d.case_id,
          needs: d.needs.map((n) => codeLabel('need', n)).join(', ') || '—',
        }),
        body: d.in_care_while_not_poor ? <p>{t('story.inCareNotPoor')}</p> : undefined,
      };
    }
    case 'referral': {
      const d = entry.detail;
      return {
        title: t('story.referral', {
          id: d.referral_id,
          agency: names.agency(d.opd_code),
          need: codeLabel('need', d.need),
        }),
        body: (
          <p class="meta">
            {d.programme ? `${d.programme} · ` : ''}
            {t('story.referralDue', {
              receive: dateLong(d.receive_by),
              complete: dateLong(d.complete_by),
            })}
          </p>
        ),
      };
    }
    case 'referral_status': {
      const d = entry.detail;
      return {
        title: t('story.referralStatus', {
          id: d.referral_id,
          agency: names.agency(d.opd_code),
          from: codeLabel('referralState', d.from),
          to: codeLabel('referralState', d.to),
        }),
        body: d.note ? <p class="meta">{d.note}</p> : undefined,
      };
    }
    case 'case_resolved':
      return { title: t('story.caseResolved', { id: entry.detail.case_id }) };
    case 'reverification':
      return { title: t('story.reverificationPlanned') };
    default: {
      const other = entry as { kind: string; detail: unknown };
      return { title: other.kind, body: <p class="meta">{detailText(other.detail)}</p> };
    }
  }
}

/** The story as a person reads it: one entry per file row batch (a family's rows come
 * together), and no "created → sent" for a referral (it is sent as it is made). */
function readable(entries: StoryEntry[]): StoryEntry[] {
  const out: StoryEntry[] = [];
  for (const entry of entries) {
    if (entry.kind === 'referral_status' && entry.detail.from === 'created') continue;
    const last = out[out.length - 1];
    if (
      entry.kind === 'imported' &&
      last?.kind === 'imported' &&
      last.detail.batch_id === entry.detail.batch_id
    ) {
      const members = [last.detail.member, entry.detail.member].filter(Boolean).join(', ');
      out[out.length - 1] = { ...last, detail: { ...last.detail, member: members || null } };
      continue;
    }
    out.push(entry);
  }
  return out;
}

export function StoryList({
  entries,
  householdId,
  names,
}: {
  entries: StoryEntry[];
  householdId: number;
  names: Names;
}) {
  return (
    <ol class="story">
      {readable(entries).map((entry, i) => {
        const { title, body } = Entry({ entry, householdId, names });
        return (
          <li key={i} class={`story-${entry.kind}`}>
            <p class="when">
              <time dateTime={entry.at ?? undefined}>{dateTime(entry.at)}</time>
              {entry.actor && <span> · {entry.actor}</span>}
            </p>
            <p class="what">{title}</p>
            {body}
          </li>
        );
      })}
    </ol>
  );
}
