"""The web app runs under its strict Content-Security-Policy: no 'unsafe-eval' (Alpine's CSP build), no
inline script, connect-src only the site itself and the API. Every screen is opened and its forms and
tabs used; the `new_context` fixture (conftest.py) fails the test on any CSP violation or Alpine
expression error a page reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

CSP = "document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content"
# A string run as code by the page itself (page.evaluate's own code is not subject to the page's CSP).
TRY_EVAL = "() => { setTimeout('window.__evaluated = true', 0); }"


def _policy(page: Page) -> dict[str, list[str]]:
    policy = str(page.evaluate(CSP))
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in policy.split(";")) if d}


def test_the_policy_is_strict_and_violations_are_seen(page: Page, base_url: str, policy_problems: Any) -> None:
    """
    GIVEN the sign-in page
    THEN its policy has no 'unsafe-eval' and connects only to its own origin (the local API is same-origin)
     AND code evaluation from a string is refused in the page - and reported, which is how every browser
         test would notice a violation.
    """
    page.goto(f"{base_url}/")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    policy = _policy(page)
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["default-src"] == ["'self'"]
    assert page.evaluate("window.Alpine && typeof window.Alpine.version") == "string"

    page.evaluate(TRY_EVAL)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__evaluated === undefined")
    assert any("CSP violation: script-src blocked eval" in p for p in policy_problems), list(policy_problems)
    policy_problems.clear()  # the refusal was the point of this test


def test_every_screen_works_under_the_strict_policy(
    page: Page, phone_page: Page, base_url: str, live_runtime: Any, login: Callable[[Page, str, str], None]
) -> None:
    """
    GIVEN the strict policy
    WHEN a visitor goes through the sign-in page's steps, an admin opens every staff screen (members list,
         record with each tab and its forms, new member, employers list, record and its forms, new employer,
         audit log, users, "not found") and a member opens "My profile" and a staff-only page on a phone
    THEN every screen renders and no page reports a CSP violation or an Alpine expression error.
    """
    # Sign-in page and its steps (no session).
    page.goto(f"{base_url}/#/login")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.get_by_test_id("forgot-password-link").click()
    expect(page.get_by_test_id("forgot-form")).to_be_visible()
    page.get_by_role("button", name="I already have a code").click()
    expect(page.get_by_test_id("reset-form")).to_be_visible()
    page.get_by_role("button", name="Back to sign in").click()
    page.get_by_test_id("signup-link").click()
    expect(page.get_by_test_id("signup-form")).to_be_visible()
    page.get_by_role("button", name="I already have a code").click()
    expect(page.get_by_test_id("signup-confirm-form")).to_be_visible()
    page.get_by_role("button", name="Back to sign in").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.get_by_role("link", name="Skip to main content").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    email, password = live_runtime.logins["admin"]
    login(page, email, password)
    expect(page.get_by_test_id("nav")).to_be_attached()

    # Members: search, a record with every tab, edit form, new member.
    page.goto(f"{base_url}/#/members")
    expect(page.get_by_test_id("member-row").first).to_be_visible()
    page.get_by_test_id("member-link").first.click()
    expect(page.get_by_test_id("member-number")).not_to_be_empty()
    page.get_by_test_id("edit-member").click()
    expect(page.get_by_test_id("member-edit-form")).to_be_visible()
    page.get_by_test_id("cancel-edit").click()
    for tab, ready in [("employment", "employment-table"), ("notes", "notes-list"),
                       ("qualifications", "qualifications"), ("history", "history-refresh")]:
        page.get_by_test_id(f"tab-{tab}").click()
        expect(page.get_by_test_id(ready)).to_be_attached()
    page.get_by_test_id("tab-details").click()
    page.goto(f"{base_url}/#/members/new")
    expect(page.get_by_test_id("member-new-form")).to_be_visible()

    # Employers: search, a record and its inline forms, new employer.
    page.goto(f"{base_url}/#/employers")
    page.get_by_test_id("employer-search-input").fill("C")
    page.get_by_test_id("employer-search-submit").click()
    expect(page.get_by_test_id("employer-row").first).to_be_visible()
    page.get_by_test_id("employer-link").first.click()
    expect(page.get_by_test_id("employer-name")).not_to_be_empty()
    expect(page.get_by_test_id("contracts-table")).to_be_visible()
    page.get_by_test_id("edit-employer").click()
    expect(page.get_by_test_id("employer-edit-form")).to_be_visible()
    page.goto(f"{base_url}/#/employers/new")
    expect(page.get_by_test_id("employer-new-form")).to_be_visible()

    # Audit log, users, the router's own pages.
    page.goto(f"{base_url}/#/audit")
    expect(page.get_by_test_id("audit-filter-form")).to_be_visible()
    page.get_by_test_id("audit-search").click()
    page.goto(f"{base_url}/#/users")
    expect(page.get_by_test_id("user-row").first).to_be_visible()
    page.goto(f"{base_url}/#/no/such/page")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    if page.get_by_test_id("menu-toggle").is_visible():
        page.get_by_test_id("menu-toggle").click()
    page.get_by_test_id("logout-button").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()

    # A member on a phone: "My profile" and its form, and a page their role does not allow.
    m_email, m_password = live_runtime.member_login
    login(phone_page, m_email, m_password)
    expect(phone_page.get_by_test_id("profile-name")).to_be_visible()
    phone_page.get_by_test_id("profile-edit").click()
    expect(phone_page.get_by_test_id("profile-form")).to_be_visible()
    phone_page.goto(f"{base_url}/#/users")
    expect(phone_page.get_by_test_id("not-allowed")).to_be_visible()
