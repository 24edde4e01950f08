// The one door to /api/v1. Uses only fetch, FormData, URL and Headers, so the same module can
// run in a service worker later (no window, no document, no localStorage here).
import type { LocalText } from './types';

export const API = '/api/v1';

/** `fields` of an error: field → messages; nested by index for lists ("members.0.nik"). */
export interface FieldErrors {
  [field: string]: FieldMessages | FieldErrors;
}
export type FieldMessages = (string | LocalText)[];

/** Every failed call. Not an Error subclass: `message` is the API's text in both languages. */
export class ApiError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: LocalText,
    readonly fields: FieldErrors | null = null,
    readonly requestId: string | null = null,
    /** Seconds from Retry-After (429 locked, rate limits). */
    readonly retryAfter: number | null = null,
  ) {}
}

const NETWORK: LocalText = {
  id: 'Server tidak dapat dihubungi. Periksa sambungan, lalu coba lagi.',
  en: 'The server cannot be reached. Check the connection and try again.',
};
const UNREADABLE: LocalText = {
  id: 'Jawaban server tidak dapat dibaca.',
  en: 'The server answered something unreadable.',
};

let csrfToken: string | null = null;
/** The token of the current session; sent as X-CSRF-Token on every non-GET request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Codes after which the person must sign in again or change their password. */
export const AUTH_CODES = new Set([
  'unauthenticated',
  'session_expired',
  'password_change_required',
  'totp_setup_required',
]);
let authListener: ((error: ApiError) => void) | null = null;
/** The page registers what to do on AUTH_CODES (a service worker would not). */
export function onAuthProblem(listener: ((error: ApiError) => void) | null): void {
  authListener = listener;
}

export type Query = Record<string, string | number | boolean | string[] | null | undefined>;

export interface RequestOptions {
  query?: Query;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
  /** Do not tell the auth listener (the start-up session check, sign-in itself). */
  quiet?: boolean;
}

export function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const search = params.toString();
  return `${API}${path}${search ? `?${search}` : ''}`;
}

export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers = new Headers({ Accept: 'application/json' });
  let body: BodyInit | undefined;
  if (options.form) body = options.form;
  else if (options.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.json);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers.set('X-CSRF-Token', csrfToken);

  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', NETWORK);
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (!options.quiet && AUTH_CODES.has(error.code)) authListener?.(error);
    throw error;
  }
  if (response.status === 204) return undefined as T;
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError(response.status, 'unreadable', UNREADABLE);
  }
}

interface ErrorBody {
  error?: {
    code?: string;
    message?: LocalText;
    fields?: FieldErrors | null;
    request_id?: string;
  };
}

/** `fields` as one shape: the registry names list items `members[0]`, marshmallow nests them
 * by index (`members.0`); both become `{members: {"0": {...}}}`. */
export function normalFields(fields: FieldErrors): FieldErrors {
  const out: FieldErrors = {};
  const put = (key: string, value: FieldErrors | FieldMessages) => {
    const item = /^(.+?)\[(\d+)\]$/.exec(key);
    const normal = Array.isArray(value) ? value : normalFields(value);
    if (!item) {
      const known = out[key];
      out[key] =
        known && !Array.isArray(known) && !Array.isArray(normal) ? { ...known, ...normal } : normal;
      return;
    }
    const [, base, index] = item as unknown as [string, string, string];
    const branch = out[base];
    const list: FieldErrors = branch && !Array.isArray(branch) ? branch : {};
    list[index] = normal;
    out[base] = list;
  };
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') put(key, [value]);
    else put(key, value);
  }
  return out;
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: ErrorBody = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // not JSON (a proxy's page): fall back to the status below
  }
  const e = body.error ?? {};
  const retry = Number(response.headers.get('Retry-After'));
  return new ApiError(
    response.status,
    e.code ?? `http_${response.status}`,
    e.message ?? {
      id: `Permintaan gagal (HTTP ${response.status}).`,
      en: `The request failed (HTTP ${response.status}).`,
    },
    e.fields && Object.keys(e.fields).length ? normalFields(e.fields) : null,
    e.request_id ?? response.headers.get('X-Request-Id'),
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) =>
  request<T>('GET', path, { query, signal });
export const post = <T>(path: string, json?: unknown) =>
  request<T>('POST', path, { json: json ?? {} });
export const postForm = <T>(path: string, form: FormData) => request<T>('POST', path, { form });
export const patch = <T>(path: string, json: unknown) => request<T>('PATCH', path, { json });
export const del = <T>(path: string, json?: unknown) => request<T>('DELETE', path, { json });

/** Anything thrown by a call, as an ApiError (so screens handle one kind). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'client', {
    id: 'Terjadi kesalahan di aplikasi.',
    en: 'Something went wrong in the application.',
  });
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** A random id (crypto.randomUUID needs HTTPS; a village LAN may serve plain HTTP). */
export function newId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
