"""A dispatcher finds a member, edits the phone number and sees the audit trail."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect


def test_dispatcher_edits_phone_and_sees_update_in_history(
    page: Page,
    live_runtime: Any,
    login: Callable[[Page, str, str], None],
    only_digits: Callable[[str], str],
) -> None:
    """
    GIVEN a dispatcher account and an existing member
    WHEN the dispatcher signs in, searches the member by 7-digit card number,
         opens the record, edits the phone number and saves
    THEN the record shows the new phone number
     AND the History tab lists an UPDATE entry whose changed fields include
         phone, old value -> new value, with the dispatcher as actor.
    """
    email, password = live_runtime.logins["dispatcher"]
    card_number = live_runtime.other_member_number

    login(page, email, password)
    expect(page.get_by_test_id("nav-members")).to_be_visible()

    page.get_by_label("Search members").fill(card_number)
    page.get_by_test_id("member-search-submit").click()
    rows = page.get_by_test_id("member-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(card_number)
    rows.first.get_by_test_id("member-link").click()

    expect(page.get_by_test_id("member-number")).to_have_text(card_number)
    old_phone = page.get_by_test_id("member-field-phone").inner_text()
    new_phone = old_phone
    while only_digits(new_phone) == only_digits(old_phone):
        new_phone = f"503555{random.randint(0, 9999):04d}"

    page.get_by_test_id("edit-member").click()
    phone_input = page.get_by_label("Phone", exact=True)
    phone_input.fill(new_phone)
    page.get_by_test_id("save-member").click()

    expect(page.get_by_test_id("member-edit-form")).to_have_count(0)
    shown = page.get_by_test_id("member-field-phone")
    expect(shown).not_to_have_text(old_phone)
    assert only_digits(shown.inner_text()).endswith(new_phone[-10:])
    expect(page.get_by_test_id("status-region")).to_have_text("Changes saved.")

    page.get_by_test_id("tab-history").click()
    expect(page.get_by_test_id("tab-history")).to_have_attribute("aria-selected", "true")

    # The audit write may be asynchronous: refresh the tab for a few seconds.
    update_entry = page.locator("[data-testid='audit-entry'][data-action='UPDATE']").filter(
        has=page.locator("[data-testid='audit-change'][data-field='phone']", has_text=new_phone[-4:])
    )
    deadline = time.monotonic() + 20
    while update_entry.count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(750)
        if update_entry.count() == 0:
            page.get_by_test_id("history-refresh").click()
            expect(page.get_by_test_id("history-refresh")).to_be_enabled()
    expect(update_entry.first).to_be_visible()
    phone_change = update_entry.first.locator("[data-testid='audit-change'][data-field='phone']")
    expect(phone_change.locator("th")).to_have_text("Phone")
    assert only_digits(phone_change.locator(".new-value").inner_text()).endswith(new_phone[-10:])
    assert only_digits(phone_change.locator(".old-value").inner_text()) == only_digits(old_phone)
    expect(update_entry.first.get_by_test_id("audit-actor")).to_contain_text(email)
