// The offline app's service worker, served as /sw.js with VERSION and SHELL defined above this line.
// It keeps the app shell so /inspect/app opens with no network. It never caches API answers: the page
// keeps its data in IndexedDB, and every /api/ request goes to the network as it is.
"use strict";
const CACHE = "inspect-shell-" + VERSION;
const SHELL_PAGE = SHELL[0];
const NETWORK_WAIT_MS = 4000;  // on a weak signal, show the kept shell rather than a blank page

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    const cache = await caches.open(CACHE);
    await Promise.all(SHELL.map(async function (url) {
      const response = await fetch(url, { cache: "no-cache", credentials: "same-origin" });  // revalidate: cheap, never stale
      // The page itself is only kept when signed in; otherwise the next visit online stores it.
      if (response.ok && !response.redirected) { await cache.put(url, response); }
      else if (url !== SHELL_PAGE) { throw new Error("cannot cache " + url + ": " + response.status); }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    for (const name of await caches.keys()) {
      if (name.indexOf("inspect-shell-") === 0 && name !== CACHE) { await caches.delete(name); }
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname === SHELL_PAGE) { event.respondWith(shellPage(event)); }
  else if (SHELL.indexOf(url.pathname) > 0) { event.respondWith(asset(url.pathname, request)); }
});

// Network first, so a signed-in page and fresh CSRF token win; the kept copy when there is no network.
function shellPage(event) {
  const network = fetch(event.request).then(async function (response) {
    if (response.ok && !response.redirected && response.type === "basic") {
      const cache = await caches.open(CACHE);
      await cache.put(SHELL_PAGE, response.clone());
    }
    return response;
  });
  event.waitUntil(network.catch(function () {}));
  const kept = caches.open(CACHE).then(function (cache) { return cache.match(SHELL_PAGE); });
  return new Promise(function (resolve) {
    let settled = false;
    function use(response) { if (!settled && response) { settled = true; resolve(response); } }
    const timer = setTimeout(function () { kept.then(use); }, NETWORK_WAIT_MS);
    network.then(function (response) { clearTimeout(timer); use(response); }, function () {
      clearTimeout(timer);
      kept.then(function (response) {
        use(response || new Response("<!doctype html><meta charset=utf-8><title>离线</title>" +
          "<p>没有网络，且本机还没有保存离线检查页面：请联网后打开一次。</p>",
          { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }));
      });
    });
  });
}

// The versioned shell files: from the cache, or from the network (and kept) if missing.
async function asset(path, request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path);
  if (kept) { return kept; }
  const response = await fetch(request);
  if (response.ok) { await cache.put(path, response.clone()); }
  return response;
}
