import { API, del, get, patch, post, postForm } from './client';
import type {
  ApiToken,
  ImportBatch,
  ImportDetail,
  ImportStarted,
  RoutingTable,
  UserInput,
  UserRow,
} from './types';

export const IMPORT_SOURCES = ['dtks', 'dtsen', 'p3ke', 'pmks'] as const;

export function startImport(source: string, file: File) {
  const form = new FormData();
  form.append('source', source);
  form.append('file', file, file.name);
  return postForm<ImportStarted>('/imports', form);
}
export const imports = (signal?: AbortSignal) =>
  get<{ imports: ImportBatch[] }>('/imports', { limit: 50 }, signal).then((r) => r.imports);
/** An import's status and one page of its row report. */
export const importBatch = (id: number, offset: number, limit: number, signal?: AbortSignal) =>
  get<ImportDetail>(`/imports/${id}`, { problems_offset: offset, problems_limit: limit }, signal);
export const importReportUrl = (id: number) => `${API}/imports/${id}/report.csv`;

export const users = (signal?: AbortSignal) =>
  get<{ users: UserRow[] }>('/users', undefined, signal).then((r) => r.users);
export const createUser = (body: UserInput) =>
  post<{ user: UserRow; temporary_password: string }>('/users', body);
export const updateUser = (username: string, body: Partial<UserInput> & { active?: boolean }) =>
  patch<UserRow>(`/users/${encodeURIComponent(username)}`, body);
export const resetPassword = (username: string) =>
  post<{ temporary_password: string }>(`/users/${encodeURIComponent(username)}/password`);
export const tokens = (username: string, signal?: AbortSignal) =>
  get<{ tokens: ApiToken[] }>(
    `/users/${encodeURIComponent(username)}/tokens`,
    undefined,
    signal,
  ).then((r) => r.tokens);
export const createToken = (username: string, label: string | null) =>
  post<{ id: number; token: string; expires_at: string }>(
    `/users/${encodeURIComponent(username)}/tokens`,
    label ? { label } : {},
  );
export const revokeToken = (id: number) => del<ApiToken>(`/tokens/${id}`);
export const revokeSync = (username: string) =>
  del<{ revoked: number }>(`/users/${encodeURIComponent(username)}/sync-credentials`);

export const routingTable = (signal?: AbortSignal) =>
  get<RoutingTable>('/routing-table', undefined, signal);
export const proposeRouting = (csv: string, note: string) =>
  post<{ version: number; rules: number; loaded_by: string }>('/routing-table', { csv, note });
