// The console's service worker: it makes the console installable and lets
// its shell (page, styles, Wasm) open offline. Network first, so a
// connected console always runs the latest build; the cache is only the
// fallback. The API (/v1/...) and sockets are never cached: the console
// reconnects by itself when the network is back.
const CACHE = 'presenza-console-shell';
const SHELL = [
  '/console/',
  '/console/console.css',
  '/console/manifest.webmanifest',
  '/console/icon.svg',
  '/console/pkg/presenza_console.js',
  '/console/pkg/presenza_console_bg.wasm',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith('/console/')) {
    return;
  }
  // The page itself is one entry, whatever its query (?site=...).
  const key = url.pathname === '/console/' || url.pathname === '/console/index.html' ? '/console/' : url.pathname;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(key, copy));
        }
        return response;
      })
      .catch(() => caches.match(key).then((hit) => hit || Response.error())),
  );
});
