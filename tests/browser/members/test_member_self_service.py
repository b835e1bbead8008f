"""A member sees only their own record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

FETCH_STATUS = """
async (path) => {
  // The page's access token lives in the API client's memory (js/core/api.js), not in storage.
  const { tokens } = await import(new URL('js/core/api.js', document.baseURI).href);
  const base = (window.UNIONCORE_CONFIG && window.UNIONCORE_CONFIG.apiBase) || '/api';
  const res = await fetch(base.replace(/\\/+$/, '') + path, {
    headers: { Authorization: 'Bearer ' + tokens.accessToken() },
    cache: 'no-store',
  });
  return res.status;
}
"""


def _other_member_id(page: Page, base_url: str, live_runtime: Any, api_token: Callable[[Page, str, str], str]) -> str:
    """Look the other member up with a staff token (the member cannot search)."""
    email, password = live_runtime.logins["dispatcher"]
    token = api_token(page, email, password)
    res = page.request.get(
        f"{base_url}/api/members",
        params={"q": live_runtime.other_member_number},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert res.ok, res.text()
    items = res.json()["items"]
    assert len(items) == 1
    return str(items[0]["id"])


def test_member_sees_only_own_record(
    page: Page,
    base_url: str,
    live_runtime: Any,
    login: Callable[[Page, str, str], None],
    api_token: Callable[[Page, str, str], str],
) -> None:
    """
    GIVEN a member-role user linked to a member record, and a different member
    WHEN the member signs in
    THEN they land on "My profile" showing their own name and card number
     AND there is no Members, Employers, Audit or Users navigation
    WHEN they open #/members/<other member id> directly
    THEN the app shows "Not allowed" and none of the other member's data
     AND the API itself refuses GET /members/<other id> and GET /members.
    """
    me = live_runtime.member_record
    other_id = _other_member_id(page, base_url, live_runtime, api_token)
    email, password = live_runtime.member_login

    login(page, email, password)

    expect(page).to_have_url(f"{base_url}/#/profile")
    expect(page.get_by_test_id("profile-name")).to_contain_text(me["first_name"])
    expect(page.get_by_test_id("profile-name")).to_contain_text(me["last_name"])
    expect(page.get_by_test_id("profile-member-number")).to_have_text(me["member_number"])
    expect(page.get_by_test_id("nav-profile")).to_be_visible()
    for nav in ("nav-members", "nav-employers", "nav-audit", "nav-users"):
        expect(page.get_by_test_id(nav)).to_have_count(0)

    page.goto(f"{base_url}/#/members/{other_id}")
    expect(page.get_by_test_id("not-allowed")).to_be_visible()
    expect(page.get_by_test_id("member-detail")).to_have_count(0)
    expect(page.get_by_text(live_runtime.other_member_number)).to_have_count(0)

    assert page.evaluate(FETCH_STATUS, f"/members/{other_id}") in (403, 404)
    assert page.evaluate(FETCH_STATUS, "/members") == 403
    assert page.evaluate(FETCH_STATUS, "/me") == 200
