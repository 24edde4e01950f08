import { request } from './client';
import type {
  DashboardFigures,
  HouseholdReport,
  ReferralReport,
  VerificationReport,
} from './types';

export interface HouseholdReportQuery {
  group_by: ('kecamatan' | 'desa' | 'welfare_class' | 'status')[];
  at?: string;
  extreme_poor?: boolean;
  welfare_class?: string[];
  zeros?: boolean;
}

/** `quiet`: a request made ahead of time (the session may turn out to be gone). */
export const householdReport = (query: HouseholdReportQuery, signal?: AbortSignal, quiet = false) =>
  request<HouseholdReport>('GET', '/reports/households', {
    query: { ...query, format: 'json' },
    signal,
    quiet,
  });
export const referralReport = (signal?: AbortSignal, quiet = false) =>
  request<ReferralReport>('GET', '/reports/referrals', { signal, quiet });
export const verificationReport = (signal?: AbortSignal, quiet = false) =>
  request<VerificationReport>('GET', '/reports/verification', { signal, quiet });

/** Households, poor and extreme poor per desa on two days, in one request. */
export const dashboardFigures = (a: string, b: string, signal?: AbortSignal, quiet = false) =>
  request<DashboardFigures>('GET', '/reports/dashboard', { query: { a, b }, signal, quiet });
