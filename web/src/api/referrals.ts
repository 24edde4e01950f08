import { API, get, newId, post, postForm } from './client';
import type { AgencyStatus, Referral, ReferralTab, ReferralWire } from './types';

/** Either view of a referral, read one way: an agency's (`status`, `household`, `persons`) or
 * Dinsos staff's (`state`, `household_id`); created when its history began. */
export function readReferral(r: ReferralWire): Referral {
  const history = r.history ?? [];
  return {
    referral_id: r.referral_id,
    state: r.state ?? r.status ?? 'sent',
    need: r.need,
    opd_code: r.opd_code,
    programme: r.programme ?? null,
    created_at: history[0]?.at ?? null,
    receive_by: r.receive_by,
    complete_by: r.complete_by,
    overdue: r.overdue ?? false,
    household_id: r.household?.household_id ?? r.household_id ?? null,
    household: r.household ?? null,
    persons: r.persons ?? [],
    reasons: r.reasons ?? [],
    evidence_ref: r.evidence_ref ?? null,
    reason: r.reason ?? null,
    history,
  };
}

export const referrals = (opdCode: string | null, state: ReferralTab, signal?: AbortSignal) =>
  get<{ opd_code: string; referrals: ReferralWire[] }>(
    '/referrals',
    { opd_code: opdCode, state },
    signal,
  ).then((r) => ({ opd_code: r.opd_code, referrals: r.referrals.map(readReferral) }));
export const referral = (id: number, signal?: AbortSignal) =>
  get<ReferralWire>(`/referrals/${id}`, undefined, signal).then(readReferral);

export interface StatusChange {
  status: AgencyStatus;
  reason?: string;
  note?: string;
  evidence?: File | null;
}

/** JSON, or multipart when there is an evidence file. `update_id` makes a retry harmless. */
export function updateStatus(id: number, change: StatusChange) {
  const fields: Record<string, string> = { status: change.status, update_id: newId() };
  if (change.reason) fields.reason = change.reason;
  if (change.note) fields.note = change.note;
  if (!change.evidence) return post<{ state: string }>(`/referrals/${id}/status`, fields);
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('evidence', change.evidence, change.evidence.name);
  return postForm<{ state: string }>(`/referrals/${id}/status`, form);
}

export const evidenceUrl = (id: number, sha256: string) =>
  `${API}/referrals/${id}/evidence/${encodeURIComponent(sha256)}`;
