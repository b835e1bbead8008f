"""Completing a referral round through the API (referral-rules S3.5, S3.6, S4, R10; scenarios of §12.6): who is
charged a check mark, once, with its decision record sealed into the day's chain."""

from __future__ import annotations

import threading
from datetime import date

from api_harness import Hall
from factories import ctx_for
from hallkit import (
    complete,
    current,
    dispatch,
    exempt,
    marks,
    new_employer,
    new_members,
    ok,
    open_round,
    outcome,
    pass_remaining,
    register,
    register_all,
    registration,
    request,
)

from chalicelib.core.errors import AppError
from chalicelib.referral import store as repo
from chalicelib.referral.domain.records import Bid
from chalicelib.referral.service import rounds

TUE = date(2026, 3, 3)


def _marks_of(hall: Hall, regs: list[str]) -> list[int]:
    return [registration(hall, r).check_mark_count for r in regs]


def test_R10_2_AS_053_falling_to_tier_2_charges_each_eligible_tier_1_passer_once(hall: Hall) -> None:
    """GIVEN 40 tier-1 registrations on WIRE SEATTLE, 2 exempt and 1 dispatched elsewhere, nobody in tier 1
    accepts and the first tier-2 candidate does WHEN the round completes THEN each of the 37 eligible tier-1
    candidates has one mark dated 2026-03-03; the exempt, the dispatched and tier 2 have none."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    people = new_members(hall, 42)
    hall.at(2026, 3, 2, 10, 0)
    tier1 = register_all(hall, people[:40])
    tier2 = register_all(hall, people[40:], tier=2)
    busy = register(hall, people[5], "WIRE_BREM")["id"]
    hall.at(2026, 3, 2, 11, 0)
    sea = request(hall, e1, TUE)
    brem = request(hall, e1, TUE, book="WIRE_BREM")
    exempt(hall, tier1[0], date(2026, 3, 1), date(2026, 4, 30))
    exempt(hall, tier1[9], date(2026, 3, 1), date(2026, 4, 30))
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    open_round(hall, "WIRE_BREM", TUE)
    ok(dispatch(hall, brem, busy), 201)  # position 6's member is working from Bremerton
    hall.at(2026, 3, 3, 8, 45)
    result = ok(dispatch(hall, sea, tier2[0], pass_above=True), 201)
    rows = result["decision"]["candidates"]
    assert [r["skip_reason"] for r in rows if r["skip_reason"]] == ["EXEMPT", "ALREADY_DISPATCHED", "EXEMPT"]
    hall.at(2026, 3, 3, 9, 5)
    done = ok(complete(hall, "WIRE_SEA", TUE))
    eligible = [r for n, r in enumerate(tier1) if n not in (0, 5, 9)]
    assert done["marks_charged"] == 37 and _marks_of(hall, eligible) == [1] * 37
    charged = [(p, r) for n, (p, r) in enumerate(zip(people[:40], tier1, strict=True)) if n not in (0, 5, 9)]
    assert [[m.day for m in marks(hall, p, r)] for p, r in charged] == [[TUE]] * 37
    assert _marks_of(hall, [tier1[0], tier1[9], tier1[5], tier2[1]]) == [0, 0, 0, 0]


def test_R10_5_AS_054_unfilled_positions_charge_every_passer_in_every_tier(hall: Hall) -> None:
    """GIVEN a TRADESHOW request for 3 where position 4 (tier 1) accepts, position 2 is EMPLOYER_REJECTED and
    every other candidate in tiers 1–3 passes WHEN the round completes with 2 unfilled THEN every PASSED
    candidate of every tier has a mark and positions 2 and 4 have none."""
    e1 = new_employer(hall, "E ONE")
    people = new_members(hall, 9)
    hall.at(2026, 3, 2, 10, 0)
    regs = register_all(hall, people[:5], "TRADESHOW") + register_all(hall, people[5:7], "TRADESHOW", 2) + \
        register_all(hall, people[7:], "TRADESHOW", 3)
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE, book="TRADESHOW", positions_requested=3)
    hall.at(2026, 3, 3, 9, 30)
    open_round(hall, "TRADESHOW", TUE)
    outcome(hall, q, regs[0])
    outcome(hall, q, regs[1], "EMPLOYER_REJECTED")
    outcome(hall, q, regs[2])
    ok(dispatch(hall, q, regs[3]), 201)
    assert complete(hall, "TRADESHOW", TUE).error["code"] == "ROUND_NOT_WALKED"
    pass_remaining(hall, q)
    done = ok(complete(hall, "TRADESHOW", TUE))
    assert done["requests"][0]["charged"] == [regs[0], regs[2], regs[4], regs[5], regs[6], regs[7], regs[8]]
    assert _marks_of(hall, regs) == [1, 0, 1, 0, 1, 1, 1, 1, 1]
    assert current(hall, q["id"])["status"] == "PARTIALLY_FILLED"


def test_AS_055_R10_1_marks_are_counted_per_book(hall: Hall) -> None:
    """GIVEN M30 on all three WIRE books WHEN a WIRE SEATTLE request falls to tier 2 after M30 passed THEN M30's
    WIRE SEATTLE count is 1 and the Bremerton and Port Angeles counts stay 0."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    m30, t2 = new_members(hall, 2)
    hall.at(2026, 3, 2, 10, 0)
    sea, brem, pa = (register(hall, m30, b)["id"] for b in ("WIRE_SEA", "WIRE_BREM", "WIRE_PA"))
    low = register(hall, t2, tier=2)["id"]
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE)
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ok(dispatch(hall, q, low, pass_above=True), 201)
    ok(complete(hall, "WIRE_SEA", TUE))
    assert _marks_of(hall, [sea, brem, pa]) == [1, 0, 0]


