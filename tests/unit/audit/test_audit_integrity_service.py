"""Sealing, verification and the nightly job over the in-memory twin (docs/audit.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core.audit import AuditEntry
from chalicelib.audit.domain import GENESIS
from chalicelib.core.errors import AppError
from chalicelib.audit import integrity as svc
from chalicelib.core.store.memory import MemoryStore
from factories import audit, ctx_for, erase, key_of, overwrite
from chalicelib.audit import store as audit_repo

LA = ZoneInfo("America/Los_Angeles")
# 02:15 in Los Angeles on 2026-03-17 (PDT, UTC-7) is 09:15 UTC.
NIGHT = datetime(2026, 3, 17, 9, 15, tzinfo=UTC)
D1, D2, D3 = date(2026, 3, 14), date(2026, 3, 15), date(2026, 3, 16)


def at(day: date, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, 12, minute, tzinfo=UTC)


def fill(store: MemoryStore, day: date, n: int) -> list[AuditEntry]:
    entries = [audit(f"m{day.day}-{i}", at=at(day, i)) for i in range(n)]
    for e in entries:
        store.create(e)
    return entries


def sealed_store() -> tuple[MemoryStore, list[AuditEntry]]:
    store = MemoryStore()
    entries = fill(store, D1, 3) + fill(store, D2, 2) + fill(store, D3, 2)
    svc.seal_day(store, D1, NIGHT)
    svc.seal_day(store, D2, NIGHT)
    svc.seal_day(store, D3, NIGHT)
    return store, entries


def test_given_three_days_when_sealed_in_order_then_each_seal_chains_to_the_one_before() -> None:
    store, _ = sealed_store()
    s1, s2, s3 = audit_repo.seals_between(store, D1, D3)
    assert (s1.prev, s2.prev, s3.prev) == (GENESIS, s1.hash, s2.hash)
    assert (s1.count, s2.count, s3.count) == (3, 2, 2)
    report = svc.verify(store, D1, D3)
    assert report.ok and [d.status for d in report.days] == ["verified"] * 3


def test_given_a_sealed_day_when_sealed_again_then_the_existing_seal_is_kept() -> None:
    store, _ = sealed_store()
    before = audit_repo.get_seal(store, D2)
    store.create(audit("late", at=at(D2, 30)))
    again = svc.seal_day(store, D2, NIGHT)
    assert not again.written and again.seal == before


def test_given_a_hole_in_the_chain_when_a_later_day_is_sealed_then_it_is_refused() -> None:
    store = MemoryStore()
    svc.seal_day(store, D1, NIGHT)
    with pytest.raises(svc.ChainGap):
        svc.seal_day(store, D3, NIGHT)


def test_given_a_day_that_has_not_settled_when_sealed_then_it_is_refused() -> None:
    with pytest.raises(ValueError):
        svc.seal_day(MemoryStore(), NIGHT.date(), NIGHT)
    with pytest.raises(ValueError):  # yesterday, but only 30 minutes after midnight UTC
        svc.seal_day(MemoryStore(), D3, datetime(2026, 3, 17, 0, 30, tzinfo=UTC))


def test_given_tampering_after_sealing_when_verified_then_edit_gap_and_insertion_are_named() -> None:
    store, entries = sealed_store()
    # the attacker's view: raw items, bypassing the append-only write path
    edited = entries[0]
    overwrite(store, edited.model_copy(update={"actor_id": "someone-else"}))
    erase(store, key_of(entries[3]))  # a D2 entry
    forged = audit("forged", at=at(D3, 45))
    overwrite(store, forged)
    report = svc.verify(store, D1, D3)
    assert not report.ok
    assert {(f.kind.value, f.day, f.entry_id) for f in report.findings} == {
        ("edited", D1, edited.id), ("missing", D2, entries[3].id), ("inserted", D3, forged.id)}
    assert [d.status for d in report.days] == ["failed"] * 3


def test_given_a_deleted_seal_when_verified_then_the_missing_seal_and_broken_link_are_named() -> None:
    store, _ = sealed_store()
    erase(store, (audit_repo.SEALS_PK, audit_repo.seal_sk(D2.isoformat())))
    kinds = {(f.kind.value, f.day) for f in svc.verify(store, D1, D3).findings}
    assert kinds == {("missing_seal", D2), ("broken_link", D3)}


def test_given_days_outside_the_sealed_span_when_verified_then_they_are_unsealed_not_failures() -> None:
    store, _ = sealed_store()
    report = svc.verify(store, D1 - timedelta(days=2), D3 + timedelta(days=2))
    assert report.ok
    assert [d.status for d in report.days] == ["unsealed"] * 2 + ["verified"] * 3 + ["unsealed"] * 2
    assert svc.verify(MemoryStore(), D1, D1).as_json()["chain_start"] is None
    assert svc.verify(MemoryStore(), date.min, date.min).ok  # no day arithmetic overflow


def test_given_no_seals_when_due_days_are_sealed_then_yesterday_starts_the_chain_and_later_runs_catch_up() -> None:
    store = MemoryStore()
    fill(store, D3, 2)
    assert [o.seal.day for o in svc.seal_due(store, NIGHT)] == [D3]
    assert audit_repo.first_seal(store).prev == GENESIS  # type: ignore[union-attr]
    # the job was down for three nights: the next run seals the missed days in order
    later = NIGHT + timedelta(days=3)
    assert [o.seal.day for o in svc.seal_due(store, later)] == [D3 + timedelta(days=i) for i in (1, 2, 3)]
    assert svc.seal_due(store, later) == []
    assert svc.verify(store, D3, D3 + timedelta(days=3)).ok


def test_given_an_admin_when_the_range_is_bad_then_400_and_a_good_range_is_audited() -> None:
    store, _ = sealed_store()
    ctx = ctx_for(store, "admin")
    with pytest.raises(AppError) as err:
        svc.verify_for_admin(ctx, D3, D1)
    assert err.value.status == 400
    with pytest.raises(AppError):
        svc.verify_for_admin(ctx, D1, D1 + timedelta(days=366))
    body = svc.verify_for_admin(ctx, D1, D3)
    assert body["ok"] is True and body["days_verified"] == 3 and body["entries_checked"] == 7
    logged = audit_repo.by_entity(store, "audit", "INTEGRITY", 50, None).items
    assert len(logged) == 1 and logged[0].extra["report_code"] == "AUDIT_INTEGRITY"


class _Metrics:
    def __init__(self) -> None:
        self.added: dict[str, float] = {}

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.added[name] = value

    def flush_metrics(self) -> None:
        return None


def test_given_the_nightly_job_when_it_runs_outside_the_local_hour_then_it_does_nothing() -> None:
    store = MemoryStore()
    fill(store, D3, 1)
    out = svc.nightly(store, NIGHT + timedelta(hours=1), LA, 2)
    assert out["skipped"] is True and audit_repo.latest_seal(store) is None


def test_given_the_nightly_job_when_tampering_is_found_then_it_logs_an_error_and_emits_the_metric(
        monkeypatch: pytest.MonkeyPatch) -> None:
    store, entries = sealed_store()
    fake = _Metrics()
    monkeypatch.setattr(svc, "metrics", fake)
    out = svc.nightly(store, NIGHT + timedelta(days=1), LA, 2)  # seals 03-17, verifies the chain
    assert out["sealed"] == ["2026-03-17"] and out["verified"]["ok"] is True
    assert fake.added == {"AuditDaysSealed": 1, "AuditIntegrityFindings": 0}
    erase(store, key_of(entries[0]))
    errors: list[str] = []
    monkeypatch.setattr(svc.logger, "error", lambda msg, **kw: errors.append(msg))
    out = svc.nightly(store, NIGHT + timedelta(days=2), LA, 2)
    assert out["verified"]["ok"] is False
    assert fake.added["AuditIntegrityFindings"] == 1 and errors == ["audit integrity check failed"]
