/* UnionCore service worker.
 *
 * Policy (see docs/ui.md):
 *  - Only the app shell listed in SHELL is ever cached. Shell requests are
 *    network-first (so a deploy is picked up on the next load) and fall back
 *    to the cache when offline, which lets the installed app start offline.
 *  - API and auth traffic is NEVER cached and never answered from a cache:
 *    anything under apiBase, any request carrying an Authorization header,
 *    any non-GET request and any cross-origin request is left alone
 *    (no respondWith), so the browser sends it straight to the network.
 */

const CACHE_PREFIX = "unioncore-shell-";
const CACHE_NAME = `${CACHE_PREFIX}v2`; // v2: the web app as modules (js/core, js/modules)
const NETWORK_TIMEOUT_MS = 4000;

// Paths relative to the service worker's scope (the site root).
const SHELL = [
  "./",
  "index.html",
  "config.js",
  "css/app.css",
  "icons/apple-touch-icon.png",
  "icons/icon-192.png",
  "icons/icon-512.png",
  "icons/icon-maskable-512.png",
  "icons/icon.svg",
  "js/app.js",
  "js/core/api.js",
  "js/core/conflict.js",
  "js/core/extensions.js",
  "js/core/format.js",
  "js/core/forms.js",
  "js/core/nav.js",
  "js/core/pages/error.html",
  "js/core/pages/forbidden.html",
  "js/core/pages/not-found.html",
  "js/core/paging.js",
  "js/core/partials/conflict-banner.html",
  "js/core/partials/form-error.html",
  "js/core/permissions.js",
  "js/core/record-editor.js",
  "js/core/router.js",
  "js/core/session.js",
  "js/core/tabs.js",
  "js/core/templates.js",
  "js/modules/audit/capabilities.js",
  "js/modules/audit/format.js",
  "js/modules/audit/index.js",
  "js/modules/audit/log.html",
  "js/modules/audit/log.js",
  "js/modules/audit/member-history.html",
  "js/modules/audit/member-history.js",
  "js/modules/employers/capabilities.js",
  "js/modules/employers/detail.html",
  "js/modules/employers/detail.js",
  "js/modules/employers/index.js",
  "js/modules/employers/list.html",
  "js/modules/employers/list.js",
  "js/modules/employers/model.js",
  "js/modules/employers/new.html",
  "js/modules/employers/new.js",
  "js/modules/employment/capabilities.js",
  "js/modules/employment/index.js",
  "js/modules/employment/member-tab.html",
  "js/modules/employment/member-tab.js",
  "js/modules/identity/capabilities.js",
  "js/modules/identity/index.js",
  "js/modules/identity/login.html",
  "js/modules/identity/login.js",
  "js/modules/identity/profile.html",
  "js/modules/identity/profile.js",
  "js/modules/identity/users.html",
  "js/modules/identity/users.js",
  "js/modules/index.js",
  "js/modules/members/capabilities.js",
  "js/modules/members/detail.html",
  "js/modules/members/detail.js",
  "js/modules/members/index.js",
  "js/modules/members/list.html",
  "js/modules/members/list.js",
  "js/modules/members/model.js",
  "js/modules/members/new.html",
  "js/modules/members/new.js",
  "js/modules/notes/capabilities.js",
  "js/modules/notes/index.js",
  "js/modules/notes/member-tab.html",
  "js/modules/notes/member-tab.js",
  "manifest.webmanifest",
  "vendor/alpine.min.js",
  "vendor/qrcode.js",
];

// Read apiBase from the same config.js the page uses (deploy rewrites it).
self.window = self;
try {
  importScripts("config.js");
} catch (e) {
  /* fall back to the default below */
}
const API_BASE = new URL(
  String((self.UNIONCORE_CONFIG && self.UNIONCORE_CONFIG.apiBase) || "/api").replace(/\/+$/, "") + "/",
  self.location.href,
);

const SCOPE = new URL(self.registration ? self.registration.scope : "./", self.location.href);
const SHELL_URLS = new Set(SHELL.map((p) => new URL(p, SCOPE).href));
const INDEX_URL = new URL("index.html", SCOPE).href;

/** True for anything that must go to the network untouched. */
function neverCache(request) {
  if (request.method !== "GET") return true;
  if (request.headers.has("Authorization")) return true;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return true; // includes a cross-origin API Gateway
  if (url.href.startsWith(API_BASE.href) || url.href === API_BASE.href.slice(0, -1)) return true;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/auth/")) return true;
  return false;
}

/** Cache key for a shell request, or null when the request is not shell. */
function shellKey(request) {
  if (neverCache(request)) return null;
  const url = new URL(request.url);
  if (request.mode === "navigate") {
    // Navigations to the app (/, /index.html, with any query) map to index.html.
    const bare = url.origin + url.pathname;
    if (bare === SCOPE.href || bare === INDEX_URL) return INDEX_URL;
    return null;
  }
  if (url.search) return null;
  const href = url.origin + url.pathname;
  if (href === SCOPE.href) return INDEX_URL;
  return SHELL_URLS.has(href) ? href : null;
}

function cacheable(response) {
  return response && response.ok && response.type === "basic" && !response.headers.has("Authorization");
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE_NAME);
      await Promise.all(
        SHELL.filter((p) => p !== "./").map(async (path) => {
          const url = new URL(path, SCOPE).href;
          const response = await fetch(url, { cache: "no-cache" });
          if (!cacheable(response)) throw new Error(`precache failed: ${url} (${response.status})`);
          await cache.put(url, response);
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keys = await caches.keys();
      await Promise.all(
        keys.filter((k) => k.startsWith(CACHE_PREFIX) && k !== CACHE_NAME).map((k) => caches.delete(k)),
      );
      // Defensive: drop anything that is not shell from our cache.
      const cache = await caches.open(CACHE_NAME);
      for (const req of await cache.keys()) {
        if (!SHELL_URLS.has(req.url) && req.url !== INDEX_URL) await cache.delete(req);
      }
      await self.clients.claim();
    })(),
  );
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE_NAME);
  const network = fetch(request, { cache: "no-cache" }).then(async (response) => {
    if (cacheable(response)) await cache.put(key, response.clone());
    return response;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, null));
  try {
    const first = await Promise.race([network, timeout]);
    if (first) return first;
    // Slow network: answer from the cache if we can, otherwise keep waiting.
    const cached = await cache.match(key);
    return cached || (await network);
  } catch (err) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const key = shellKey(event.request);
  if (!key) return; // network only: API, auth, non-GET, cross-origin, unknown paths
  event.respondWith(networkFirst(event.request, key));
});
