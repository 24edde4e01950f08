// The verifier's account on this phone and the work taken along: signing in once online (the
// device credential), taking the tasks with the questionnaire, the key and earlier photos,
// and clearing what was sent or cached — on sign-out, on another verifier's sign-in and after
// the days without a sync the server names. What was never sent is never cleared.
import { setCsrfToken } from '../api/client';
import { signIn as sessionSignIn, signOut as sessionSignOut } from '../api/session';
import type { Session } from '../api/types';
import * as api from './api';
import { SyncProblem } from './api';
import { getMeta, putMeta, read, write, type Tx } from './db';
import type { Account, OutboxVisit, StoredTask, Work } from './types';

const DAY_MS = 86_400_000;

/** Why sign-in stopped short (besides the server's own errors, thrown as ApiError). */
export class SignInRefused extends Error {
  constructor(readonly reason: 'not_verifier' | 'must_change') {
    super(reason);
  }
}

/** Sign in with the browser session once, then take the device credential and the tasks. */
export async function signInDevice(credentials: {
  username: string;
  password: string;
  totp?: string;
}): Promise<{ switchedFrom: string | null }> {
  const session: Session = await sessionSignIn(credentials);
  setCsrfToken(session.csrf_token);
  if (session.user.role !== 'verifier') {
    await sessionSignOut().catch(() => undefined);
    throw new SignInRefused('not_verifier');
  }
  if (session.must_change_password || session.totp_setup_required) {
    throw new SignInRefused('must_change');
  }
  await revoking; // an offline sign-out's late DELETE must not clear the new cookie
  const issued = await api.issueCredential(session.csrf_token);
  const who = session.user.username;
  const switchedFrom = await write('all', async (t) => {
    const previous = await getMeta<Account>(t, 'account');
    const other = previous && previous.username !== who ? previous.username : null;
    if (other) await clearCachedIn(t, other); // never two verifiers' tasks on one phone
    await putMeta(t, 'account', {
      username: who,
      name: session.user.name || who,
      signedIn: true,
      credentialExpiresAt: issued.expires_at,
      lastSyncAt: previous && !other ? previous.lastSyncAt : null,
      revokePending: false,
    } satisfies Account);
    return other;
  });
  await refreshTasks().catch((error: unknown) => {
    if (!(error instanceof SyncProblem)) throw error; // signed in: the outbox takes them later
  });
  return { switchedFrom };
}

/** The verifier's tasks, the questionnaire, the key and earlier photos' thumbnails, taken. */
export async function refreshTasks(): Promise<void> {
  const account = await read(['meta'], (t) => getMeta<Account>(t, 'account'));
  if (!account?.signedIn) return;
  let answer;
  try {
    answer = await api.tasks();
  } catch (error) {
    if (error instanceof SyncProblem && error.kind === 'signed_out') await markSignedOut();
    throw error;
  }
  const owner = account.username;
  if (answer.verifier !== owner) return; // another sign-in happened meanwhile
  const now = new Date();
  const wanted = new Set(answer.tasks.flatMap((task) => task.earlier_photos.map((p) => p.sha256)));
  const missingThumbs = await write(['meta', 'tasks', 'thumbs', 'drafts'], async (t) => {
    const drafted = new Set((await t.by('drafts', 'owner', owner)).map((d) => d.task_id));
    const fresh = new Set(answer.tasks.map((task) => task.task_id));
    for (const old of await t.by('tasks', 'owner', owner)) {
      if (fresh.has(old.task_id)) continue;
      if (drafted.has(old.task_id)) await t.put('tasks', { ...old, stale: true });
      else await t.del('tasks', old.task_id);
    }
    for (const task of answer.tasks) {
      await t.put('tasks', { ...task, owner, stale: false } satisfies StoredTask);
    }
    await putMeta(t, `work:${owner}`, {
      owner,
      questionnaire: answer.questionnaire,
      key: answer.key,
      wipeAfterDays: answer.wipe_after_days,
      serverTime: answer.server_time,
      fetchedAt: now.toISOString(),
    } satisfies Work);
    const account = await getMeta<Account>(t, 'account');
    if (account?.username === owner) {
      await putMeta(t, 'account', { ...account, lastSyncAt: now.toISOString() });
    }
    const have = new Set<string>();
    for (const thumb of await t.by('thumbs', 'owner', owner)) {
      if (wanted.has(thumb.sha256)) have.add(thumb.sha256);
      else await t.del('thumbs', thumb.sha256);
    }
    return [...wanted].filter((sha) => !have.has(sha));
  });
  for (const sha of missingThumbs) {
    try {
      const blob = await api.thumbnail(sha);
      await write(['thumbs'], (t) => t.put('thumbs', { sha256: sha, owner, blob }));
    } catch (error) {
      if (error instanceof SyncProblem && error.kind === 'later') throw error;
      // one thumbnail refused (the photo is gone): the visit does not need it
    }
  }
}