def test_R10_3_AS_056_two_requests_the_same_day_charge_one_mark(hall: Hall) -> None:
    """GIVEN two WIRE SEATTLE requests on 2026-03-03 that both fall to tier 2 with M31 passing both WHEN the round
    completes THEN M31 has one new mark and the second request's decision record shows SUPPRESSED_SAME_DAY."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    m31, a, b = new_members(hall, 3)
    hall.at(2026, 3, 2, 10, 0)
    r31 = register(hall, m31)["id"]
    low = register_all(hall, [a, b], tier=2)
    hall.at(2026, 3, 2, 11, 0)
    first = request(hall, e1, TUE)
    second = request(hall, e1, TUE)
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ok(dispatch(hall, first, low[0], pass_above=True), 201)
    ok(dispatch(hall, second, low[1], pass_above=True), 201)
    done = ok(complete(hall, "WIRE_SEA", TUE))
    assert _marks_of(hall, [r31]) == [1] and len(marks(hall, m31, r31)) == 1
    assert [(r["charged"], r["suppressed"]) for r in done["requests"]] == [([r31], []), ([], [r31])]
    chain = ok(hall.get(f"/rounds/WIRE_SEA/{TUE.isoformat()}/decisions", "dispatcher"))
    kinds = [(d["kind"], [c["result"] for c in d["charges"]]) for d in chain["decisions"]]
    assert kinds == [("DISPATCH", []), ("DISPATCH", []), ("CHECK_MARKS", ["CHARGED"]),
                     ("CHECK_MARKS", ["SUPPRESSED_SAME_DAY"]), ("ROUND_COMPLETED", [])]
    assert chain["verification"]["ok"] and chain["verification"]["sealed_hash"] == chain["decisions"][-1]["hash"]


def test_R10_4_AS_057_the_third_mark_rolls_off_that_book_and_a_new_registration_starts_at_zero(hall: Hall) -> None:
    """GIVEN M32 charged STOCKMAN marks on 2026-03-03 and 2026-03-10 WHEN a third is charged on 2026-03-17 THEN
    M32's STOCKMAN registration is ROLLED_OFF (CHECK_MARKS, count 3) and M32's other books are unchanged; M32's new
    registration by e-mail that day gets an APN of integer part 46098 and count 0."""
    e1 = new_employer(hall, "E ONE", "STOCKPERSON")
    m32, *lows = new_members(hall, 4)
    hall.at(2026, 3, 2, 10, 0)
    stock = register(hall, m32, "STOCKMAN")["id"]
    other = register(hall, m32, "TRADESHOW")["id"]
    low_regs = register_all(hall, lows, "STOCKMAN", 3)
    for n, day in enumerate((date(2026, 3, 3), date(2026, 3, 10), date(2026, 3, 17))):
        before = day.replace(day=day.day - 1)
        hall.at(before.year, before.month, before.day, 11, 0)
        q = request(hall, e1, day, book="STOCKMAN")
        hall.at(day.year, day.month, day.day, 9, 0)
        open_round(hall, "STOCKMAN", day)
        ok(dispatch(hall, q, low_regs[n], pass_above=True), 201)
        done = ok(complete(hall, "STOCKMAN", day))
        assert done["requests"][0]["charged"] == [stock]
    rolled = registration(hall, stock)
    assert (rolled.status.value, rolled.status_reason, rolled.check_mark_count) == ("ROLLED_OFF", "CHECK_MARKS", 3)
    assert [m.day for m in marks(hall, m32, stock)] == [date(2026, 3, 3), date(2026, 3, 10), date(2026, 3, 17)]
    assert registration(hall, other).status.value == "REGISTERED"
    assert registration(hall, other).check_mark_count == 0
    hall.at(2026, 3, 17, 14, 0)
    again = register(hall, m32, "STOCKMAN", 1, channel="email")
    assert again["apn"].startswith("46098.") and again["check_mark_count"] == 0


def test_R9_2_AS_058_a_short_call_falling_to_tier_2_charges_nobody(hall: Hall) -> None:
    """GIVEN a short-call request (10 working days) that falls to tier 2 WHEN the round completes THEN nobody is
    charged."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    top, low = new_members(hall, 2)
    hall.at(2026, 3, 2, 10, 0)
    r_top = register(hall, top)["id"]
    r_low = register(hall, low, tier=2)["id"]
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE, estimated_duration_working_days=10)
    assert q["short_call"] and q["no_mark_reasons"] == ["short_call"]
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ok(dispatch(hall, q, r_low, pass_above=True), 201)
    assert ok(complete(hall, "WIRE_SEA", TUE))["marks_charged"] == 0
    assert _marks_of(hall, [r_top]) == [0]


