// The sync endpoints (/api/v1/sync), by the device's credential: an HttpOnly cookie the browser
// sends and these scripts never see. Every answer is sorted into what the outbox does with it
// (services/gateway/domain/sync.py): sent, later (network, 5xx, 408, 429), signed out (401),
// photos missing (409), or refused for good with the server's words.
import type { LocalText } from '../api/types';
import type { SyncTasks, VisitBody, VisitResult } from './types';

const API = '/api/v1/sync';
const DEVICE = { 'X-Sipmas-Device': '1' };
const JSON_TIMEOUT_MS = 60_000;

/** A call that did not end in 2xx, sorted. */
export class SyncProblem extends Error {
  constructor(
    readonly kind: 'later' | 'signed_out' | 'photos_missing' | 'refused',
    readonly status: number,
    readonly code: string,
    readonly text: LocalText, // the server's words, in both languages
    readonly missing: string[] = [],
  ) {
    super(text.en);
  }
}

const NETWORK: LocalText = {
  id: 'Server tidak dapat dihubungi; dicoba lagi otomatis.',
  en: 'The server cannot be reached; tried again by itself.',
};

interface ErrorBody {
  error?: { code?: string; message?: LocalText; fields?: Record<string, unknown> | null };
}

async function problem(response: Response): Promise<SyncProblem> {
  let body: ErrorBody = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // not JSON (a proxy's page, a cut answer)
  }
  const status = response.status;
  const code = body.error?.code ?? `http_${status}`;
  const message = body.error?.message ?? {
    id: `Server menjawab HTTP ${status}.`,
    en: `The server answered HTTP ${status}.`,
  };
  if (status >= 500 || status === 408 || status === 429 || status === 0) {
    return new SyncProblem('later', status, code, message);
  }
  if (status === 401) return new SyncProblem('signed_out', status, code, message);
  if (status === 409 && code === 'photos_missing') {
    const listed = body.error?.fields?.photos;
    const missing = Array.isArray(listed) ? listed.map(String) : [];
    return new SyncProblem('photos_missing', status, code, message, missing);
  }
  return new SyncProblem('refused', status, code, message);
}

async function call(path: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${API}${path}`, {
      ...init,
      credentials: 'same-origin',
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new SyncProblem('later', 0, 'network', NETWORK); // offline, cut, timed out
  }
  if (!response.ok) throw await problem(response);
  return response;
}

async function json<T>(response: Response): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch {
    throw new SyncProblem('later', response.status, 'unreadable', NETWORK); // cut mid-answer
  }
}

export async function tasks(): Promise<SyncTasks> {
  const answer = await call('/tasks', { headers: { Accept: 'application/json' } }, JSON_TIMEOUT_MS);
  return json<SyncTasks>(answer);
}

export async function thumbnail(sha256: string): Promise<Blob> {
  const answer = await call(`/photos/${sha256}`, {}, JSON_TIMEOUT_MS);
  try {
    return await answer.blob();
  } catch {
    throw new SyncProblem('later', answer.status, 'unreadable', NETWORK);
  }
}

/** Whether the server already has this photo (only asked after an attempt that may have
 * reached it: a fresh photo costs one request). */
export async function hasPhoto(sha256: string): Promise<boolean> {
  try {
    await call(`/uploads/${sha256}`, { method: 'HEAD' }, JSON_TIMEOUT_MS);
    return true;
  } catch (error) {
    if (error instanceof SyncProblem && error.status === 404) return false;
    throw error;
  }
}

/** One photo, its bytes the body, named by their SHA-256 (the server keeps it once). Time
 * allowed: a minute, plus what 40 kbit/s needs for its bytes. */
export async function putPhoto(sha256: string, blob: Blob): Promise<void> {
  await call(
    `/uploads/${sha256}`,
    { method: 'PUT', body: blob, headers: { ...DEVICE, 'Content-Type': 'image/jpeg' } },
    60_000 + (blob.size / 5_000) * 1000,
  );
}

export async function sendVisit(body: VisitBody, deviceClock: string): Promise<VisitResult> {
  const answer = await call(
    '/visits',
    {
      method: 'POST',
      body: JSON.stringify({ ...body, device_clock: deviceClock }),
      headers: { ...DEVICE, 'Content-Type': 'application/json', Accept: 'application/json' },
    },
    JSON_TIMEOUT_MS,
  );
  return json<VisitResult>(answer);
}

export async function issueCredential(csrf: string): Promise<{ expires_at: string; days: number }> {
  const answer = await call(
    '/credential',
    { method: 'POST', headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' } },
    JSON_TIMEOUT_MS,
  );
  return json(answer);
}

export async function endCredential(): Promise<void> {
  await call('/credential', { method: 'DELETE', headers: DEVICE }, JSON_TIMEOUT_MS);
}
