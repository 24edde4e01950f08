import { API, get, post, type Query } from './client';
import type { Conflict, Household, HouseholdSummary, MemberEntry, Story } from './types';

export interface HouseholdSearch extends Query {
  name?: string;
  nik?: string;
  no_kk?: string;
  desa_code?: string;
  kecamatan_code?: string;
  rt?: string;
  rw?: string;
  limit?: number;
}

export const searchHouseholds = (query: HouseholdSearch, signal?: AbortSignal) =>
  get<{ households: HouseholdSummary[] }>('/households', query, signal).then((r) => r.households);
export const household = (id: number, signal?: AbortSignal) =>
  get<Household>(`/households/${id}`, undefined, signal);
export const story = (id: number, signal?: AbortSignal) =>
  get<Story>(`/households/${id}/story`, undefined, signal);
export const registerHousehold = (members: MemberEntry[]) =>
  post<{ household_ids: number[] }>('/households', { members });

export const photoUrl = (householdId: number, sha256: string, size: 'thumb' | 'full') =>
  `${API}/households/${householdId}/photos/${encodeURIComponent(sha256)}?size=${size}`;

export const conflicts = (signal?: AbortSignal) =>
  get<{ conflicts: Conflict[] }>('/conflicts', { limit: 100 }, signal).then((r) => r.conflicts);
export const resolveConflict = (id: number, value: string | null) =>
  post<{ conflict_id: number; household_id: number; field: string; value: string | null }>(
    `/conflicts/${id}/resolve`,
    { value },
  );
