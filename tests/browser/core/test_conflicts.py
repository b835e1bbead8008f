"""One "someone else changed this record" flow (js/core/conflict.js) on every screen that sends a version."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

SHOWN = "The latest version is shown; try again."


def _fresh_member(page: Page, base_url: str, auth: dict[str, str]) -> dict[str, Any]:
    for _ in range(10):
        r = page.request.post(f"{base_url}/api/members", headers=auth, data={
            "member_number": f"7{random.randint(0, 999_999):06d}", "first_name": "BROWSER", "last_name": "ZZCONFLICT",
            "date_of_birth": "1990-06-07", "card_type": "A", "classification": "journeyman"})
        if r.status == 201:
            return dict(r.json())
    raise AssertionError(r.text())


def test_edits_that_meet_someone_elses_change_show_the_latest_version(
    page: Page,
    base_url: str,
    live_runtime: Any,
    login: Callable[[Page, str, str], None],
    api_token: Callable[[Page, str, str], str],
) -> None:
    """
    GIVEN an officer editing a member record, a note and a status change while the same records change elsewhere
    WHEN the officer saves
    THEN the edit form keeps the officer's input and the banner names the field the other person changed;
         "Reload and keep my changes" puts the input on top of the latest version, which then saves
     AND a status change or a note edit says that someone else changed the record or note and shows the
         latest version, so that the next attempt succeeds.
    """
    email, password = live_runtime.logins["officer"]
    auth = {"Authorization": f"Bearer {api_token(page, email, password)}"}
    member = _fresh_member(page, base_url, auth)
    url = f"{base_url}/api/members/{member['id']}"
    login(page, email, password)
    page.goto(f"{base_url}/#/members/{member['id']}")

    # -- the record editor: banner, "Reload and keep my changes", save
    page.get_by_test_id("edit-member").click()
    page.get_by_test_id("input-city").fill("Portland")
    assert page.request.patch(url, headers=auth, data={"version": member["version"], "phone": "5035550199"}).ok
    page.get_by_test_id("save-member").click()
    banner = page.get_by_test_id("conflict-banner")
    expect(banner).to_be_focused()
    expect(banner).to_contain_text("They changed: Phone.")
    page.get_by_test_id("conflict-reapply").click()
    expect(page.get_by_test_id("input-city")).to_have_value("Portland")
    page.get_by_test_id("save-member").click()
    expect(page.get_by_test_id("status-region")).to_have_text("Changes saved.")
    expect(page.get_by_test_id("member-field-city")).to_have_text("Portland")
    expect(page.get_by_test_id("member-field-phone")).to_contain_text("555-0199")

    # -- a status change: the message, and the latest version on screen
    version = page.request.get(url, headers=auth).json()["version"]
    page.locator("summary", has_text="Change membership status").click()
    assert page.request.patch(url, headers=auth, data={"version": version, "city": "Salem"}).ok
    page.get_by_label("Action").select_option("suspend")
    # (the Qualifications tab's hidden form has a "Reason" too)
    page.get_by_test_id("status-form").get_by_label("Reason", exact=True).fill("Browser test")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("status-form")).to_contain_text(f"This record was changed by someone else. {SHOWN}")
    expect(page.get_by_test_id("member-field-city")).to_have_text("Salem")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("status-region")).to_have_text("Status is now Suspended.")

    # -- an inline note edit
    page.get_by_test_id("tab-notes").click()
    page.get_by_label("New note").fill("Called about dues")
    page.get_by_test_id("add-note").click()
    note = page.get_by_test_id("note")
    expect(note).to_have_count(1)
    [saved] = page.request.get(f"{url}/notes", headers=auth).json()["items"]
    note.get_by_test_id("note-edit").click()
    assert page.request.patch(f"{url}/notes/{saved['id']}", headers=auth,
                              data={"version": saved["version"], "text": "Called about dues (changed elsewhere)"}).ok
    note.get_by_label("Note text").fill("Called about dues; will pay Friday")
    note.get_by_test_id("note-save").click()
    expect(note.get_by_test_id("note-edit-form")).to_contain_text(f"This note was changed by someone else. {SHOWN}")
    expect(note.get_by_test_id("note-edited")).to_be_visible()