def test_S3_5_completion_turns_pending_bids_not_selected_and_seals_the_chain(hall: Hall) -> None:
    """GIVEN a 1-position request filled in person from position 2 while position 4 holds a pending bid WHEN the
    round completes THEN the bid is NOT_SELECTED (REQUEST_FILLED), the request's decision lists position 4
    NOT_REACHED, and the ROUND_COMPLETED record seals a verified chain."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    people = new_members(hall, 4)
    hall.at(2026, 3, 2, 10, 0)
    regs = register_all(hall, people)
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE)
    hall.at(2026, 3, 2, 18, 0)
    at = hall.at(2026, 3, 2, 18, 0)
    batch = hall.store.batch()
    batch.put(Bid(request_id=q["id"], member_id=people[3], registration_id=regs[3], method="internet_bid",
                  entered_by=people[3], bid_at=at, created_at=at.isoformat(), updated_at=at.isoformat()))
    batch.commit()
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ok(dispatch(hall, q, regs[1], pass_above=True), 201)
    done = ok(complete(hall, "WIRE_SEA", TUE))
    assert done["bids_not_selected"] == 1 and done["marks_charged"] == 0  # filled from tier 1
    [bid] = repo.bids_on(hall.store, q["id"])
    assert (bid.status.value, bid.status_reason) == ("NOT_SELECTED", "REQUEST_FILLED")
    chain = ok(hall.get(f"/rounds/WIRE_SEA/{TUE.isoformat()}/decisions", "staff"))
    marks_record = next(d for d in chain["decisions"] if d["kind"] == "CHECK_MARKS")
    assert [(c["position"], c["outcome"]) for c in marks_record["candidates"]] == [(1, "PASSED"), (3, "NOT_REACHED")]
    assert chain["round"]["status"] == "COMPLETED" and chain["verification"]["ok"]
    assert current(hall, q["id"])["outcomes"] == {regs[1]: "DISPATCHED_IN_PERSON"}  # passes archived


def test_S3_5_an_unfilled_request_stays_open_for_an_emergency_walk_and_completing_twice_is_a_no_op(
        hall: Hall) -> None:
    """GIVEN a round completed with a position still open WHEN the dispatcher fills it THEN it is an emergency
    dispatch (S3.5: no further marks); completing again changes nothing."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    people = new_members(hall, 3)
    hall.at(2026, 3, 2, 10, 0)
    regs = register_all(hall, people)
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE, positions_requested=2)
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ok(dispatch(hall, q, regs[0]), 201)
    pass_remaining(hall, q)
    first = ok(complete(hall, "WIRE_SEA", TUE))
    assert first["marks_charged"] == 2 and not first["already_completed"]
    hall.at(2026, 3, 3, 11, 0)
    late = ok(dispatch(hall, q, regs[2], pass_above=True), 201)
    assert late["dispatch"]["method"] == "emergency" and current(hall, q["id"])["status"] == "FILLED"
    again = ok(complete(hall, "WIRE_SEA", TUE))
    assert again["already_completed"] and again["marks_charged"] == 2 and _marks_of(hall, regs[1:]) == [1, 1]


