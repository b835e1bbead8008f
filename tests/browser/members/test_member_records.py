"""Staff change a member's notes and employment in the web app; an admin sees a note's earlier version."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect


def _fresh_member_with_current_job(page: Page, base_url: str, token: str) -> str:
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(10):
        r = page.request.post(f"{base_url}/api/members", headers=auth, data={
            "member_number": f"8{random.randint(0, 999_999):06d}", "first_name": "BROWSER", "last_name": "ZZRECORDS",
            "date_of_birth": "1990-06-07", "card_type": "A", "classification": "journeyman"})
        if r.status == 201:
            break
    assert r.status == 201, r.text()
    mid = str(r.json()["id"])
    org = page.request.get(f"{base_url}/api/employers", headers=auth, params={"q": "B", "limit": 1}).json()["items"][0]
    job = page.request.post(f"{base_url}/api/members/{mid}/employment", headers=auth,
                            data={"employer_id": org["id"], "start_date": "2026-04-06"})
    assert job.status == 201, job.text()
    return mid


def test_staff_edit_and_delete_a_note_end_a_job_and_admin_sees_the_earlier_version(
    page: Page,
    new_context: Callable[..., Any],
    base_url: str,
    live_runtime: Any,
    login: Callable[[Page, str, str], None],
    api_token: Callable[[Page, str, str], str],
) -> None:
    """
    GIVEN a staff user and a member with a current direct-hire job
    WHEN staff add a note, edit it (keyboard only for the save), and end the job with an end date
    THEN the note shows the new text marked "edited", the job shows its end date,
     AND an admin opening the note sees the earlier version; after staff delete it with a reason, it is gone.
    """
    email, password = live_runtime.logins["staff"]
    mid = _fresh_member_with_current_job(page, base_url, api_token(page, email, password))
    login(page, email, password)
    page.goto(f"{base_url}/#/members/{mid}")

    # -- notes: add, then edit
    page.get_by_test_id("tab-notes").click()
    page.get_by_label("New note").fill("Asked about the dues rate")
    page.get_by_test_id("add-note").click()
    note = page.get_by_test_id("note")  # a fresh member: this is the only note
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Asked about the dues rate")
    note.get_by_test_id("note-edit").click()
    text = note.get_by_label("Note text")
    expect(text).to_be_focused()
    text.fill("Asked about the dues rate; sent the 2026 schedule")
    page.keyboard.press("Tab")  # category
    page.keyboard.press("Tab")  # visibility
    page.keyboard.press("Tab")  # save
    expect(note.get_by_test_id("note-save")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("status-region")).to_have_text("Note saved. The earlier version is kept.")
    edited = page.get_by_test_id("note")
    expect(edited).to_contain_text("sent the 2026 schedule")
    expect(edited.get_by_test_id("note-edited")).to_be_visible()
    expect(edited.get_by_test_id("note-versions-toggle")).to_have_count(0)  # versions: admins only

    # -- employment: end the current job
    page.get_by_test_id("tab-employment").click()
    row = page.get_by_test_id("employment-row").first
    expect(row).to_contain_text("Current")
    row.get_by_test_id("job-end").click()
    form = page.get_by_test_id("job-end-form")
    form.get_by_label("End date").fill("2026-04-01")
    form.get_by_test_id("job-save").click()
    expect(form.get_by_text("The end date is before the start date.")).to_be_visible()  # checked before sending
    form.get_by_label("End date").fill("2026-05-15")
    form.get_by_test_id("job-save").click()
    expect(page.get_by_test_id("job-end-form")).to_have_count(0)
    expect(page.get_by_test_id("employment-row").first).not_to_contain_text("Current")
    expect(page.get_by_test_id("employment-row").first.get_by_test_id("job-end")).to_have_count(0)

    # -- an admin sees the earlier version
    admin_page = new_context().new_page()
    login(admin_page, *live_runtime.logins["admin"])
    admin_page.goto(f"{base_url}/#/members/{mid}")
    admin_page.get_by_test_id("tab-notes").click()
    admin_note = admin_page.get_by_test_id("note").filter(has_text="sent the 2026 schedule")
    admin_note.get_by_test_id("note-versions-toggle").click()
    expect(admin_note.get_by_test_id("note-version")).to_have_count(1)
    expect(admin_note.get_by_test_id("note-version")).to_contain_text("Asked about the dues rate")

    # -- staff delete the note with a reason
    page.get_by_test_id("tab-notes").click()
    edited.get_by_test_id("note-delete").click()
    edited.get_by_test_id("note-save").click()
    expect(edited.get_by_text("Give a reason for deleting this note.")).to_be_visible()
    edited.get_by_label("Reason for deleting this note").fill("Duplicate of the call log")
    edited.get_by_test_id("note-save").click()
    expect(page.get_by_test_id("status-region")).to_have_text("Note deleted.")
    expect(page.get_by_test_id("note")).to_have_count(0)
