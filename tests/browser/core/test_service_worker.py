"""The service worker caches the app shell only – never API or auth responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

CACHED_URLS = """
async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const req of await cache.keys()) urls.push(req.url);
  }
  return urls;
}
"""

OFFLINE_API_FETCH = """
async (token) => {
  const base = ((window.UNIONCORE_CONFIG && window.UNIONCORE_CONFIG.apiBase) || '/api').replace(/\\/+$/, '');
  const results = {};
  for (const [name, path, init] of [
    ['me', '/me', { headers: { Authorization: 'Bearer ' + token } }],
    ['members', '/members?limit=5', { headers: { Authorization: 'Bearer ' + token } }],
    ['health', '/health', {}],
  ]) {
    try {
      const res = await fetch(base + path, init);
      results[name] = 'status ' + res.status;
    } catch (e) {
      results[name] = 'network error';
    }
  }
  return results;
}
"""


API_PREFIX = """
() => new URL((window.UNIONCORE_CONFIG.apiBase || '/api').replace(/\\/+$/, '') + '/', location.href).href
"""


def _api_prefix(page: Page) -> str:
    return str(page.evaluate(API_PREFIX))


def test_service_worker_never_serves_api_from_cache(
    page: Page, base_url: str, live_runtime: Any, login: Callable[[Page, str, str], None]
) -> None:
    """
    GIVEN the site is opened and its service worker controls the page
    WHEN a staff user signs in and loads member data (API calls pass the worker)
    THEN the Cache Storage holds the app shell but no URL under apiBase
    WHEN the browser goes offline
    THEN API requests (with or without Authorization) fail instead of being
         answered from a cache
     AND the app shell still starts from the cache.
    """
    page.goto(f"{base_url}/")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
        expect(page.get_by_test_id("login-form")).to_be_visible()
    page.wait_for_function("!!navigator.serviceWorker.controller")

    email, password = live_runtime.logins["dispatcher"]
    login(page, email, password)
    expect(page.get_by_test_id("member-row").first).to_be_visible()
    page.get_by_test_id("member-row").first.get_by_test_id("member-link").click()
    expect(page.get_by_test_id("member-number")).not_to_be_empty()

    api_prefix = _api_prefix(page)
    cached = page.evaluate(CACHED_URLS)
    assert any(url.endswith("/index.html") for url in cached), cached  # the shell really is cached
    assert any(url.endswith("/vendor/alpine.min.js") for url in cached), cached
    leaked = [url for url in cached if url.startswith(api_prefix) or "/api/" in url or "/auth/" in url]
    assert leaked == []

    # The page's access token is in the API client's memory (js/core/api.js), not in storage.
    token = page.evaluate("import(new URL('js/core/api.js', document.baseURI).href)"
                          ".then((m) => m.tokens.accessToken())")
    assert token
    page.context.set_offline(True)
    try:
        results = page.evaluate(OFFLINE_API_FETCH, token)
        assert results == {"me": "network error", "members": "network error", "health": "network error"}

        # Offline start: the shell comes from the cache (API calls fail visibly).
        page.reload()
        expect(page.locator(".brand")).to_be_visible()
        expect(page.get_by_test_id("error-page").or_(page.get_by_test_id("login-form"))).to_be_visible()
    finally:
        page.context.set_offline(False)

    assert [u for u in page.evaluate(CACHED_URLS) if u.startswith(api_prefix) or "/api/" in u] == []
