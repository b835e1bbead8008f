"""Browser-test fixtures: one Debian Chromium per session, a fresh context per test.

The `live_runtime` fixture (base_url, logins, member_login, member_record,
other_member_number) is provided by tests/conftest.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from chalicelib.identity.totp import totp
from signin import sign_in

CHROMIUM = os.environ.get("UNIONCORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        # `make test` installs Debian's chromium; never let the browser suite pass by skipping.
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make chromium` (apt-get install chromium)")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Every page of every test reports what the strict Content-Security-Policy blocks (securitypolicyviolation)
# to the console, where the context below collects it with Alpine's expression errors (the CSP build
# reports an expression it cannot evaluate as "Alpine Expression Error" and moves on).
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'}`
                + ` at ${e.sourceFile || '?'}:${e.lineNumber || 0} (${e.sample || ''})`);
});
"""
POLICY_PROBLEMS = ("CSP violation", "Content Security Policy", "Alpine Expression Error", "CSP Parser Error",
                   "Alpine Warning")


class PolicyProblems(list[str]):
    """What the pages of a test's contexts reported: CSP violations, Alpine expression errors."""

    def watch(self, ctx: BrowserContext) -> None:
        ctx.add_init_script(REPORT_CSP_VIOLATIONS)
        ctx.on("console", lambda msg: self.append(f"{msg.type}: {msg.text}")
               if any(marker in msg.text for marker in POLICY_PROBLEMS) else None)
        ctx.on("weberror", lambda err: self.append(f"uncaught: {err.error}")
               if any(marker in str(err.error) for marker in POLICY_PROBLEMS) else None)


@pytest.fixture
def policy_problems() -> PolicyProblems:
    return PolicyProblems()


@pytest.fixture
def new_context(browser: Browser, policy_problems: PolicyProblems) -> Iterator[Callable[..., BrowserContext]]:
    """Factory for extra isolated contexts (closed after the test). Any CSP violation or Alpine expression
    error a page of these contexts reports fails the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "en-US")
        ctx = browser.new_context(**options)
        policy_problems.watch(ctx)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()
    assert list(policy_problems) == [], "the pages reported CSP violations or Alpine expression errors"


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """Desktop-sized page in a fresh context (own sessionStorage, caches, service workers)."""
    return new_context().new_page()


@pytest.fixture
def phone_page(new_context: Callable[..., BrowserContext]) -> Page:
    """Phone-sized page (390x844, touch) in a fresh context."""
    return new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True).new_page()


@pytest.fixture
def base_url(live_runtime: Any) -> str:
    return str(live_runtime.base_url).rstrip("/")


@pytest.fixture
def login(base_url: str, live_runtime: Any) -> Callable[[Page, str, str], None]:
    """login(page, email, password): sign in through the UI (with the authenticator code for staff
    roles), wait for the app."""

    def do_login(page: Page, email: str, password: str) -> None:
        page.goto(f"{base_url}/#/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        secret = live_runtime.totp_secrets.get(email)
        if secret:
            code = page.get_by_label("Authentication code")
            expect(code).to_be_visible()
            code.fill(totp(secret))
            page.get_by_role("button", name="Verify").click()
        expect(page.get_by_test_id("logout-button")).to_be_attached()
        expect(page.get_by_test_id("login-form")).to_have_count(0)

    return do_login


@pytest.fixture
def api_token(base_url: str, live_runtime: Any) -> Callable[[Page, str, str], str]:
    """api_token(page, email, password): access token through the API's sign-in (no UI)."""

    def get_token(page: Page, email: str, password: str) -> str:
        def post(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            response = page.request.post(f"{base_url}/api{path}", data=body)
            return response.status, response.json()

        return str(sign_in(post, email, password, live_runtime.totp_secrets.get(email))["access_token"])

    return get_token


def digits(text: str) -> str:
    """Only the digits of a phone number as displayed ("(503) 555-0142" -> "5035550142")."""
    return re.sub(r"\D", "", text or "")


@pytest.fixture
def only_digits() -> Callable[[str], str]:
    return digits
