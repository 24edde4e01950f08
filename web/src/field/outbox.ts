// The outbox: visits kept on the phone go to the server by themselves — when the app opens,
// when the network returns, and on a timer with backoff (a dead link does not always flip
// navigator.onLine). Each visit's photos first, one request per photo keyed by its SHA-256,
// then the visit naming them, keyed by the id made on the phone: a resend is always safe (the
// server answers it with what it kept). Only one tab sends at a time (Web Locks); whatever is
// found 'sending' when the lock is taken was cut off (a crash, a reload) and waits again.
import type { LocalText } from '../api/types';
import { createStore } from '../store';
import * as api from './api';
import { SyncProblem } from './api';
import { phoneNow } from './clock';
import { getMeta, read, write } from './db';
import type { Account, OutboxVisit, StoredPhoto } from './types';
import { finishRevoke, markSignedOut, refreshTasks, wipeIfStale } from './work';

const LANES = 2; // two visits in flight: one's round trips hide behind the other's bytes
const BACKOFF_MS = [2_000, 4_000, 8_000, 15_000, 30_000];
const CAP_MS = 30_000;
const TASKS_EVERY_MS = 5 * 60_000;
const OFFLINE: LocalText = {
  id: 'Tanpa sinyal: kiriman berangkat sendiri begitu ada sinyal.',
  en: 'No signal: what waits is sent by itself once there is signal.',
};

export interface SyncStatus {
  running: boolean;
  problem: LocalText | null; // why the last run stopped (network, signed out)
  lastRunAt: number | null;
  nextAt: number | null;
}
export const syncStatus = createStore<SyncStatus>({
  running: false,
  problem: null,
  lastRunAt: null,
  nextAt: null,
});

class Stop extends Error {
  constructor(readonly problem: SyncProblem) {
    super(problem.message);
  }
}

const backoff = (attempts: number) => {
  const base = BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length) - 1] ?? CAP_MS;
  return Math.min(CAP_MS, Math.round(base * (0.8 + Math.random() * 0.4)));
};

let timer: number | undefined;
let rerun = false;
let rerunForced = false;
let running = false;
let lastTasksAt = 0;

/** Send what waits (everything when `force`, else what is due). Safe to call any time. */
export async function syncNow(force = false): Promise<void> {
  if (running) {
    rerun = true;
    rerunForced ||= force; // the network came back mid-run: everything again, at once
    return;
  }
  running = true;
  let offline = false;
  window.clearTimeout(timer);
  syncStatus.set({ ...syncStatus.get(), running: true, nextAt: null });
  try {
    do {
      rerun = false;
      offline = navigator.locks
        ? await navigator.locks.request('sipmas-field-outbox', () => run(force))
        : await run(force);
      force = rerunForced;
      rerunForced = false;
    } while (rerun);
  } finally {
    running = false;
    let next = await nextDue();
    if (next !== null && offline) next = Math.max(next, Date.now() + CAP_MS); // 'online' is sooner
    syncStatus.set({ ...syncStatus.get(), running: false, lastRunAt: Date.now(), nextAt: next });
    if (next !== null) {
      const wait = Math.min(CAP_MS, Math.max(250, next - Date.now()));
      timer = window.setTimeout(() => void syncNow(), wait);
    }
  }
}

async function nextDue(): Promise<number | null> {
  const account = await read(['meta'], (t) => getMeta<Account>(t, 'account'));
  if (!account?.signedIn) return null;
  const waiting = (await ownVisits(account.username)).filter((v) => v.state === 'waiting');
  if (!waiting.length) return null;
  return Math.min(...waiting.map((v) => v.next_at));
}

const ownVisits = (owner: string) =>
  read(['visits'], (t) => t.by('visits', 'owner', owner)).then((all) =>
    all.sort((a, b) => a.created_at.localeCompare(b.created_at)),
  );

