// The phone's own store: one IndexedDB database. Every write tells the screens (`changed`), so
// what they show is always what is kept. Nothing here ever holds a readable NIK.
import type {
  Account,
  Draft,
  OutboxVisit,
  StoredPhoto,
  StoredTask,
  StoredThumb,
  Work,
} from './types';

const NAME = 'sipmas-field';
const VERSION = 1;

export interface Stores {
  meta: { key: string; value: unknown };
  tasks: StoredTask;
  thumbs: StoredThumb;
  drafts: Draft;
  visits: OutboxVisit;
  photos: StoredPhoto;
}
export type StoreName = keyof Stores;
const ALL: StoreName[] = ['meta', 'tasks', 'thumbs', 'drafts', 'visits', 'photos'];

let opening: Promise<IDBDatabase> | null = null;

function upgrade(db: IDBDatabase): void {
  db.createObjectStore('meta', { keyPath: 'key' });
  db.createObjectStore('tasks', { keyPath: 'task_id' }).createIndex('owner', 'owner');
  db.createObjectStore('thumbs', { keyPath: 'sha256' }).createIndex('owner', 'owner');
  db.createObjectStore('drafts', { keyPath: 'visit_id' }).createIndex('owner', 'owner');
  db.createObjectStore('visits', { keyPath: 'visit_id' }).createIndex('owner', 'owner');
  const photos = db.createObjectStore('photos', { keyPath: 'photo_id' });
  photos.createIndex('visit_id', 'visit_id');
  photos.createIndex('owner', 'owner');
}

export function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => upgrade(request.result);
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close(); // a newer app version upgrades it
      resolve(db);
    };
    request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
    request.onblocked = () => reject(new Error('indexedDB blocked'));
  });
  return opening;
}

const listeners = new Set<() => void>();
/** Called after every committed write. */
export function onChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function changed(): void {
  listeners.forEach((listener) => listener());
  channel?.postMessage('changed');
}
// Another tab of the app wrote: show it here too.
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(NAME) : null;
if (channel) channel.onmessage = () => listeners.forEach((listener) => listener());

const done = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });

export interface Tx {
  get<S extends StoreName>(store: S, key: IDBValidKey): Promise<Stores[S] | undefined>;
  all<S extends StoreName>(store: S): Promise<Stores[S][]>;
  by<S extends StoreName>(store: S, index: string, key: IDBValidKey): Promise<Stores[S][]>;
  put<S extends StoreName>(store: S, value: Stores[S]): Promise<void>;
  del(store: StoreName, key: IDBValidKey): Promise<void>;
}

/** One transaction over `stores`: `work` runs inside it; committed (and the screens told) when
 * it resolves, rolled back when it throws. Keep `work` to IndexedDB calls only (no fetch, no
 * crypto): a transaction ends when nothing is pending. */
export async function tx<T>(
  stores: StoreName[] | 'all',
  mode: IDBTransactionMode,
  work: (t: Tx) => Promise<T>,
): Promise<T> {
  const db = await open();
  const transaction = db.transaction(stores === 'all' ? ALL : stores, mode);
  const finished = new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(transaction.error ?? new Error('transaction aborted'));
    transaction.onerror = () => reject(transaction.error ?? new Error('transaction failed'));
  });
  const store = (name: StoreName) => transaction.objectStore(name);
  const t: Tx = {
    get: (name, key) => done(store(name).get(key)),
    all: (name) => done(store(name).getAll()),
    by: (name, index, key) => done(store(name).index(index).getAll(key)),
    put: async (name, value) => {
      await done(store(name).put(value));
    },
    del: async (name, key) => {
      await done(store(name).delete(key));
    },
  };
  let result: T;
  try {
    result = await work(t);
  } catch (error) {
    try {
      transaction.abort();
    } catch {
      // already finished
    }
    finished.catch(() => undefined);
    throw error;
  }
  await finished;
  if (mode === 'readwrite') changed();
  return result;
}

export const read = <T>(stores: StoreName[] | 'all', work: (t: Tx) => Promise<T>) =>
  tx(stores, 'readonly', work);
export const write = <T>(stores: StoreName[] | 'all', work: (t: Tx) => Promise<T>) =>
  tx(stores, 'readwrite', work);

// --- meta ----------------------------------------------------------------------------------

export async function getMeta<T>(t: Tx, key: string): Promise<T | null> {
  const row = await t.get('meta', key);
  return row ? (row.value as T) : null;
}
export const putMeta = (t: Tx, key: string, value: unknown) => t.put('meta', { key, value });

export const getAccount = () => read(['meta'], (t) => getMeta<Account>(t, 'account'));
export const getWork = (owner: string) => read(['meta'], (t) => getMeta<Work>(t, `work:${owner}`));

export async function updateAccount(change: (account: Account) => Account): Promise<void> {
  await write(['meta'], async (t) => {
    const account = await getMeta<Account>(t, 'account');
    if (account) await putMeta(t, 'account', change(account));
  });
}
