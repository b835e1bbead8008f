"""An admin prepares the audit CSV export on the audit screen: start, progress, download link."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import Page, expect


def test_admin_prepares_and_downloads_the_audit_export(
    page: Page, base_url: str, live_runtime: Any, login: Callable[[Page, str, str], None],
) -> None:
    """
    GIVEN a signed-in admin on the audit log
    WHEN they open "Export to CSV", choose today and select "Prepare CSV"
    THEN the screen follows the background job to "Ready: N entries" and offers a download link,
         which downloads a CSV with the header row and N entries; an empty date is refused next to the field.
    """
    login(page, *live_runtime.logins["admin"])
    page.goto(f"{base_url}/#/audit")
    export = page.get_by_test_id("audit-export")
    export.get_by_text("Export to CSV").click()

    export.get_by_label("From").fill("")
    export.get_by_test_id("export-start").click()
    expect(export.get_by_test_id("export-error")).to_contain_text("Choose both dates.")
    expect(export.get_by_label("From")).to_have_attribute("aria-invalid", "true")

    today = datetime.now(UTC).date().isoformat()
    export.get_by_label("From").fill(today)
    export.get_by_label("To").fill(today)
    export.get_by_test_id("export-start").click()
    job = export.get_by_test_id("export-job")
    expect(job).to_be_visible()
    expect(job).to_have_attribute("data-status", "succeeded", timeout=180_000)
    ready = job.get_by_test_id("export-ready")
    expect(ready).to_contain_text("Ready:")
    expect(page.get_by_test_id("status-region")).to_contain_text("Audit export ready")
    entries = int(ready.inner_text().split("Ready:")[1].split("entries")[0].replace(",", "").strip())
    assert entries > 0

    link = job.get_by_test_id("export-download")
    expect(link).to_have_text(f"Download audit-{today}-to-{today}.csv")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"audit-{today}-to-{today}.csv"
    path = download.path()
    assert path is not None
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(io.StringIO(fh.read(), newline="")))
    assert rows[0][:3] == ["occurred_at", "action", "entity_type"]
    assert len(rows) - 1 == entries
