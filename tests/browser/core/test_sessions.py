"""Sessions in the web app: the access token is renewed before it expires, a token the server refuses is
refreshed and the request retried without sending the user to sign-in, and the refresh token never
reaches the page's scripts or any storage (it lives in the auth worker, js/core/auth-worker.js)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from playwright.sync_api import Page, Response, expect

from tokens import expired_copy

API_CLIENT = "import(new URL('js/core/api.js', document.baseURI).href)"
ACCESS_TOKEN = f"{API_CLIENT}.then((m) => m.tokens.accessToken())"
# What the app holds after a laptop lid was closed for an hour: an access token the server now refuses.
HOLD_TOKEN = f"(token) => {API_CLIENT}.then((m) => m.tokens.save({{ access_token: token, expires_in: 1800 }}))"

# Every response body the page's own scripts read, recorded before the app starts.
RECORD_PAGE_READS = """
window.__pageReads = [];
for (const name of ['json', 'text']) {
  const original = Response.prototype[name];
  Response.prototype[name] = async function (...args) {
    const value = await original.apply(this, args);
    window.__pageReads.push(typeof value === 'string' ? value : JSON.stringify(value));
    return value;
  };
}
"""
STORED = """
async () => ({
  session: Object.entries(sessionStorage), local: Object.entries(localStorage), cookie: document.cookie,
  idb: indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [],
  caches: await Promise.all((await caches.keys())
    .map(async (k) => (await (await caches.open(k)).keys()).map((r) => r.url))),
})
"""


def _api_traffic(page: Page) -> list[tuple[str, str, int]]:
    seen: list[tuple[str, str, int]] = []

    def record(response: Response) -> None:
        if "/api/" in response.url:
            seen.append((response.request.method, response.url.split("/api", 1)[1], response.status))

    page.on("response", record)
    return seen


def test_a_token_the_server_refuses_is_refreshed_and_the_user_keeps_working(
    page: Page, base_url: str, live_runtime: Any, login: Callable[[Page, str, str], None]
) -> None:
    """
    GIVEN a staff user signed in, whose app then holds an access token that has expired (signed by the local
          Cognito, so the API refuses it for its expiry - with the gateway's 401)
    WHEN they open a member record, edit the phone number and save
    THEN the app refreshes the token once, retries, and the record opens and saves - no sign-in page.
    """
    email, password = live_runtime.logins["staff"]
    login(page, email, password)
    expect(page.get_by_test_id("member-row").first).to_be_visible()
    traffic = _api_traffic(page)
    first = page.evaluate(ACCESS_TOKEN)
    expired = expired_copy(first)
    page.evaluate(HOLD_TOKEN, expired)

    page.get_by_test_id("member-link").first.click()
    expect(page.get_by_test_id("member-number")).not_to_be_empty()
    page.get_by_test_id("edit-member").click()
    page.get_by_test_id("input-phone").fill("(503) 555-0117")
    page.get_by_test_id("save-member").click()
    expect(page.get_by_test_id("status-region")).to_have_text("Changes saved.")
    expect(page.get_by_test_id("member-field-phone")).to_contain_text("555-0117")
    assert "#/login" not in page.url

    refused = [t for t in traffic if t[2] == 401]
    assert refused and refused[0][0] == "GET" and refused[0][1].startswith("/members/"), traffic
    assert len(refused) == 1, traffic  # one refusal, then the refreshed token
    assert ("POST", "/auth/refresh", 200) in traffic, traffic
    renewed = page.evaluate(ACCESS_TOKEN)
    assert renewed not in (expired, None)


def test_the_access_token_is_renewed_before_it_expires(
    page: Page, base_url: str, live_runtime: Any, login: Callable[[Page, str, str], None]
) -> None:
    """
    GIVEN a member signed in (token lifetime `expires_in`, an hour from the local Cognito)
    WHEN 50 minutes pass on the app's clock (a laptop lid closed and opened again)
    THEN the app has renewed its access token on its own (at 80 % of the lifetime), before any request
         was refused, and the member keeps using the app.
    """
    page.clock.install()
    email, password = live_runtime.member_login
    login(page, email, password)
    expect(page.get_by_test_id("profile-name")).to_be_visible()
    traffic = _api_traffic(page)
    first = page.evaluate(ACCESS_TOKEN)

    page.clock.fast_forward("50:00")
    deadline = time.monotonic() + 10
    while page.evaluate(ACCESS_TOKEN) == first and time.monotonic() < deadline:
        time.sleep(0.1)
    assert page.evaluate(ACCESS_TOKEN) != first
    assert [t for t in traffic if t[1] == "/auth/refresh"] == [("POST", "/auth/refresh", 200)], traffic

    page.get_by_test_id("profile-edit").click()
    expect(page.get_by_test_id("profile-form")).to_be_visible()
    page.reload()  # the session lives in the tab's memory only: a reload ends it
    expect(page.get_by_test_id("login-form")).to_be_visible()
    assert [t for t in traffic if t[2] == 401] == [], traffic


def test_the_refresh_token_never_reaches_the_page_or_storage(
    page: Page, base_url: str, live_runtime: Any, login: Callable[[Page, str, str], None]
) -> None:
    """
    GIVEN the page's own scripts watched from before the app starts (every response body they read)
    WHEN a dispatcher signs in (password, then the authenticator code) and uses the app
    THEN the refresh token the API issued is in no response body the page read, not in the API client's
         memory, not in sessionStorage, localStorage, cookies, IndexedDB or Cache Storage
     AND after "Sign out" the auth worker has revoked it: the API refuses it.
    """
    issued: list[str] = []

    def capture(response: Response) -> None:
        if response.url.endswith(("/api/auth/login", "/api/auth/mfa")) and response.status == 200:
            body = response.json()
            if body.get("refresh_token"):
                issued.append(body["refresh_token"])

    page.context.add_init_script(RECORD_PAGE_READS)
    page.on("response", capture)
    email, password = live_runtime.logins["dispatcher"]
    login(page, email, password)
    expect(page.get_by_test_id("member-row").first).to_be_visible()
    page.get_by_test_id("member-link").first.click()
    expect(page.get_by_test_id("member-number")).not_to_be_empty()

    assert len(issued) == 1, "the sign-in response (made by the auth worker) was not seen on the network"
    refresh_token = issued[0]
    reads = page.evaluate("window.__pageReads")
    assert any('"email"' in r for r in reads)  # the recorder works: it saw GET /me
    assert not [r for r in reads if refresh_token in r]
    assert refresh_token not in str(page.evaluate(f"{API_CLIENT}.then((m) => JSON.stringify(m.tokens.get()))"))
    stored = page.evaluate(STORED)
    assert refresh_token not in str(stored)
    assert stored["session"] == [] and stored["local"] == [] and stored["cookie"] == "" and stored["idb"] == []
    assert page.context.cookies() == []

    if page.get_by_test_id("menu-toggle").is_visible():
        page.get_by_test_id("menu-toggle").click()
    page.get_by_test_id("logout-button").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    deadline = time.monotonic() + 10
    while True:  # the revocation runs in the background
        r = requests.post(f"{live_runtime.api}/auth/refresh", json={"refresh_token": refresh_token}, timeout=30)
        if r.status_code != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code in (400, 401), r.text
