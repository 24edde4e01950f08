/// <reference lib="webworker" />
// The field app's service worker (/field/sw.js, scope /field/): keeps the app's shell — its
// page, its hashed scripts and styles, icons and manifest, listed at build time by
// scripts/field-sw.mjs — so the app opens with no network at all, also after the phone
// restarts. Cache-first for that list; the API is never cached (network only, and its
// answers never enter Cache Storage): the data lives in IndexedDB, written by the page.

declare const __FIELD_PRECACHE__: string[];
declare const __FIELD_VERSION__: string;

const worker = self as unknown as ServiceWorkerGlobalScope;
const PREFIX = 'sipmas-field-shell-';
const CACHE = `${PREFIX}${__FIELD_VERSION__}`;
const SHELL = '/field/index.html';
const PRECACHE = new Set(__FIELD_PRECACHE__);

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // past the HTTP cache: the files of this very build
      await cache.addAll([...PRECACHE].map((url) => new Request(url, { cache: 'reload' })));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await worker.clients.claim();
    })(),
  );
});

async function fromShell(request: Request | string): Promise<Response> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  return fetch(request); // not kept (yet): the network, never stored
}

worker.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // the network only
  if (request.mode === 'navigate' && url.pathname.startsWith('/field/')) {
    event.respondWith(fromShell(SHELL)); // every screen of the app is its one page
    return;
  }
  if (PRECACHE.has(url.pathname)) event.respondWith(fromShell(url.pathname));
});