/** One pass over the outbox; true when the browser knows it is offline. */
async function run(force: boolean): Promise<boolean> {
  await recover();
  await wipeIfStale();
  const account = await read(['meta'], (t) => getMeta<Account>(t, 'account'));
  if (!navigator.onLine) {
    // the browser knows there is no network: no request can reach the server (so none may
    // have, and a photo tried now would cost a HEAD later); the 'online' event restarts this
    syncStatus.set({ ...syncStatus.get(), problem: OFFLINE });
    return true;
  }
  if (!account?.signedIn) {
    if (account?.revokePending) await finishRevoke().catch(() => undefined);
    return false;
  }
  const now = Date.now();
  const queue = (await ownVisits(account.username)).filter(
    (v) => v.state === 'waiting' && (force || v.next_at <= now),
  );
  let stopped: SyncProblem | null = null;
  let sent = 0;
  const lane = async () => {
    while (!stopped) {
      const visit = queue.shift();
      if (!visit) return;
      try {
        if (await sendVisit(visit.visit_id)) sent++;
      } catch (error) {
        if (error instanceof Stop) stopped ??= error.problem;
        else throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  const halted = stopped as SyncProblem | null; // set inside the lanes
  if (halted) {
    syncStatus.set({ ...syncStatus.get(), problem: halted.text });
    return false;
  }
  syncStatus.set({ ...syncStatus.get(), problem: null });
  if (sent > 0 || force || Date.now() - lastTasksAt > TASKS_EVERY_MS) {
    try {
      await refreshTasks();
      lastTasksAt = Date.now();
    } catch (error) {
      if (error instanceof SyncProblem) {
        syncStatus.set({ ...syncStatus.get(), problem: error.text });
      } else throw error;
    }
  }
  return false;
}

/** Whatever was 'sending' when this tab took the lock was cut off: it waits again. */
export async function recover(): Promise<void> {
  const stuck = await read(['visits', 'photos'], async (t) => {
    const visits = await t.all('visits');
    return (
      visits.some((v) => v.state === 'sending') ||
      (await t.all('photos')).some((p) => p.state === 'sending')
    );
  });
  if (!stuck) return;
  await write(['visits', 'photos'], async (t) => {
    for (const visit of await t.all('visits')) {
      if (visit.state === 'sending') await t.put('visits', { ...visit, state: 'waiting' });
    }
    for (const photo of await t.all('photos')) {
      if (photo.state === 'sending') await t.put('photos', { ...photo, state: 'waiting' });
    }
  });
}

const setVisit = (visitId: string, change: (v: OutboxVisit) => OutboxVisit) =>
  write(['visits'], async (t) => {
    const visit = await t.get('visits', visitId);
    if (visit) await t.put('visits', change(visit));
  });

const setPhoto = (photoId: string, change: (p: StoredPhoto) => StoredPhoto) =>
  write(['photos'], async (t) => {
    const photo = await t.get('photos', photoId);
    if (photo) await t.put('photos', change(photo));
  });

/** Another try later: the visit waits, its photos as they are. */
async function later(visitId: string, problem: SyncProblem): Promise<never> {
  if (problem.kind === 'signed_out') await markSignedOut();
  await setVisit(visitId, (v) => {
    const attempts = v.attempts + 1;
    return {
      ...v,
      state: 'waiting',
      attempts,
      next_at: Date.now() + backoff(attempts),
      error: problem.text,
      error_code: problem.code,
    };
  });
  throw new Stop(problem);
}

async function refuse(visitId: string, problem: SyncProblem, message?: LocalText): Promise<false> {
  await setVisit(visitId, (v) => ({
    ...v,
    state: 'refused',
    attempts: v.attempts + 1,
    error: message ?? problem.text,
    error_code: problem.code,
  }));
  return false;
}

/** One visit: its photos, then itself. True when the server has it now. */
async function sendVisit(visitId: string): Promise<boolean> {
  const visit = await read(['visits'], (t) => t.get('visits', visitId));
  if (!visit || visit.state !== 'waiting' || !visit.body) return false;
  await setVisit(visitId, (v) => ({ ...v, state: 'sending' }));
  for (let round = 0; round < 3; round++) {
    const photos = await read(['photos'], (t) => t.by('photos', 'visit_id', visitId));
    for (const photo of photos.sort((a, b) => a.captured_at.localeCompare(b.captured_at))) {
      if (photo.state === 'sent') continue;
      const refused = await sendPhoto(visitId, photo);
      if (refused) {
        const why = refused.text.id;
        return refuse(visitId, refused, {
          id: `Foto ${photo.kind} ditolak: ${why}`,
          en: `The ${photo.kind} photo was refused: ${refused.text.en}`,
        });
      }
    }
    let result;
    try {
      result = await api.sendVisit(visit.body, phoneNow());
    } catch (error) {
      if (!(error instanceof SyncProblem)) throw error;
      if (error.kind === 'photos_missing') {
        // the server lost or never kept some: send those again, then the visit
        const missing = new Set(error.missing);
        await write(['photos'], async (t) => {
          for (const photo of await t.by('photos', 'visit_id', visitId)) {
            if (missing.has(photo.sha256) && photo.blob) {
              await t.put('photos', { ...photo, state: 'waiting', maybe_on_server: false });
            }
          }
        });
        continue;
      }
      if (error.kind === 'refused') return refuse(visitId, error);
      return later(visitId, error);
    }
    await write(['visits', 'photos', 'meta'], async (t) => {
      const v = await t.get('visits', visitId);
      if (!v) return;
      await t.put('visits', {
        ...v,
        state: 'sent',
        body: null, // answers and the sealed NIK leave the phone with the visit
        result,
        error: null,
        error_code: null,
        sent_at: new Date().toISOString(),
      });
      for (const photo of await t.by('photos', 'visit_id', visitId)) {
        await t.put('photos', { ...photo, state: 'sent', blob: null });
      }
      const account = await getMeta<Account>(t, 'account');
      if (account && account.username === v.owner) {
        await t.put('meta', {
          key: 'account',
          value: { ...account, lastSyncAt: new Date().toISOString() },
        });
      }
    });
    return true;
  }
  return later(
    visitId,
    new SyncProblem('later', 409, 'photos_missing', {
      id: 'Server belum menerima semua foto; dicoba lagi.',
      en: 'The server does not have every photo yet; trying again.',
    }),
  );
}

/** One photo: HEAD first only if an earlier attempt may have reached the server. Returns the
 * refusal when the server will never take it; throws Stop to try again later. */
async function sendPhoto(visitId: string, photo: StoredPhoto): Promise<SyncProblem | null> {
  if (!photo.blob) return null; // sent with an earlier visit: the server has it
  await setPhoto(photo.photo_id, (p) => ({ ...p, state: 'sending' }));
  try {
    if (photo.maybe_on_server && (await api.hasPhoto(photo.sha256))) {
      await setPhoto(photo.photo_id, (p) => ({ ...p, state: 'sent', error: null }));
      return null;
    }
    await setPhoto(photo.photo_id, (p) => ({ ...p, maybe_on_server: true }));
    await api.putPhoto(photo.sha256, photo.blob);
    await setPhoto(photo.photo_id, (p) => ({ ...p, state: 'sent', error: null }));
    return null;
  } catch (error) {
    if (!(error instanceof SyncProblem)) throw error;
    if (error.kind === 'refused') {
      await setPhoto(photo.photo_id, (p) => ({ ...p, state: 'refused', error: error.text }));
      return error;
    }
    await setPhoto(photo.photo_id, (p) => ({ ...p, state: 'waiting' }));
    return later(visitId, error);
  }
}

/** Start sending by itself: now, when the network returns, when the app comes back to the
 * front; the timer in syncNow does the rest. */
export function startOutbox(): void {
  window.addEventListener('online', () => void syncNow(true));
  window.setInterval(() => void syncNow(), TASKS_EVERY_MS); // fresh tasks while the app is open
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void syncNow();
  });
  void syncNow(true);
}
