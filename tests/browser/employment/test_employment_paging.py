"""A long employment history pages in the member record: the first 25 jobs, then "Load more jobs"."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, expect


def test_staff_page_through_a_long_employment_history(
    page: Page, base_url: str, live_runtime: Any, login: Callable[[Page, str, str], None],
    api_token: Callable[[Page, str, str], str],
) -> None:
    """
    GIVEN a member with 27 ended jobs
    WHEN staff open the member's Employment tab
    THEN 25 jobs show, newest first, with "Load more jobs"; after it all 27 show and the button is gone.
    """
    email, password = live_runtime.logins["staff"]
    auth = {"Authorization": f"Bearer {api_token(page, email, password)}"}
    for _ in range(10):
        r = page.request.post(f"{base_url}/api/members", headers=auth, data={
            "member_number": f"6{random.randint(0, 999_999):06d}", "first_name": "BROWSER", "last_name": "ZZPAGED",
            "date_of_birth": "1980-01-02", "card_type": "A", "classification": "journeyman"})
        if r.status == 201:
            break
    mid = r.json()["id"]
    org = page.request.get(f"{base_url}/api/employers", headers=auth, params={"q": "B", "limit": 1}).json()["items"][0]
    start = date(2020, 1, 6)
    for n in range(27):
        first = start + timedelta(days=30 * n)
        job = page.request.post(f"{base_url}/api/members/{mid}/employment", headers=auth, data={
            "employer_id": org["id"], "start_date": first.isoformat(),
            "end_date": (first + timedelta(days=20)).isoformat()})
        assert job.status == 201, job.text()
    login(page, email, password)
    page.goto(f"{base_url}/#/members/{mid}")
    page.get_by_test_id("tab-employment").click()
    rows = page.get_by_test_id("employment-table").locator("tbody tr")
    expect(rows).to_have_count(25)
    more = page.get_by_test_id("employment-more")
    expect(more).to_be_visible()
    more.click()
    expect(rows).to_have_count(27)
    expect(more).to_be_hidden()