def test_S11_racing_completions_charge_each_registration_exactly_once(hall: Hall) -> None:
    """GIVEN a walked round WHEN four dispatchers complete it at the same moment THEN each passer has one mark,
    one CHECK_MARKS and one ROUND_COMPLETED record exist, and every caller sees the same completed round."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    people = new_members(hall, 8)
    hall.at(2026, 3, 2, 10, 0)
    regs = register_all(hall, people[:6]) + register_all(hall, people[6:], tier=2)
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE)
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ok(dispatch(hall, q, regs[6], pass_above=True), 201)
    hall.at(2026, 3, 3, 9, 0)
    results: list[object] = []
    gate = threading.Barrier(4)

    def go(n: int) -> None:
        ctx = ctx_for(hall.store, "dispatcher", user_id=f"disp-{n}")
        gate.wait()
        try:
            results.append(rounds.complete_round(ctx, "WIRE_SEA", TUE))
        except AppError as err:
            results.append(err)

    threads = [threading.Thread(target=go, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, dict) and r["round"]["status"] == "COMPLETED" for r in results), results
    assert _marks_of(hall, regs[:6]) == [1] * 6
    assert all(len(marks(hall, p, r)) == 1 for p, r in zip(people[:6], regs[:6], strict=True))
    kinds = [d.kind for d in repo.decisions_of_day(hall.store, "WIRE_SEA", TUE)]
    assert kinds == ["DISPATCH", "CHECK_MARKS", "ROUND_COMPLETED"]


def test_S3_6_an_empty_round_completes_at_its_slot_without_being_opened(hall: Hall) -> None:
    """GIVEN no request on the WIRE SEATTLE sheet WHEN the round is completed at 08:29 THEN ROUND_TOO_EARLY; at
    08:30 it completes; a round with an unwalked request cannot complete."""
    hall.at(2026, 3, 4, 8, 29)
    assert complete(hall, "WIRE_SEA", date(2026, 3, 4)).error["code"] == "ROUND_TOO_EARLY"
    hall.at(2026, 3, 4, 8, 30)
    assert ok(complete(hall, "WIRE_SEA", date(2026, 3, 4)))["round"]["status"] == "COMPLETED"


def test_R10_1_a_request_on_one_book_never_changes_another_books_count(hall: Hall) -> None:
    """GIVEN M on TRADESHOW and WIRE SEATTLE with one WIRE SEATTLE mark WHEN an unfilled TRADESHOW request is
    walked past M and the round completes THEN TRADESHOW counts 1 and WIRE SEATTLE still 1."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    [m] = new_members(hall, 1)
    hall.at(2026, 3, 2, 10, 0)
    show = register(hall, m, "TRADESHOW")["id"]
    sea = register(hall, m)["id"]
    reg = registration(hall, sea)
    batch = hall.store.batch()
    batch.put(reg.model_copy(update={"check_mark_count": 1}), reg.version)
    batch.commit()
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE, book="TRADESHOW")
    hall.at(2026, 3, 3, 9, 30)
    open_round(hall, "TRADESHOW", TUE)
    pass_remaining(hall, q)
    ok(complete(hall, "TRADESHOW", TUE))
    assert _marks_of(hall, [show, sea]) == [1, 1]


