"""Dispatch itself (referral-rules S2): one atomic write, one open dispatch per member, numbers, methods,
check-in — through the API and the dispatch use case on the in-memory twin."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from api_harness import Hall
from factories import ctx_for
from hallkit import current, dispatch, new_employer, new_members, ok, open_round, register, register_all, request

from chalicelib.core.errors import AppError
from chalicelib.employment import store as employment_repo
from chalicelib.referral import store as repo
from chalicelib.referral.domain.records import Method
from chalicelib.referral.service import dispatch as dispatching

TUE = date(2026, 3, 3)


@pytest.fixture
def e1(hall: Hall) -> str:
    return new_employer(hall, "E ONE", "WIREPERSON")


def test_S2_1_a_dispatch_that_fails_to_commit_writes_nothing(hall: Hall, e1: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the transaction fails WHEN a member is dispatched THEN the registration, the request, the employment
    history, the marker, the activity log and the decision chain are as before; the retry writes each once."""
    from chalicelib.core.store.memory import MemoryWriteBatch

    [m] = new_members(hall, 1)
    hall.at(2026, 3, 2, 9, 0)
    reg = register(hall, m)["id"]
    q = request(hall, e1, TUE)
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    real = MemoryWriteBatch.commit

    def broken(self: MemoryWriteBatch) -> None:
        raise RuntimeError("TransactWriteItems failed")

    monkeypatch.setattr(MemoryWriteBatch, "commit", broken)
    assert dispatch(hall, q, reg).status == 500
    monkeypatch.setattr(MemoryWriteBatch, "commit", real)
    assert [r.status.value for r in repo.live_of(hall.store, m)] == ["REGISTERED"]
    assert (current(hall, q["id"])["positions_dispatched"], employment_repo.of_member(hall.store, m)) == (0, [])
    assert repo.referral_state(hall.store, m) is None and repo.decisions_of_day(hall.store, "WIRE_SEA", TUE) == []
    assert [e.action for e in repo.member_log(hall.store, m, 50, None).items] == ["REGISTER"]
    ok(dispatch(hall, q, reg), 201)
    assert [e.action for e in repo.member_log(hall.store, m, 50, None).items] == ["DISPATCH", "REGISTER"]
    assert len(employment_repo.of_member(hall.store, m)) == 1 and len(
        repo.decisions_of_day(hall.store, "WIRE_SEA", TUE)) == 1


def test_S2_2_many_dispatchers_one_member_two_requests_exactly_one_dispatch(hall: Hall, e1: str) -> None:
    """GIVEN one member and two open requests WHEN ten dispatchers dispatch the member at once, five on each THEN
    exactly one dispatch exists, the marker names it and one request is filled."""
    [m] = new_members(hall, 1)
    hall.at(2026, 3, 2, 9, 0)
    reg = register(hall, m)["id"]
    qs = [request(hall, e1, TUE), request(hall, e1, TUE)]
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    at = hall.at(2026, 3, 3, 8, 40)
    results: list[object] = []
    gate = threading.Barrier(10)

    def go(n: int) -> None:
        ctx = ctx_for(hall.store, "dispatcher", user_id=f"d{n}")
        ctx.clock = lambda: at
        gate.wait()
        try:
            results.append(dispatching.dispatch(ctx, dispatching.DispatchCommand("WIRE_SEA", TUE, qs[n % 2]["id"],
                                                                                 reg)))
        except AppError as err:
            results.append(err.code)

    threads = [threading.Thread(target=go, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [r for r in results if isinstance(r, dict)]
    assert len(wins) == 1 and len(results) == 10
    assert {r for r in results if isinstance(r, str)} <= {"ALREADY_DISPATCHED", "NOT_IN_QUEUE", "REQUEST_NOT_OPEN",
                                                           "CONCURRENT_UPDATE"}
    state = repo.referral_state(hall.store, m)
    assert state is not None and state.open_dispatch_id == wins[0]["dispatch"]["id"]  # type: ignore[index]
    assert sorted(current(hall, q["id"])["positions_dispatched"] for q in qs) == [0, 1]


def test_S2_4_dispatch_numbers_count_per_referral_date_across_books(hall: Hall, e1: str) -> None:
    a, b = new_members(hall, 2)
    hall.at(2026, 3, 2, 9, 0)
    ra, rb = register(hall, a)["id"], register(hall, b, "WIRE_BREM")["id"]
    qa, qb = request(hall, e1, TUE), request(hall, e1, TUE, book="WIRE_BREM")
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    open_round(hall, "WIRE_BREM", TUE)
    first = ok(dispatch(hall, qb, rb), 201)["dispatch"]["number"]
    second = ok(dispatch(hall, qa, ra), 201)["dispatch"]["number"]
    assert (first, second) == ("DSP20260303-0001", "DSP20260303-0002")


def test_S2_6_check_in_is_required_for_bids_by_the_deadline(hall: Hall, e1: str) -> None:
    """A morning-referral dispatch needs no check-in; a dispatch through an internet bid must check in by 15:00 on
    the referral date (S2.6); emergency and by_name are the other methods (R3.4, R13)."""
    people = new_members(hall, 2)
    hall.at(2026, 3, 2, 9, 0)
    regs = register_all(hall, people)
    qs = [request(hall, e1, TUE), request(hall, e1, TUE)]
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    walk_in = ok(dispatch(hall, qs[0], regs[0]), 201)["dispatch"]
    assert (walk_in["method"], walk_in["check_in_required"], walk_in["check_in_deadline"]) == (
        "morning_referral", False, None)
    ctx = ctx_for(hall.store, "dispatcher")
    bid = dispatching.dispatch(ctx, dispatching.DispatchCommand("WIRE_SEA", TUE, qs[1]["id"], regs[1],
                                                                method=Method.INTERNET_BID))["dispatch"]
    assert (bid["method"], bid["check_in_required"]) == ("internet_bid", True)
    assert bid["check_in_deadline"].startswith("2026-03-03T15:00")
    assert bid["decision_id"] and {m.value for m in Method} == {"morning_referral", "internet_bid", "email_bid",
                                                                 "by_name", "emergency"}


def test_S2_5_a_dispatch_names_its_method(hall: Hall, e1: str) -> None:
    """morning_referral in the round, emergency after it (S3.5), by_name for a named member (R13)."""
    people = new_members(hall, 3)
    hall.at(2026, 3, 2, 9, 0)
    regs = register_all(hall, people)
    morning = request(hall, e1, TUE, positions_requested=2)
    named = request(hall, e1, TUE, named_member_id=people[2])
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    first = ok(dispatch(hall, morning, regs[0]), 201)["dispatch"]["method"]
    hall.post(f"/rounds/WIRE_SEA/{TUE.isoformat()}/requests/{morning['id']}/pass-remaining", "dispatcher",
              {"version": current(hall, morning["id"])["version"]})
    ok(hall.post(f"/rounds/WIRE_SEA/{TUE.isoformat()}/complete", "dispatcher"))
    second = ok(dispatch(hall, morning, regs[1]), 201)["dispatch"]["method"]
    third = ok(hall.post(f"/labor-requests/{named['id']}/by-name-dispatch", "dispatcher",
                         {"version": current(hall, named["id"])["version"], "anti_collusion_confirmed": True,
                          "attestation": "portal confirmation 2026-03-02"}), 201)["dispatch"]["method"]
    assert (first, second, third) == ("morning_referral", "emergency", "by_name")
