// A household's story, oldest first: import → task → visit → decision → referrals → resolved.
import type { ComponentChildren } from 'preact';
import { photoUrl } from '../../api/households';
import type { ExplanationLine, FlagRef, StoryEntry } from '../../api/types';
import { codeLabel, labelOf, t } from '../../i18n';
import { asText, coords, dateLong, dateTime } from '../../format';
import { Photo } from '../../ui/bits';
import type { Names } from '../../ui/reference';

/** A flag's or detail's extra data, shown as text whatever its shape. */
export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined || detail === '') return '';
  if (typeof detail !== 'object') return asText(detail);
  return Object.entries(detail as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${asText(v)}`)
    .join('; ');
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
          {detailText(f.detail) && <span class="meta"> — {detailText(f.detail)}</span>}
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
      return {
        title: t('story.imported', {
          source: codeLabel('source', d.source),
          file: d.filename ?? '—',
          batch: d.batch_id,
          row: d.row ?? '—',
        }),
      };
    }
    case 'registered':
      return { title: t('story.registered', { source: codeLabel('source', entry.detail.source) }) };
    case 'status': {
      const d = entry.detail;
      return {
        title: t('story.status', {
          from: codeLabel('status', d.from),
          to: codeLabel('status', d.to),
        }),
        body: d.reason ? <p>{d.reason}</p> : undefined,
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
          who: d.verifier ?? '—',
          outcome: codeLabel('outcome', d.outcome),
        }),
        body: (
          <>
            <p class="meta">
              {t('story.gps')}: {coords(d.lat, d.lng)}
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
          who: d.decided_by ?? entry.actor ?? '—',
        }),
        body: (
          <>
            <Explanation lines={d.explanation} />
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
        body: d.reason ? <p>{d.reason}</p> : undefined,
      };
    }
    case 'case_resolved':
      return { title: t('story.caseResolved', { id: entry.detail.case_id }) };
    case 'reverification':
      return { title: t('story.reverification', { id: entry.detail.task_id }) };
    default: {
      const other = entry as { kind: string; detail: unknown };
      return { title: other.kind, body: <p class="meta">{detailText(other.detail)}</p> };
    }
  }
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
      {entries.map((entry, i) => {
        const { title, body } = Entry({ entry, householdId, names });
        return (
          <li key={i} class={`story-${entry.kind}`}>
            <p class="when">
              <time dateTime={entry.at}>{dateTime(entry.at)}</time>
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
