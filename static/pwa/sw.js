// The inspector's service worker, served as /sw.js with VERSION, SHELL, OFFLINE_PAGE and SESSION_PAGES defined
// above this line. It keeps the offline app's shell so /inspect/app opens with no network, keeps a copy of the
// pages the inspector's pages ask for (the current campaign's checklist, the checklist pages opened) to read
// with no network, and answers any other navigation it cannot fetch with our own offline page. It never
// caches API answers: the pages keep their data in IndexedDB, and every /api/ request goes to the network.
"use strict";
const CACHE = "inspect-shell-" + VERSION;
const PAGES = "inspect-pages";  // not versioned: a deploy does not take the inspector's kept pages away
const MAX_PAGES = 200;
const SHELL_PAGE = SHELL[0];
const NETWORK_WAIT_MS = 4000;  // on a weak signal, show the kept shell rather than a blank page

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    const cache = await caches.open(CACHE);
    await Promise.all(SHELL.map(async function (url) {
      // The offline page is the same for everybody: fetched signed out, it holds no one's name or token.
      const credentials = url === OFFLINE_PAGE ? "omit" : "same-origin";
      const response = await fetch(url, { cache: "no-cache", credentials: credentials });  // revalidate: cheap, never stale
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
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && request.mode === "navigate" && SESSION_PAGES.indexOf(url.pathname) >= 0) {
    event.respondWith(changeOfAccount(request));
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname === SHELL_PAGE) { event.respondWith(shellPage(event)); }
  else if (SHELL.indexOf(url.pathname) > 0) { event.respondWith(asset(url.pathname, request)); }
  else if (request.mode === "navigate" && url.pathname.indexOf("/api/") !== 0) { event.respondWith(page(request)); }
});

// The pages ask for copies to read offline: each one not kept yet is fetched and kept (a kept one is renewed
// whenever it is opened with signal). The answer on the port says they are done.
self.addEventListener("message", function (event) {
  const urls = event.data && Array.isArray(event.data.keep) ? event.data.keep : [];
  event.waitUntil((async function () {
    const cache = await caches.open(PAGES);
    for (const url of urls) {
      if (await cache.match(url)) { continue; }
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
        if (keepable(response)) { await cache.put(url, response); }
      } catch (error) { /* no network: asked again on the next visit */ }
    }
    await trim(cache);
    if (event.ports[0]) { event.ports[0].postMessage("kept"); }
  })());
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

function keepable(response) {
  return response.ok && !response.redirected && response.type === "basic";
}

// Any other page inside the app: the network's answer (renewing a kept copy); with no network the kept copy,
// or our offline page, which leads back to the offline app.
async function page(request) {
  // caches.match, not caches.open: opening would bring back the store a sign-out has just dropped.
  try {
    const response = await fetch(request);
    if (keepable(response) && await caches.match(request.url, { cacheName: PAGES })) {
      await (await caches.open(PAGES)).put(request.url, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await caches.match(request.url, { cacheName: PAGES });
    if (kept) { return kept; }
    const offline = await (await caches.open(CACHE)).match(OFFLINE_PAGE);
    if (!offline) { throw error; }
    return new Response(offline.body, { status: 503, statusText: "Offline", headers: offline.headers });
  }
}

// Signing in or out: the pages kept for the account before are not another account's to read.
async function changeOfAccount(request) {
  try {
    const response = await fetch(request);
    if (response.type === "opaqueredirect" || response.redirected) { await caches.delete(PAGES); }
    return response;
  } catch (error) {
    const offline = await (await caches.open(CACHE)).match(OFFLINE_PAGE);
    if (!offline) { throw error; }
    return new Response(offline.body, { status: 503, statusText: "Offline", headers: offline.headers });
  }
}

// The oldest kept pages go first once there are more than MAX_PAGES (keys come in the order they were put).
async function trim(cache) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_PAGES))) { await cache.delete(key); }
}
