"""Registration, a labor request, the round and dispatch on the in-memory twin (referral-rules R5, S1, S2, S3,
§5.4, §10.3): what one dispatch writes, in one transaction, and what it refuses."""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Any

import pytest

from chalicelib.core.errors import AppError
from chalicelib.core.store.memory import MemoryStore
from chalicelib.employment import store as employment_repo
from chalicelib.referral import store as repo
from chalicelib.referral.domain import seed_catalogue
from chalicelib.referral.domain.decisions import verify_chain
from chalicelib.referral.domain.registration import RegStatus
from chalicelib.referral.schemas import RequestCreate
from chalicelib.referral.service import dispatch as dispatching
from chalicelib.referral.service import registrations, requests
from factories import ctx_for, member_and_employer, member_create
from rulebook import local

REFERRAL = date(2026, 3, 3)


@pytest.fixture
def hall() -> dict[str, Any]:
    store = MemoryStore()
    batch = store.batch()
    for book in seed_catalogue():
        batch.put(book)
    batch.commit()
    first, employer = member_and_employer(store)
    from chalicelib.members import service as members

    ids = [first] + [members.create(ctx_for(store, "staff"), member_create()).id for _ in range(5)]
    return {"store": store, "members": ids, "employer": employer}


def _at(store: MemoryStore, when: datetime, role: str = "dispatcher", user: str = "disp-1"):  # type: ignore[no-untyped-def]
    ctx = ctx_for(store, role, user_id=user)
    ctx.clock = lambda: when
    return ctx


def _register_all(hall: dict[str, Any], book: str = "WIRE_SEA") -> list[str]:
    store = hall["store"]
    out = []
    for n, mid in enumerate(hall["members"]):
        out.append(registrations.register(_at(store, local(2026, 3, 2, 10, n)), mid, book, 1, "in_person").id)
    return out


def _request(hall: dict[str, Any], positions: int = 1, book: str = "WIRE_SEA") -> Any:
    body = RequestCreate(employer_id=hall["employer"], book_code=book, requested_start_date=REFERRAL,
                         positions_requested=positions, job_class="JRY WIRE", wage_rate="61.25",
                         signatory_acknowledgement="contract on file at the hall")
    return requests.create_request(_at(hall["store"], local(2026, 3, 2, 11, 0)), body)


def _dispatch(hall: dict[str, Any], req: Any, reg_id: str, **kw: Any) -> dict[str, Any]:
    ctx = _at(hall["store"], local(2026, 3, 3, 8, 40))
    return dispatching.dispatch(ctx, dispatching.DispatchCommand(req.book_code, REFERRAL, req.id, reg_id, **kw))


def test_AS_001_AS_002_registrations_get_the_days_serial_in_order_and_a_qualification(hall: dict[str, Any]) -> None:
    regs = _register_all(hall)
    queue = repo.full_queue(hall["store"], "WIRE_SEA")
    assert [r.id for r in queue] == regs and [r.apn_text for r in queue][:2] == ["46083.01", "46083.02"]
    assert queue[0].re_sign_due_date == date(2026, 4, 1) and queue[0].grace_end_date == date(2026, 4, 4)
    assert repo.qualification(hall["store"], hall["members"][0], "WIRE_SEA").tier == 1  # type: ignore[union-attr]
    assert repo.position(hall["store"], queue[3]) == 4


def test_AS_008_R5_2_one_live_registration_per_book(hall: dict[str, Any]) -> None:
    _register_all(hall)
    with pytest.raises(AppError) as err:
        registrations.register(_at(hall["store"], local(2026, 3, 2, 12)), hall["members"][0], "WIRE_SEA", 1, "email")
    assert err.value.code == "TIER_NOT_QUALIFIED" or err.value.code == "ALREADY_REGISTERED"
    with pytest.raises(AppError) as err:
        registrations.register(_at(hall["store"], local(2026, 3, 2, 12)), hall["members"][0], "WIRE_SEA", 1, "email")
    assert err.value.code == "ALREADY_REGISTERED"
    assert registrations.register(_at(hall["store"], local(2026, 3, 2, 12)), hall["members"][0], "WIRE_BREM", 1,
                                  "email").apn_text == "46083.01"


def test_AS_011_R5_1_channels_outside_the_setting_are_refused(hall: dict[str, Any]) -> None:
    with pytest.raises(AppError) as err:
        registrations.register(_at(hall["store"], local(2026, 3, 2, 12)), hall["members"][0], "TRADESHOW", 1, "web")
    assert err.value.code == "CHANNEL_NOT_ALLOWED"


def test_AS_016_the_qualified_tier_is_the_only_tier(hall: dict[str, Any]) -> None:
    store, mid = hall["store"], hall["members"][1]
    registrations.register(_at(store, local(2026, 3, 2, 12)), mid, "STOCKMAN", 3, "in_person")
    reg = repo.live_of(store, mid)[0]
    assert repo.qualification(store, mid, "STOCKMAN").tier == 3  # type: ignore[union-attr]
    assert reg.tier == 3


