import { get, post, postForm, type Query } from './client';
import type { Task, TaskDetail, TaskReportRow, Verifier, VisitResult } from './types';

export interface TaskQuery extends Query {
  state?: string;
  assignee?: string;
  kecamatan_code?: string;
  overdue?: boolean;
}

export const tasks = (query: TaskQuery = {}, signal?: AbortSignal) =>
  get<{ tasks: Task[] }>('/tasks', query, signal).then((r) => r.tasks);
export const task = (id: number, signal?: AbortSignal) =>
  get<TaskDetail>(`/tasks/${id}`, undefined, signal);
export const verifiers = (signal?: AbortSignal) =>
  get<{ verifiers: Verifier[] }>('/verifiers', undefined, signal).then((r) => r.verifiers);
export const taskReport = (groupBy: 'assignee' | 'kecamatan', signal?: AbortSignal) =>
  get<{ rows: TaskReportRow[] }>('/reports/tasks', { group_by: groupBy }, signal).then(
    (r) => r.rows,
  );

export const approve = (id: number, body: { flags_reviewed: boolean; note: string }) =>
  post<unknown>(`/tasks/${id}/approve`, body);
export const returnVisit = (id: number, note: string) =>
  post<unknown>(`/tasks/${id}/return`, { note });
export const reject = (id: number, body: { reasons: string[]; note: string }) =>
  post<unknown>(`/tasks/${id}/reject`, body);
export const secondVerifier = (id: number, verifier: string) =>
  post<unknown>(`/tasks/${id}/second-verifier`, { verifier });
export const assign = (id: number, verifier: string) =>
  post<unknown>(`/tasks/${id}/assign`, { verifier });

/** The `visit` part of POST /tasks/{id}/visits (schemas.py VisitForm). */
export interface VisitForm {
  client_key: string;
  outcome: string;
  started_at: string;
  ended_at: string;
  latitude: number | null;
  longitude: number | null;
  answers: Record<string, unknown> | null;
  photos: {
    file: string;
    kind: string;
    captured_at: string | null;
    latitude: number | null;
    longitude: number | null;
  }[];
}

/** Multipart: `visit` as a JSON text field, each photo a file part named by its entry's `file`. */
export function submitVisit(taskId: number, visit: VisitForm, files: Map<string, Blob>) {
  const form = new FormData();
  form.append('visit', JSON.stringify(visit));
  for (const entry of visit.photos) {
    const blob = files.get(entry.file);
    if (blob)
      form.append(entry.file, blob, `${entry.file}.${blob.type === 'image/png' ? 'png' : 'jpg'}`);
  }
  return postForm<VisitResult>(`/tasks/${taskId}/visits`, form);
}
