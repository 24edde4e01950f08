import { API, get, newId, post, postForm } from './client';
import type { AgencyStatus, Referral, ReferralTab } from './types';

export const referrals = (opdCode: string | null, state: ReferralTab, signal?: AbortSignal) =>
  get<{ opd_code: string; referrals: Referral[] }>(
    '/referrals',
    { opd_code: opdCode, state },
    signal,
  );
export const referral = (id: number, signal?: AbortSignal) =>
  get<Referral>(`/referrals/${id}`, undefined, signal);

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
