"""Automated accessibility scan (axe-core, WCAG 2.x A/AA rules) of the main views."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"

RUN_AXE = """
async () => {
  const result = await axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
  }));
}
"""


def _violations(page: Page) -> list[dict[str, Any]]:
    # page.evaluate runs through the DevTools protocol, so the page's CSP does not block it.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return list(page.evaluate(RUN_AXE))


@pytest.fixture
def axe_available() -> None:
    if not AXE.exists():
        pytest.skip("axe-core not installed (run `npm ci`)")


@pytest.mark.usefixtures("axe_available")
def test_main_views_have_no_wcag_aa_violations(
    page: Page, phone_page: Page, base_url: str, live_runtime: Any, login: Callable[[Page, str, str], None]
) -> None:
    """
    GIVEN the login page, the members search, a member record (details and
          history tabs) for a dispatcher, and "My profile" for a member on a phone
    WHEN axe-core checks each against the WCAG 2.1 A/AA rules
    THEN there are no violations (labels, contrast, ARIA, names, landmarks…).
    """
    found: dict[str, list[dict[str, Any]]] = {}

    page.goto(f"{base_url}/")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    found["login"] = _violations(page)

    email, password = live_runtime.logins["dispatcher"]
    login(page, email, password)
    expect(page.get_by_test_id("member-row").first).to_be_visible()
    found["members"] = _violations(page)

    page.get_by_test_id("member-link").first.click()
    expect(page.get_by_test_id("member-number")).not_to_be_empty()
    found["member details"] = _violations(page)
    page.get_by_test_id("edit-member").click()
    expect(page.get_by_test_id("member-edit-form")).to_be_visible()
    found["member edit form"] = _violations(page)
    page.get_by_test_id("cancel-edit").click()
    page.get_by_test_id("tab-history").click()
    expect(page.get_by_test_id("history-refresh")).to_be_enabled()
    found["member history"] = _violations(page)

    m_email, m_password = live_runtime.member_login
    login(phone_page, m_email, m_password)
    expect(phone_page.get_by_test_id("profile-name")).to_be_visible()
    found["profile (phone)"] = _violations(phone_page)

    problems = {view: v for view, v in found.items() if v}
    assert problems == {}, problems
