"""The scheduled Lambda (app.audit_seal_nightly) as Chalice runs it: event in, seal written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.audit import integrity as audit_integrity
from chalicelib.core.store.memory import MemoryStore
from chalicelib.core.store import set_store
from factories import audit
from chalicelib.audit import store as audit_repo


class _Clock(datetime):
    now_value = datetime(2026, 3, 17, 9, 15, tzinfo=UTC)  # 02:15 in Los Angeles (PDT)

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
        return cls.now_value


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryStore]:
    s = MemoryStore()
    set_store(s)
    monkeypatch.setattr(audit_integrity, "datetime", _Clock)
    yield s
    set_store(None)


def test_given_the_schedule_is_declared_then_it_fires_hourly_at_quarter_past() -> None:
    [source] = [e for e in app_module.app.event_sources if e.name == "audit_seal_nightly"]
    assert source.schedule_expression.to_string() == "cron(15 * * * ? *)"  # type: ignore[attr-defined]


def test_given_yesterdays_entries_when_the_scheduled_handler_runs_at_0215_local_then_it_seals_and_verifies(
        store: MemoryStore) -> None:
    store.create(audit("m1", at=datetime(2026, 3, 16, 20, 0, tzinfo=UTC)))
    with Client(app_module.app) as client:
        result = client.lambda_.invoke("audit_seal_nightly", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    assert result.payload["sealed"] == ["2026-03-16"]
    assert result.payload["verified"]["ok"] is True
    seal = audit_repo.get_seal(store, date(2026, 3, 16))
    assert seal is not None and seal.count == 1


def test_given_another_hour_when_the_scheduled_handler_runs_then_it_skips(store: MemoryStore) -> None:
    _Clock.now_value, before = datetime(2026, 3, 17, 15, 15, tzinfo=UTC), _Clock.now_value
    try:
        with Client(app_module.app) as client:
            result = client.lambda_.invoke("audit_seal_nightly", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    finally:
        _Clock.now_value = before
    assert result.payload["skipped"] is True and audit_repo.latest_seal(store) is None