def test_R10_8_after_a_check_mark_roll_off_the_member_registers_anew_at_zero(hall: Hall) -> None:
    """GIVEN M holding 2 marks on WIRE SEATTLE WHEN a third is charged THEN the row is ROLLED_OFF with 3 and a new
    registration the same day gets a new APN (today's serial, last in line) with 0 marks."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    m, low = new_members(hall, 2)
    hall.at(2026, 3, 2, 10, 0)
    first = register(hall, m)
    low_reg = register(hall, low, tier=2)["id"]
    reg = registration(hall, first["id"])
    batch = hall.store.batch()
    batch.put(reg.model_copy(update={"check_mark_count": 2}), reg.version)
    batch.commit()
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE)
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ok(dispatch(hall, q, low_reg, pass_above=True), 201)
    assert ok(complete(hall, "WIRE_SEA", TUE))["rolled_off_check_marks"] == 1
    hall.at(2026, 3, 3, 10, 0)
    again = register(hall, m, channel="email")
    assert again["apn"] == "46084.01" and again["check_mark_count"] == 0 and again["id"] != first["id"]
    assert registration(hall, first["id"]).check_mark_count == 3


def test_S3_1_a_round_goes_not_started_in_progress_completing_completed_and_resumes(hall: Hall,
                                                                                     monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """GIVEN a completion that dies after charging its first mark WHEN a dispatcher tries to dispatch THEN
    ROUND_COMPLETING; WHEN the completion is called again THEN it finishes: every passer has exactly one mark."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    people = new_members(hall, 4)
    hall.at(2026, 3, 2, 10, 0)
    regs = register_all(hall, people[:3]) + register_all(hall, people[3:], tier=2)
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE, positions_requested=2)
    hall.at(2026, 3, 3, 8, 29)
    assert hall.post(f"/rounds/WIRE_SEA/{TUE.isoformat()}/open", "dispatcher").error["code"] == "ROUND_TOO_EARLY"
    assert repo.round_of(hall.store, "WIRE_SEA", TUE) is None  # NOT_STARTED: nothing stored yet
    hall.at(2026, 3, 3, 8, 30)
    assert open_round(hall, "WIRE_SEA", TUE)["status"] == "IN_PROGRESS"
    ok(dispatch(hall, q, regs[3], pass_above=True), 201)
    real = rounds.charge_mark
    calls = {"n": 0}

    def dies_after_one(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the Lambda timed out")
        return real(*args, **kwargs)

    monkeypatch.setattr(rounds, "charge_mark", dies_after_one)
    assert complete(hall, "WIRE_SEA", TUE).status == 500
    assert repo.round_of(hall.store, "WIRE_SEA", TUE).status.value == "COMPLETING"  # type: ignore[union-attr]
    assert dispatch(hall, q, regs[0]).error["code"] == "ROUND_COMPLETING"
    assert _marks_of(hall, regs[:3]) == [1, 0, 0]
    monkeypatch.setattr(rounds, "charge_mark", real)
    done = ok(complete(hall, "WIRE_SEA", TUE))
    assert done["round"]["status"] == "COMPLETED" and _marks_of(hall, regs[:3]) == [1, 1, 1]
    assert done["marks_charged"] == 3


def test_S3_2_the_sheet_is_the_books_open_requests_of_the_date_in_received_order(hall: Hall) -> None:
    """GIVEN requests for WIRE SEATTLE received 10:00 and 09:00 on 2026-03-02, an emergency, one for another
    date and one on another book WHEN the morning sheet of 2026-03-03 is read THEN it lists the two, 09:00 first."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    hall.at(2026, 3, 2, 9, 0)
    early = request(hall, e1, TUE)
    hall.at(2026, 3, 2, 10, 0)
    late = request(hall, e1, TUE)
    request(hall, e1, date(2026, 3, 4))
    request(hall, e1, TUE, book="WIRE_BREM")
    request(hall, e1, date(2026, 3, 2), emergency=True)
    hall.at(2026, 3, 3, 8, 30)
    sheet = ok(hall.get(f"/rounds/WIRE_SEA/{TUE.isoformat()}/sheet", "dispatcher"))
    assert [r["request"]["id"] for r in sheet["requests"]] == [early["id"], late["id"]]


def test_S3_4_a_member_dispatched_earlier_in_the_round_is_skipped_and_their_other_bids_not_selected(
        hall: Hall) -> None:
    """GIVEN M at position 1 bids on the second request and is dispatched on the first WHEN the second is walked
    THEN M is not a candidate (on other books M is SKIPPED:ALREADY_DISPATCHED, AS-020), and at completion M's bid
    is NOT_SELECTED (ALREADY_DISPATCHED)."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    people = new_members(hall, 2)
    hall.at(2026, 3, 2, 10, 0)
    regs = register_all(hall, people)
    hall.at(2026, 3, 2, 11, 0)
    first = request(hall, e1, TUE)
    second = request(hall, e1, TUE)
    at = hall.at(2026, 3, 2, 18, 0)
    batch = hall.store.batch()
    batch.put(Bid(request_id=second["id"], member_id=people[0], registration_id=regs[0], method="internet_bid",
                  entered_by=people[0], bid_at=at, created_at=at.isoformat(), updated_at=at.isoformat()))
    batch.commit()
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ok(dispatch(hall, first, regs[0]), 201)
    result = ok(dispatch(hall, second, regs[1]), 201)
    # M left this book's queue with the dispatch (§5.1); the next request's walk starts below M.
    assert [c["registration_id"] for c in result["decision"]["candidates"]] == [regs[1]]
    ok(complete(hall, "WIRE_SEA", TUE))
    [bid] = repo.bids_on(hall.store, second["id"])
    assert (bid.status.value, bid.status_reason) == ("NOT_SELECTED", "ALREADY_DISPATCHED")


def test_S3_3_the_rest_of_the_queue_is_passed_only_in_an_open_round(hall: Hall) -> None:
    """GIVEN a request whose round is not open WHEN the dispatcher records the rest as PASSED THEN ROUND_NOT_OPEN
    (nobody is charged for a walk that never happened); in the open round it records every open candidate."""
    e1 = new_employer(hall, "E ONE", "WIREPERSON")
    people = new_members(hall, 3)
    hall.at(2026, 3, 2, 10, 0)
    regs = register_all(hall, people)
    hall.at(2026, 3, 2, 11, 0)
    q = request(hall, e1, TUE)
    path = f"/rounds/WIRE_SEA/{TUE.isoformat()}/requests/{q['id']}/pass-remaining"
    assert hall.post(path, "dispatcher", {"version": 1}).error["code"] == "ROUND_NOT_OPEN"
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    outcome(hall, q, regs[0], "EMPLOYER_REJECTED")
    done = pass_remaining(hall, q)
    assert done["passed"] == 2 and current(hall, q["id"])["outcomes"] == {
        regs[0]: "EMPLOYER_REJECTED", regs[1]: "PASSED", regs[2]: "PASSED"}
