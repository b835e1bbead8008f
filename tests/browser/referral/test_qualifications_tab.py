"""A dispatcher records and changes a member's book qualification on the member page (referral §3.5)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect


def _fresh_member(page: Page, base_url: str, token: str) -> str:
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(10):
        r = page.request.post(f"{base_url}/api/members", headers=auth, data={
            "member_number": f"7{random.randint(0, 999_999):06d}", "first_name": "BROWSER", "last_name": "ZZQUALIFIED",
            "date_of_birth": "1991-05-06", "card_type": "A", "classification": "journeyman"})
        if r.status == 201:
            return str(r.json()["id"])
    raise AssertionError(r.text())


def test_dispatcher_records_then_changes_a_qualification(
    page: Page, base_url: str, live_runtime: Any, login: Callable[[Page, str, str], None],
    api_token: Callable[[Page, str, str], str],
) -> None:
    """
    GIVEN a member with no qualifications and a signed-in dispatcher
    WHEN the dispatcher records WIRE SEATTLE tier 1 with a reason, then changes it to tier 2
    THEN the Qualifications tab lists WIRE SEATTLE at tier 2, and an empty reason is refused next to the field.
    """
    staff_email, staff_password = live_runtime.logins["staff"]
    mid = _fresh_member(page, base_url, api_token(page, staff_email, staff_password))
    login(page, *live_runtime.logins["dispatcher"])
    page.goto(f"{base_url}/#/members/{mid}")
    page.get_by_test_id("tab-qualifications").click()
    expect(page.get_by_text("No qualifications recorded.")).to_be_visible()

    form = page.get_by_test_id("qualification-form")
    form.get_by_label("Book").select_option("WIRE_SEA")
    form.get_by_label("Tier", exact=True).select_option("1")
    form.get_by_test_id("qualification-save").click()
    expect(form.get_by_text("Required.")).to_be_visible()  # the reason
    form.get_by_label("Basis for this tier").fill("Journeyman card, 8,000 hours")
    form.get_by_test_id("qualification-save").click()
    row = page.get_by_test_id("qualification")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("WIRE SEATTLE")

    row.get_by_test_id("qualification-edit").click()
    expect(form.get_by_label("Tier", exact=True)).to_be_focused()
    form.get_by_label("Tier", exact=True).select_option("2")
    form.get_by_label("Basis for this tier").fill("Moved to tier 2 after review")
    form.get_by_test_id("qualification-save").click()
    expect(row.locator("td").nth(1)).to_have_text("2")
