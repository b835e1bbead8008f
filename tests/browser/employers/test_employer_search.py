"""Staff find employers by contract code and name."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect


def test_staff_filters_employers_by_contract_and_searches_by_name(
    page: Page,
    live_runtime: Any,
    login: Callable[[Page, str, str], None],
) -> None:
    """
    GIVEN the demo data (21 employers hold GROUP MARINE)
    WHEN a staff user opens Employers and filters by GROUP MARINE
    THEN every row is a GROUP MARINE employer
     AND searching a name prefix then lists only employers starting with it.
    """
    email, password = live_runtime.logins["staff"]
    login(page, email, password)
    page.get_by_test_id("nav-employers").click()
    rows = page.get_by_test_id("employer-row")
    expect(rows.first).to_be_visible()

    page.get_by_test_id("employer-contract-filter").select_option("GROUP MARINE")
    expect(rows).to_have_count(21)
    for text in rows.all_inner_texts():
        assert "GROUP MARINE" in text.upper()

    page.get_by_test_id("employer-contract-filter").select_option("")
    page.get_by_test_id("employer-search-input").fill("BOULDER")
    page.get_by_test_id("employer-search-submit").click()
    expect(page.get_by_test_id("employer-link").first).to_have_text(re.compile(r"^BOULDER", re.IGNORECASE))
    for name in page.get_by_test_id("employer-link").all_inner_texts():
        assert name.upper().startswith("BOULDER")
