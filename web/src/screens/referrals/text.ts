import type { Referral } from '../../api/types';
import { labelOf, pick, t } from '../../i18n';
import { asText, dateShort, due } from '../../format';

/** A reason as the rules wrote it: a code (in words by `label`), a label pair, or an object. */
export function reasonText(reason: unknown, label: (code: string) => string): string {
  if (typeof reason === 'string') return label(reason);
  if (reason && typeof reason === 'object') {
    const r = reason as Record<string, unknown>;
    if (typeof r.label_id === 'string')
      return labelOf({ label_id: r.label_id, label_en: asText(r.label_en) });
    if (typeof r.id === 'string') return pick({ id: r.id, en: asText(r.en) });
    if (typeof r.code === 'string') return r.code;
    return JSON.stringify(reason);
  }
  return asText(reason);
}

/** Which SLA date matters now: receiving a new referral, then completing it. */
export function dueLine(r: Referral): { text: string; late: boolean } {
  const waiting = r.state === 'created' || r.state === 'sent';
  const date = waiting ? r.receive_by : r.complete_by;
  const closed = ['completed', 'closed', 'rejected', 'rerouted', 'cancelled'].includes(r.state);
  if (closed || !date) return { text: '', late: false };
  return {
    text: t(waiting ? 'referral.receiveBy' : 'referral.completeBy', {
      rel: due(date),
      date: dateShort(date),
    }),
    late: r.overdue || Date.parse(date) < Date.now(),
  };
}
