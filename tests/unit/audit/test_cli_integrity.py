"""`unioncore integrity` and `unioncore seal-audit` over the in-memory twin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib import cli
from chalicelib.audit import integrity as audit_integrity
from chalicelib.core.store.memory import MemoryStore
from chalicelib.core.store import set_store
from chalicelib.audit import store as audit_repo
from factories import audit, erase, key_of

D1, D2 = date(2026, 2, 1), date(2026, 2, 2)
LATER = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[MemoryStore]:
    s = MemoryStore()
    for day in (D1, D2):
        for i in range(3):
            s.create(audit(f"m{i}", at=datetime(day.year, day.month, day.day, 10, i, tzinfo=UTC)))
    audit_integrity.seal_day(s, D1, LATER)
    audit_integrity.seal_day(s, D2, LATER)
    set_store(s)
    yield s
    set_store(None)


def test_given_an_intact_chain_when_integrity_runs_then_exit_0_with_the_audit_summary(
        store: MemoryStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["integrity", "--from", "2026-02-01", "--to", "2026-02-03"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["problems"] == 0 and out["members_checked"] == 0
    assert out["audit"]["ok"] is True and out["audit"]["days_verified"] == 2 and out["audit"]["entries_checked"] == 6


def test_given_a_deleted_entry_when_integrity_runs_then_exit_1_naming_it(
        store: MemoryStore, capsys: pytest.CaptureFixture[str]) -> None:
    gone = audit_repo.by_day(store, D2, 10, None).items[1]  # the fifth entry written
    erase(store, key_of(gone))
    assert cli.main(["integrity", "--audit-only", "--from", "2026-02-01", "--to", "2026-02-02"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["audit"]["findings"][0]["kind"] == "missing"
    assert f"audit 2026-02-02: missing {gone.id}" in captured.err


def test_given_a_backwards_range_when_integrity_runs_then_exit_2_with_the_error(
        store: MemoryStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["integrity", "--audit-only", "--from", "2026-02-02", "--to", "2026-02-01"]) == 2
    assert json.loads(capsys.readouterr().err)["error"]["code"]


def test_given_unsealed_days_when_seal_audit_runs_then_it_seals_them_in_order(
        store: MemoryStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["seal-audit"]) == 0
    sealed = json.loads(capsys.readouterr().out)["sealed"]
    last_settled = (datetime.now(UTC) - audit_integrity.SETTLE).date() - timedelta(days=1)
    # catches up from the chain's end (D2), in day order, at most MAX_DAYS_PER_RUN days per run
    expected = min(audit_integrity.MAX_DAYS_PER_RUN, (last_settled - D2).days)
    assert [s["day"] for s in sealed] == [(D2 + timedelta(days=i + 1)).isoformat() for i in range(expected)]
