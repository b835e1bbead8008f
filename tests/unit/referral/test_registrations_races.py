"""Concurrent registration changes on the in-memory twin (referral-rules S11, §4.3.4, §4.5): threads held at a
barrier just before they commit, so both have read the same version — the version condition lets exactly one
through and the other sees a 409 (or, for a system duty, nothing to do)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from chalicelib.core.errors import AppError, StaleVersion
from chalicelib.core.store.memory import MemoryStore
from chalicelib.members import service as members
from chalicelib.referral import store as repo
from chalicelib.referral.domain import seed_catalogue
from chalicelib.referral.domain.lifecycle import failed_re_sign_roll_offs
from chalicelib.referral.domain.registration import Action, RegStatus
from chalicelib.referral.domain.rules import ResignScope
from chalicelib.referral.service import changes, context, intake, lifecycle, registrations
from factories import ctx_for, member_create
from rulebook import local


class RacingStore(MemoryStore):
    """The twin, except that while `gate` is set every commit waits for the other racer first."""

    def __init__(self) -> None:
        super().__init__()
        self.gate: threading.Barrier | None = None

    def batch(self):  # type: ignore[no-untyped-def]
        batch = super().batch()
        gate, commit = self.gate, batch.commit
        if gate is not None:
            def held() -> None:
                gate.wait(timeout=10)
                commit()
            batch.commit = held  # type: ignore[method-assign]
        return batch


@pytest.fixture
def store() -> RacingStore:
    s = RacingStore()
    batch = s.batch()
    for book in seed_catalogue():
        batch.put(book)
    batch.commit()
    context.forget_cached()
    return s


def _ctx(store: RacingStore, when: datetime, *roles: str, user: str = "disp-1"):  # type: ignore[no-untyped-def]
    ctx = ctx_for(store, *(roles or ("dispatcher",)), user_id=user)
    ctx.clock = lambda: when
    return ctx


def _race(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs at once; each result or the exception it raised."""
    out: list[Any] = [None] * len(jobs)

    def run(n: int, job: Callable[[], Any]) -> None:
        try:
            out[n] = job()
        except Exception as err:  # noqa: BLE001 - the race's loser is the point
            out[n] = err

    threads = [threading.Thread(target=run, args=(n, j)) for n, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    return out


def _member(store: RacingStore) -> str:
    return members.create(ctx_for(store, "staff"), member_create()).id


def test_S11_R7_3_a_re_sign_racing_the_nightly_roll_off_exactly_one_wins(store: RacingStore) -> None:
    """GIVEN M due 04-01 (grace end 04-04) WHEN, at 00:30 on 04-05, staff enter a fax received 04-04 23:50 while the
    nightly run rolls M off for the missed re-sign, both having read the same version THEN exactly one commits:
    either REGISTERED with the fax's dates, or ROLLED_OFF (FAILED_RE_SIGN) with the old ones and the fax refused 409
    — never a mix, and one activity entry for the race."""
    for _ in range(6):
        m = _member(store)
        reg = registrations.register(_ctx(store, local(2026, 3, 2, 10, 5)), m, "WIRE_SEA", 1, "in_person")
        entries = len(repo.book_log(store, "WIRE_SEA"))
        at = local(2026, 4, 5, 0, 30)
        staff, nightly = _ctx(store, at, "staff", user="clerk-1"), _ctx(store, at, "system", user="SYSTEM")

        def re_sign() -> Any:
            return lifecycle.re_sign(staff, m, reg.id, reg.version, "fax", local(2026, 4, 4, 23, 50))

        def roll_off() -> Any:
            current = repo.registration(store, m, "WIRE_SEA", reg.id)
            assert current is not None
            selected = failed_re_sign_roll_offs([current], date(2026, 4, 5), ResignScope.BOOK)
            if not selected:
                return "nothing to do"
            batch = store.batch()
            rules = context.rules_at(store, at)
            changes.stage_transition(nightly, batch, rules, current, Action.ROLL_OFF, reason_code="FAILED_RE_SIGN")
            batch.commit()
            return "rolled off"

        store.gate = threading.Barrier(2)
        results = _race(re_sign, roll_off)
        store.gate = None
        after = repo.registration(store, m, "WIRE_SEA", reg.id)
        assert after is not None and after.version == reg.version + 1
        if after.status is RegStatus.REGISTERED:
            assert isinstance(results[1], StaleVersion) and after.re_sign_due_date == date(2026, 5, 4)
        else:
            assert after.status is RegStatus.ROLLED_OFF and after.re_sign_due_date == date(2026, 4, 1)
            assert isinstance(results[0], AppError) and results[0].code == "CONCURRENT_UPDATE"
        assert len(repo.book_log(store, "WIRE_SEA")) == entries + 1


def test_S11_two_staff_re_signing_at_once_one_succeeds_one_gets_409(store: RacingStore) -> None:
    m = _member(store)
    reg = registrations.register(_ctx(store, local(2026, 3, 2, 10, 5)), m, "WIRE_SEA", 1, "in_person")
    at = local(2026, 3, 20, 9, 0)
    store.gate = threading.Barrier(2)
    results = _race(
        lambda: lifecycle.re_sign(_ctx(store, at, "staff", user="a"), m, reg.id, reg.version, "in_person"),
        lambda: lifecycle.re_sign(_ctx(store, at, "staff", user="b"), m, reg.id, reg.version, "fax"),
    )
    store.gate = None
    wins = [r for r in results if isinstance(r, dict)]
    losses = [r for r in results if isinstance(r, AppError)]
    assert len(wins) == 1 and [e.code for e in losses] == ["CONCURRENT_UPDATE"]
    assert losses[0].extra["current"]["version"] == reg.version + 1
    assert [e.action for e in repo.book_log(store, "WIRE_SEA")].count("RE_SIGN") == 1


def test_AS_005_two_dispatchers_registering_at_the_same_instant_get_01_and_02(store: RacingStore) -> None:
    """GIVEN STOCKMAN holds no 46083 APN WHEN two dispatchers register M04 and M05 at the same instant THEN one gets
    46083.01 and the other 46083.02 (the per-book-day counter is atomic)."""
    m04, m05 = _member(store), _member(store)
    at = local(2026, 3, 2, 10, 5)
    store.gate = threading.Barrier(2)
    results = _race(
        lambda: intake.receive(_ctx(store, at, user="d1"), m04, "STOCKMAN", 1, "in_person"),
        lambda: intake.receive(_ctx(store, at, user="d2"), m05, "STOCKMAN", 1, "in_person"),
    )
    store.gate = None
    assert sorted(r["registration"]["apn"] for r in results) == ["46083.01", "46083.02"]
    assert len(repo.full_queue(store, "STOCKMAN")) == 2


def test_4_5_3_processing_held_intakes_twice_at_once_processes_each_once_in_order(store: RacingStore) -> None:
    """§4.5.3, §9.2: two runs at the gate at once — every held intake registered exactly once, none refused, APNs
    in received order."""
    people = [_member(store) for _ in range(6)]
    for n, m in enumerate(people):
        ctx = _ctx(store, local(2026, 3, 7, 10, n), "staff", user="clerk")
        assert intake.receive(ctx, m, "TRADESHOW", 1, "email", local(2026, 3, 7, 9, 50 - n))["status"] == "HELD"
    at = local(2026, 3, 9, 8, 31)
    results = _race(*(lambda: intake.process_held_intakes(_ctx(store, at, user="gate-job")) for _ in range(2)))
    assert all(isinstance(r, dict) and r["refused"] == [] for r in results), results
    assert sum(len(r["processed"]) for r in results) == 6
    queue = repo.full_queue(store, "TRADESHOW")
    assert [r.member_id for r in queue] == list(reversed(people))  # received 09:50, 09:49 … → the last first
    assert len({r.apn for r in queue}) == 6 and repo.held_intakes(store) == []
