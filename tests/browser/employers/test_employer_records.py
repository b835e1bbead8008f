"""Staff edit an employer's contacts (make one primary, remove one) and a contract's dates, then end it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect


def test_staff_make_a_contact_primary_remove_one_and_edit_then_end_a_contract(
    page: Page,
    base_url: str,
    live_runtime: Any,
    login: Callable[[Page, str, str], None],
    api_token: Callable[[Page, str, str], str],
) -> None:
    """
    GIVEN an employer with a new non-primary contact and a new LT FXT MAINT-free contract slot
    WHEN staff make the contact primary, remove it with a reason, edit the contract's expiration and end it
    THEN exactly one contact is primary (the edited one), the removed contact disappears,
     AND the contract shows the new date and then the status "Ended" with no further actions.
    """
    email, password = live_runtime.logins["staff"]
    auth = {"Authorization": f"Bearer {api_token(page, email, password)}"}
    orgs = page.request.get(f"{base_url}/api/employers", headers=auth, params={"q": "C", "limit": 5}).json()["items"]
    org = next(o for o in orgs if "LT FXT MAINT" not in o["contract_codes"])
    detail = page.request.get(f"{base_url}/api/employers/{org['id']}", headers=auth).json()
    contact = page.request.post(f"{base_url}/api/employers/{org['id']}/contacts", headers=auth, data={
        "name": "ZZ BROWSER CONTACT", "version": detail["version"]})
    assert contact.status == 201, contact.text()
    contract = page.request.post(f"{base_url}/api/employers/{org['id']}/contracts", headers=auth, data={
        "contract_code": "LT FXT MAINT", "effective_date": "2035-01-01", "version": detail["version"] + 1})
    assert contract.status == 201, contract.text()

    login(page, email, password)
    page.goto(f"{base_url}/#/employers/{org['id']}")
    item = page.get_by_test_id("contact").filter(has_text="ZZ BROWSER CONTACT")
    item.get_by_test_id("contact-edit").click()
    expect(item.get_by_label("Name")).to_be_focused()
    item.get_by_label("Title").fill("Project manager")
    item.get_by_test_id("contact-primary-check").check()
    item.get_by_test_id("contact-save").click()
    expect(page.get_by_test_id("status-region")).to_have_text("ZZ BROWSER CONTACT is now the primary contact.")
    expect(page.get_by_test_id("contact-primary")).to_have_count(1)
    expect(item.get_by_test_id("contact-primary")).to_be_visible()
    expect(item).to_contain_text("Project manager")

    item.get_by_test_id("contact-remove").click()
    item.get_by_label("Reason for removing this contact").fill("Test contact")
    item.get_by_test_id("contact-save").click()
    expect(page.get_by_test_id("contact").filter(has_text="ZZ BROWSER CONTACT")).to_have_count(0)

    row = page.get_by_test_id("contract-row").filter(has_text="LT FXT MAINT")
    row.get_by_test_id("contract-edit").click()
    form = page.get_by_test_id("contract-edit-form")
    expect(form.get_by_label("Effective date")).to_be_focused()
    form.get_by_label("Expiration date (empty: open-ended)").fill("2035-12-31")
    form.get_by_test_id("contract-save").click()
    expect(page.get_by_test_id("status-region")).to_have_text("Contract dates saved.")
    expect(row).to_contain_text("2035")
    expect(row).not_to_contain_text("Open-ended")

    row.get_by_test_id("contract-end").click()
    end_form = page.get_by_test_id("contract-end-form")
    end_form.get_by_label("Last day of the contract").fill("2035-06-30")
    end_form.get_by_test_id("contract-save").click()
    expect(page.get_by_test_id("status-region")).to_have_text("Contract ended.")
    expect(row).to_contain_text("Ended")
    expect(row.get_by_test_id("contract-end")).to_be_hidden()
