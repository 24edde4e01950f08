import { get } from './client';
import type { HouseholdReport, ReferralReport, VerificationReport } from './types';

export interface HouseholdReportQuery {
  group_by: 'kecamatan' | 'desa';
  at?: string;
  extreme_poor?: boolean;
  welfare_class?: string[];
}

export const householdReport = (query: HouseholdReportQuery, signal?: AbortSignal) =>
  get<HouseholdReport>('/reports/households', { ...query, zeros: true, format: 'json' }, signal);
export const referralReport = (signal?: AbortSignal) =>
  get<ReferralReport>('/reports/referrals', undefined, signal);
export const verificationReport = (signal?: AbortSignal) =>
  get<VerificationReport>('/reports/verification', undefined, signal);