/** The credential ended (401): everything stays; the verifier signs in again to send it. */
export async function markSignedOut(): Promise<void> {
  await write(['meta'], async (t) => {
    const account = await getMeta<Account>(t, 'account');
    if (account) await putMeta(t, 'account', { ...account, signedIn: false });
  });
}

/** What is sent or cached of `owner`, cleared inside transaction `t` over every store: tasks
 * (unless a draft still needs them), thumbnails, sent visits and their photos. Unsent visits,
 * refused ones and drafts stay, with their photos. */
async function clearCachedIn(t: Tx, owner: string, keepDraftTasks = false): Promise<void> {
  const drafted = new Set((await t.by('drafts', 'owner', owner)).map((d) => d.task_id));
  if (!drafted.size) await t.del('meta', `work:${owner}`); // a draft still needs its form
  for (const task of await t.by('tasks', 'owner', owner)) {
    if (keepDraftTasks && drafted.has(task.task_id)) continue;
    await t.del('tasks', task.task_id);
  }
  for (const thumb of await t.by('thumbs', 'owner', owner)) await t.del('thumbs', thumb.sha256);
  for (const visit of await t.by('visits', 'owner', owner)) {
    if (visit.state !== 'sent') continue;
    for (const photo of await t.by('photos', 'visit_id', visit.visit_id)) {
      await t.del('photos', photo.photo_id);
    }
    await t.del('visits', visit.visit_id);
  }
}

/** Whether `visit` (the verifier's latest for `task`) stands in the way of a new one: it waits
 * to be sent, or it was sent and the task has not come back for another visit. */
export function visitDone(task: StoredTask, visit: OutboxVisit | undefined | null): boolean {
  if (!visit || visit.state === 'refused') return false;
  if (visit.state !== 'sent') return true;
  return task.state !== 'returned';
}

/** How many visits of `owner` are not on the server yet (drafts included). */
export async function unsentCount(owner: string): Promise<number> {
  return read(['visits', 'drafts'], async (t) => {
    const visits = (await t.by('visits', 'owner', owner)).filter((v) => v.state !== 'sent');
    return visits.length + (await t.by('drafts', 'owner', owner)).length;
  });
}

/** Sign-out on the phone: the credential ended on the server (later, when offline now), the
 * browser session too; sent and cached data cleared, unsent work kept for the next sign-in. */
export async function signOutDevice(): Promise<{ kept: number }> {
  const account = await read(['meta'], (t) => getMeta<Account>(t, 'account'));
  if (!account) return { kept: 0 };
  let revoked = true;
  try {
    await api.endCredential();
  } catch {
    revoked = false; // offline: ended as soon as the phone is online again (revokePending)
  }
  await sessionSignOut().catch(() => undefined);
  setCsrfToken(null);
  await write('all', async (t) => {
    await clearCachedIn(t, account.username);
    await putMeta(t, 'account', { ...account, signedIn: false, revokePending: !revoked });
  });
  return { kept: await unsentCount(account.username) };
}

/** A sign-out made offline: end the credential now (the cookie is still in the browser). */
let revoking: Promise<void> = Promise.resolve();

export function finishRevoke(): Promise<void> {
  const run = async () => {
    const account = await read(['meta'], (t) => getMeta<Account>(t, 'account'));
    if (!account?.revokePending || account.signedIn) return;
    await api.endCredential();
    await write(['meta'], async (t) => {
      const now = await getMeta<Account>(t, 'account');
      if (now) await putMeta(t, 'account', { ...now, revokePending: false });
    });
  };
  const done = revoking.then(run);
  revoking = done.catch(() => undefined);
  return done;
}

/** After `wipeAfterDays` without a sync, what was sent or cached goes (never what was not).
 * Drafts keep their task so the visit can still be finished. */
export async function wipeIfStale(now: Date = new Date()): Promise<boolean> {
  const stale = await read('all', async (t) => {
    const account = await getMeta<Account>(t, 'account');
    if (!account?.lastSyncAt) return null;
    const work = await getMeta<Work>(t, `work:${account.username}`);
    const days = work?.wipeAfterDays ?? 14;
    if (now.getTime() - Date.parse(account.lastSyncAt) <= days * DAY_MS) return null;
    const owner = account.username;
    const sent = (await t.by('visits', 'owner', owner)).some((v) => v.state === 'sent');
    const cached =
      (await t.by('tasks', 'owner', owner)).length + (await t.by('thumbs', 'owner', owner)).length;
    return sent || cached ? owner : null;
  });
  if (stale === null) return false;
  await write('all', (t) => clearCachedIn(t, stale, true));
  return true;
}