def test_R3_1_AS_023_S3_3_dispatch_writes_everything_and_guards_queue_order(hall: dict[str, Any]) -> None:
    regs = _register_all(hall)
    req = _request(hall)
    assert (req.number, req.referral_date) == ("REQ20260302-0001", REFERRAL)
    with pytest.raises(AppError) as err:
        _dispatch(hall, req, regs[1])
    assert err.value.code == "ROUND_NOT_OPEN"
    with pytest.raises(AppError) as err:
        dispatching.open_round(_at(hall["store"], local(2026, 3, 3, 8, 29)), "WIRE_SEA", REFERRAL)
    assert err.value.code == "ROUND_TOO_EARLY"
    dispatching.open_round(_at(hall["store"], local(2026, 3, 3, 8, 30)), "WIRE_SEA", REFERRAL)
    with pytest.raises(AppError) as err:
        _dispatch(hall, req, regs[1])
    assert err.value.code == "OUT_OF_ORDER"
    result = _dispatch(hall, req, regs[1], pass_above=True)
    assert result["ddb_calls"] == 3
    decision = result["decision"]
    assert [(c["position"], c["outcome"]) for c in decision["candidates"]] == [(1, "PASSED"),
                                                                               (2, "DISPATCHED_IN_PERSON")]
    store = hall["store"]
    assert repo.labor_request(store, req.id).status.value == "FILLED"  # type: ignore[union-attr]
    d = repo.dispatch(store, result["dispatch"]["id"])
    assert d is not None and d.number == "DSP20260303-0001" and d.queue_position == 2 and d.apn == "46083.02"
    member = hall["members"][1]
    assert [r.status for r in repo.live_of(store, member)] == [RegStatus.DISPATCHED]
    jobs = employment_repo.of_member(store, member)
    assert [(j.source, j.request_number) for j in jobs] == [("dispatch", req.number)]
    assert repo.referral_state(store, member).open_dispatch_id == d.id  # type: ignore[union-attr]
    chain = repo.decisions_of_day(store, "WIRE_SEA", REFERRAL)
    assert verify_chain(chain) == [] and chain[0].hash == decision["hash"]
    log = repo.book_log(store, "WIRE_SEA")
    assert [e.action for e in log][-1] == "DISPATCH"


def test_AS_072_S2_2_two_dispatchers_one_member_two_books_exactly_one_wins(hall: dict[str, Any]) -> None:
    store, member = hall["store"], hall["members"][0]
    sea = registrations.register(_at(store, local(2026, 3, 2, 9)), member, "WIRE_SEA", 1, "in_person")
    brem = registrations.register(_at(store, local(2026, 3, 2, 9)), member, "WIRE_BREM", 1, "in_person")
    reqs = [_request(hall, book="WIRE_SEA"), _request(hall, book="WIRE_BREM")]
    for book in ("WIRE_SEA", "WIRE_BREM"):
        dispatching.open_round(_at(store, local(2026, 3, 3, 8, 30)), book, REFERRAL)
    outcomes: list[object] = []
    gate = threading.Barrier(2)

    def go(req: Any, reg_id: str) -> None:
        gate.wait()
        try:
            outcomes.append(_dispatch(hall, req, reg_id))
        except AppError as err:
            outcomes.append(err)

    threads = [threading.Thread(target=go, args=(reqs[0], sea.id)),
               threading.Thread(target=go, args=(reqs[1], brem.id))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [o for o in outcomes if isinstance(o, AppError)]
    assert len(errors) == 1 and errors[0].code == "ALREADY_DISPATCHED"
    assert sum(1 for r in repo.live_of(store, member) if r.status is RegStatus.DISPATCHED) == 1


def test_MRS_the_sheet_lists_the_next_candidates_and_why_those_above_were_skipped(hall: dict[str, Any]) -> None:
    regs = _register_all(hall)
    req = _request(hall, positions=2)
    store = hall["store"]
    dispatching.open_round(_at(store, local(2026, 3, 3, 8, 30)), "WIRE_SEA", REFERRAL)
    other = _request(hall)
    _dispatch(hall, other, regs[0])  # position 1 leaves the queue (dispatched on the other request)
    from chalicelib.referral.service import sheet

    view = sheet.sheet(_at(store, local(2026, 3, 3, 8, 45)), "WIRE_SEA", REFERRAL)
    [row] = [r for r in view["requests"] if r["request"]["id"] == req.id]
    assert row["positions_remaining"] == 2 and view["queue_length"] == 5
    assert [c["position"] for c in row["candidates"]] == [1, 2, 3, 4, 5]
    assert row["candidates"][0]["name"] and row["skipped_above_first"] == {}
