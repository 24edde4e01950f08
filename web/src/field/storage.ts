// The phone's storage for this app: asked to be persistent (the browser then does not clear it
// under pressure), and watched so the verifier is warned before a visit is lost to a full disk.
import { createStore } from '../store';

export const LOW_BYTES = 50 * 1024 * 1024;
export const LOW_SHARE = 0.1;
const MARGIN_BYTES = 5 * 1024 * 1024; // IndexedDB's own overhead around a photo

export interface Space {
  usage: number | null;
  quota: number | null;
  free: number | null;
  persisted: boolean | null;
  low: boolean;
}

export const space = createStore<Space>({
  usage: null,
  quota: null,
  free: null,
  persisted: null,
  low: false,
});

export async function checkSpace(): Promise<Space> {
  const storage = navigator.storage;
  let usage: number | null = null;
  let quota: number | null = null;
  let persisted: boolean | null = null;
  try {
    const estimate = await storage?.estimate?.();
    usage = estimate?.usage ?? null;
    quota = estimate?.quota ?? null;
    persisted = (await storage?.persisted?.()) ?? null;
  } catch {
    // not available (an old browser): nothing to warn about
  }
  const free = usage !== null && quota !== null ? Math.max(0, quota - usage) : null;
  const low = free !== null && quota ? free < LOW_BYTES || free / quota < LOW_SHARE : false;
  const found = { usage, quota, free, persisted, low };
  space.set(found);
  return found;
}

/** Ask once that the browser keeps this app's data (granted to installed apps, mostly). */
export async function askPersistence(): Promise<void> {
  try {
    if (navigator.storage?.persist && !(await navigator.storage.persisted())) {
      await navigator.storage.persist();
    }
  } catch {
    // refused or not supported: the account screen says so
  }
  await checkSpace();
}

/** Whether a photo of `bytes` (the camera's original, then its compressed copy) fits now. */
export async function fits(bytes: number): Promise<{ ok: boolean; free: number | null }> {
  const now = await checkSpace();
  if (now.free === null) return { ok: true, free: null };
  return { ok: now.free > bytes + MARGIN_BYTES, free: now.free };
}
