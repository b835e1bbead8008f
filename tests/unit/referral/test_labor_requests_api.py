"""Labor requests after entry, through the API (referral-rules S1, R2, R3, R4, R9.1, R12.4, R13, §8.2; scenarios
of §12.3 and §12.8): editing, moving, cancelling, emergencies, agreements, the morning order and by-name dispatch."""

from __future__ import annotations

from datetime import date

import pytest
from api_harness import Hall
from hallkit import (
    complete,
    current,
    dispatch,
    dispatch_one,
    new_employer,
    new_members,
    ok,
    open_round,
    outcome,
    register,
    register_all,
    registration,
    request,
    terminate,
    use_rules,
)

from chalicelib.referral import store as repo
from chalicelib.referral.domain.records import Bid

TUE = date(2026, 3, 3)


@pytest.fixture
def e1(hall: Hall) -> str:
    return new_employer(hall, "E ONE", "WIREPERSON")


def _patch(hall: Hall, q: dict, role: str = "dispatcher", **fields: object):  # type: ignore[no-untyped-def]
    return hall.patch(f"/labor-requests/{q['id']}", role, {"version": current(hall, q["id"])["version"], **fields})


# -- §12.3 morning order, agreements -------------------------------------------------------------------------


def test_AS_030_R2_1_rounds_open_at_their_slots_and_books_print_in_morning_order(hall: Hall) -> None:
    """On Tue 2026-03-03 with defaults the WIRE rounds open at 08:30; SOUND & COMM at 08:59 is ROUND_TOO_EARLY and
    opens at 09:00; TRADESHOW at 09:30; the morning prints the twelve books in R2.1's order."""
    hall.at(2026, 3, 3, 8, 30)
    for book in ("WIRE_SEA", "WIRE_BREM", "WIRE_PA"):
        assert open_round(hall, book, TUE)["status"] == "IN_PROGRESS"
    hall.at(2026, 3, 3, 8, 59)
    assert hall.post("/rounds/SOUND_COMM/2026-03-03/open", "dispatcher").error["code"] == "ROUND_TOO_EARLY"
    hall.at(2026, 3, 3, 9, 0)
    open_round(hall, "SOUND_COMM", TUE)
    assert hall.post("/rounds/TRADESHOW/2026-03-03/open", "dispatcher").error["code"] == "ROUND_TOO_EARLY"
    hall.at(2026, 3, 3, 9, 30)
    open_round(hall, "TRADESHOW", TUE)
    morning = ok(hall.get("/rounds", "staff", query={"date": "2026-03-03"}))["books"]
    assert [b["book_name"] for b in morning] == [
        "WIRE SEATTLE", "WIRE BREMERTON", "WIRE PT ANGELES", "SOUND & COMM", "MARINE", "STOCKMAN", "LT FXT MAINT",
        "TRADESHOW", "SEATTLE SCHOOL DISTRICT", "TECHNICIAN", "UTILITY WORKER", "TERO APPR WIRE"]
    assert [b["slot"] for b in morning] == ["08:30"] * 3 + ["09:00"] * 4 + ["09:30"] * 5
    assert [b["round_status"] for b in morning][:4] == ["IN_PROGRESS"] * 4 and morning[4]["round_status"] == \
        "NOT_STARTED"
    assert hall.get("/rounds", "staff").error["fields"][0]["name"] == "date"


def test_R2_3_a_round_never_starts_before_its_slot(hall: Hall) -> None:
    hall.at(2026, 3, 3, 9, 29, 59)
    assert hall.post("/rounds/TECHNICIAN/2026-03-03/open", "dispatcher").error["code"] == "ROUND_TOO_EARLY"
    hall.at(2026, 3, 3, 9, 30)
    assert open_round(hall, "TECHNICIAN", TUE)["opened_by"] == "dispatcher-1"


def test_R2_5_requests_of_a_date_list_in_book_order(hall: Hall, e1: str) -> None:
    hall.at(2026, 3, 2, 10, 0)
    tech = request(hall, e1, TUE, book="TECHNICIAN")
    sea = request(hall, e1, TUE)
    show = request(hall, e1, TUE, book="TRADESHOW")
    listed = ok(hall.get("/labor-requests", "staff", query={"date": "2026-03-03"}))["items"]
    assert [q["id"] for q in listed] == [sea["id"], show["id"], tech["id"]]


def test_AS_034_R4_1_agreement_types_go_to_the_books_that_take_them(hall: Hall, e1: str) -> None:
    """A TERO request on WIRE SEATTLE is refused AGREEMENT_MISMATCH and accepted on TERO APPR WIRE; a PLA request
    on WIRE SEATTLE is accepted and its decision records cite the (empty) PLA pack version."""
    hall.at(2026, 3, 2, 10, 0)
    body = {"employer_id": e1, "requested_start_date": "2026-03-03", "agreement_type": "TERO"}
    refused = hall.post("/labor-requests", "dispatcher", {**body, "book_code": "WIRE_SEA"})
    assert (refused.error["code"], refused.error["fields"][0]["name"]) == ("AGREEMENT_MISMATCH", "agreement_type")
    ok(hall.post("/labor-requests", "dispatcher", {**body, "book_code": "TERO_APPR_WIRE"}), 201)
    [m] = new_members(hall, 1)
    made = dispatch_one(hall, e1, m, referral=TUE, received=(2026, 3, 2, 10, 5), agreement_type="PLA")
    [decision] = ok(hall.get(f"/labor-requests/{made['request']['id']}", "staff"))["decisions"]
    assert (decision["rule_pack_version"], decision["rule_set_version"]) == ("pack-1", "rules-1")


def test_R4_2_R4_3_an_agreement_pack_overrides_its_settings_and_is_cited(hall: Hall, e1: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a PLA pack (version pla-7) whose short call is 3 working days WHEN a 5-day PLA request is entered THEN
    it is a long call (a standard one is short) and its dispatch decision cites pla-7."""
    from chalicelib.referral.domain.rules import AgreementType, RulePack, RuleSet
    from chalicelib.referral.service import context

    rules = RuleSet(version="rules-9", packs=(RulePack(agreement_type=AgreementType.PLA, version="pla-7",
                                                       overrides={"short_call_max_working_days": 3}),))
    monkeypatch.setattr(context, "rules_at", lambda store, at: rules)
    [m] = new_members(hall, 1)
    hall.at(2026, 3, 2, 10, 0)
    assert request(hall, e1, TUE, estimated_duration_working_days=5)["short_call"] is True
    made = dispatch_one(hall, e1, m, referral=TUE, received=(2026, 3, 2, 10, 5), agreement_type="PLA",
                        estimated_duration_working_days=5)
    assert made["request"]["short_call"] is False
    [decision] = ok(hall.get(f"/labor-requests/{made['request']['id']}", "staff"))["decisions"]
    assert (decision["rule_pack_version"], decision["rule_set_version"]) == ("pla-7", "rules-9")


def test_AS_035_R4_4_a_non_signatory_employer_needs_an_acknowledgement_or_is_blocked(
        hall: Hall, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN E2 holds no STOCKPERSON contract WHEN a STOCKMAN request for E2 is entered under WARN THEN the
    dispatcher must give an acknowledgement reason; under BLOCK it is refused EMPLOYER_NOT_SIGNATORY."""
    e2 = new_employer(hall, "E TWO", "WIREPERSON")
    hall.at(2026, 3, 2, 10, 0)
    body = {"employer_id": e2, "book_code": "STOCKMAN", "requested_start_date": "2026-03-03"}
    warn = hall.post("/labor-requests", "dispatcher", body)
    assert (warn.error["code"], warn.error["fields"][0]["name"]) == ("SIGNATORY_ACKNOWLEDGEMENT_REQUIRED",
                                                                     "signatory_acknowledgement")
    acked = ok(hall.post("/labor-requests", "dispatcher",
                         {**body, "signatory_acknowledgement": "signing this week per BM"}), 201)
    assert acked["signatory_acknowledgement"] == "signing this week per BM"
    use_rules(monkeypatch, signatory_check="BLOCK")
    blocked = hall.post("/labor-requests", "dispatcher", {**body, "signatory_acknowledgement": "signing soon"})
    assert (blocked.status, blocked.error["code"]) == (409, "EMPLOYER_NOT_SIGNATORY")


# -- R3 ------------------------------------------------------------------------------------------------------


def test_R3_2_a_start_before_the_referral_date_is_shifted_and_both_dates_are_kept(hall: Hall, e1: str) -> None:
    """GIVEN a request received Mon 2026-03-02 16:00 asking for Tue 2026-03-03 THEN referral date and effective
    start are Wed 2026-03-04 and the request keeps the requested start beside them."""
    hall.at(2026, 3, 2, 16, 0)
    q = request(hall, e1, TUE)
    assert (q["requested_start_date"], q["referral_date"], q["effective_start_date"]) == (
        "2026-03-03", "2026-03-04", "2026-03-04")


def test_R3_3_bidding_opens_the_working_day_before_at_five_thirty(hall: Hall, e1: str) -> None:
    hall.at(2026, 3, 2, 10, 0)
    q = request(hall, e1, date(2026, 3, 16))
    assert q["bidding_opens_at"].startswith("2026-03-13T17:30") and q["bidding_closes_at"].startswith(
        "2026-03-16T07:00")


def test_R3_5_an_earlier_received_at_needs_a_note_past_fifteen_minutes(hall: Hall, e1: str) -> None:
    hall.at(2026, 3, 2, 10, 30)
    body = {"employer_id": e1, "book_code": "WIRE_SEA", "requested_start_date": "2026-03-04"}
    ok(hall.post("/labor-requests", "dispatcher", {**body, "received_at": "2026-03-02T18:15:00Z"}), 201)
    late = hall.post("/labor-requests", "dispatcher", {**body, "received_at": "2026-03-02T18:14:00Z"})
    assert (late.status, late.error["fields"][0]["name"]) == (400, "received_note")
    noted = ok(hall.post("/labor-requests", "dispatcher", {**body, "received_at": "2026-03-02T15:00:00Z",
                                                            "received_note": "voicemail from 07:00"}), 201)
    assert noted["received_at"].startswith("2026-03-02T15:00") and noted["entered_at"].startswith("2026-03-02T18:30")
    yesterday = hall.post("/labor-requests", "dispatcher", {**body, "received_at": "2026-03-01T18:00:00Z",
                                                             "received_note": "weekend voicemail"})
    assert yesterday.error["fields"][0]["name"] == "received_at"


def test_R3_4_AS_032_an_emergency_is_referred_today_by_walking_the_queue_without_marks(hall: Hall, e1: str) -> None:
    """GIVEN an EMERGENCY request entered Wed 2026-03-04 11:15 on WIRE SEATTLE THEN its referral date is that day,
    it takes no bids, the dispatcher walks from position 1 (no answer = PASSED) and dispatches position 2 without
    a round, and completing the day's round charges nobody. Staff may not mark an emergency."""
    people = new_members(hall, 3)
    hall.at(2026, 3, 2, 10, 0)
    regs = register_all(hall, people)
    hall.at(2026, 3, 4, 11, 15)
    body = {"employer_id": e1, "book_code": "WIRE_SEA", "requested_start_date": "2026-03-04", "emergency": True}
    assert hall.post("/labor-requests", "staff", body).error["fields"][0]["name"] == "emergency"
    q = ok(hall.post("/labor-requests", "dispatcher", body), 201)
    assert (q["referral_date"], q["bidding_enabled"]) == ("2026-03-04", False)
    outcome(hall, q, regs[0], "PASSED")
    made = ok(dispatch(hall, q, regs[1]), 201)
    assert made["dispatch"]["method"] == "emergency" and made["decision"]["candidates"][0]["outcome"] == "PASSED"
    ok(complete(hall, "WIRE_SEA", date(2026, 3, 4)))
    assert registration(hall, regs[0]).check_mark_count == 0


def test_R3_6_AS_033_a_referral_date_moves_later_never_before_the_cutoff(hall: Hall, e1: str) -> None:
    """WHEN a dispatcher moves the referral date of a request received Mon 2026-03-02 16:00 to Tue 2026-03-03 THEN
    BEFORE_CUTOFF_DATE; to Fri 2026-03-06 it moves, with the start and bidding window following; staff may not."""
    hall.at(2026, 3, 2, 16, 0)
    q = request(hall, e1, TUE)
    path = f"/labor-requests/{q['id']}/referral-date"
    early = hall.post(path, "dispatcher", {"version": 1, "referral_date": "2026-03-03"})
    assert (early.status, early.error["code"], early.error["fields"][0]["name"]) == (409, "BEFORE_CUTOFF_DATE",
                                                                                     "referral_date")
    assert hall.post(path, "staff", {"version": 1, "referral_date": "2026-03-06"}).status == 403
    moved = ok(hall.post(path, "dispatcher", {"version": 1, "referral_date": "2026-03-06", "reason": "employer"}))
    assert (moved["referral_date"], moved["effective_start_date"]) == ("2026-03-06", "2026-03-06")
    assert moved["bidding_opens_at"].startswith("2026-03-05T17:30")
    assert [r["request"]["id"] for r in ok(hall.get("/rounds/WIRE_SEA/2026-03-06/sheet", "staff"))["requests"]] == [
        q["id"]]
    weekend = hall.post(path, "dispatcher", {"version": 2, "referral_date": "2026-03-07"})
    assert weekend.error["code"] == "NOT_A_WORKING_DAY"


# -- R9.1, R11 on edit; S1.1, S1.2 ------------------------------------------------------------------------------


def test_S1_1_a_request_keeps_every_field_it_was_entered_with(hall: Hall, e1: str) -> None:
    hall.at(2026, 3, 2, 10, 0)
    q = request(hall, e1, TUE, worksite_name="NORTHGATE LINK", worksite_city="SEATTLE", worksite_region="Seattle",
                report_to="gate 4 trailer", contact="Pat 206-555-0199", start_time="07:00", positions_requested=2,
                requirements=["OSHA 30"], comments="bring meter", received_via="email")
    got = ok(hall.get(f"/labor-requests/{q['id']}", "staff"))["request"]
    for k in ("worksite_name", "report_to", "contact", "start_time", "requirements", "comments", "received_via",
              "wage_rate", "job_class", "number", "entered_by"):
        assert got[k] == q[k] and got[k] is not None
    assert got["number"] == "REQ20260302-0001" and got["positions_dispatched"] == 0 and got["rule_set_version"]


def test_R9_1_S1_2_the_short_call_flag_follows_an_edit_before_bidding_opens(hall: Hall, e1: str) -> None:
    hall.at(2026, 3, 2, 10, 0)
    q = request(hall, e1, date(2026, 3, 5), estimated_duration_working_days=12)
    assert (q["short_call"], q["no_mark_reasons"]) == (False, [])
    edited = ok(_patch(hall, q, estimated_duration_working_days=6, start_time="05:30", wage_rate="64.00"))
    assert (edited["short_call"], edited["no_mark_reasons"], edited["wage_rate"]) == (
        True, ["early_start", "short_call"], "64.00")
    later = ok(_patch(hall, edited, requested_start_date="2026-03-10", no_mark_flags=["specialty"]))
    assert (later["referral_date"], later["no_mark_reasons"]) == ("2026-03-10", ["early_start", "short_call",
                                                                                 "specialty"])


def test_S1_2_after_bidding_opens_only_comments_report_to_contact_and_more_positions(hall: Hall, e1: str) -> None:
    hall.at(2026, 3, 2, 10, 0)
    q = request(hall, e1, TUE, positions_requested=2)
    hall.at(2026, 3, 2, 17, 30)
    locked = _patch(hall, q, wage_rate="70.00")
    assert (locked.status, locked.error["code"], locked.error["fields"][0]["name"]) == (409, "EDIT_LOCKED",
                                                                                        "wage_rate")
    fewer = _patch(hall, q, positions_requested=1)
    assert fewer.error["code"] == "EDIT_LOCKED"
    more = ok(_patch(hall, q, positions_requested=3, comments="gate code 4411", report_to="trailer 2"))
    assert (more["positions_requested"], more["comments"]) == (3, "gate code 4411")
    assert _patch(hall, q, book_code="WIRE_BREM").error["fields"][0]["name"] == "book_code"
    stale = hall.patch(f"/labor-requests/{q['id']}", "dispatcher", {"version": 1, "comments": "x"})
    assert (stale.status, stale.error["code"]) == (409, "CONCURRENT_UPDATE")
    assert _patch(hall, q).error["fields"][0]["name"] == "version"  # nothing to change


def test_S1_2_positions_are_reduced_only_down_to_those_dispatched(hall: Hall, e1: str) -> None:
    people = new_members(hall, 2)
    hall.at(2026, 3, 2, 10, 0)
    regs = register_all(hall, people)
    q = request(hall, e1, TUE, positions_requested=3)
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ok(dispatch(hall, q, regs[0]), 201)
    ok(dispatch(hall, q, regs[1]), 201)
    below = _patch(hall, q, positions_requested=1)
    assert (below.error["code"], below.error["fields"][0]["name"]) == ("POSITIONS_BELOW_DISPATCHED",
                                                                       "positions_requested")
    assert ok(_patch(hall, q, positions_requested=4))["status"] == "PARTIALLY_FILLED"


# -- cancel (§8.2) ------------------------------------------------------------------------------------------


def test_8_2_cancelling_expires_bids_and_ends_open_dispatches_job_cancelled(hall: Hall, e1: str) -> None:
    """GIVEN a 2-position request with one member dispatched (start Sat 03-14) and a pending bid WHEN the employer
    cancels on Fri 03-13 THEN CANCELLED with the reason, the bid EXPIRED, the dispatch TERMINATED job_cancelled
    with 0 working days and the member pending re-registration (turnaround); cancelling again is a no-op."""
    m, bidder = new_members(hall, 2)
    hall.at(2026, 3, 12, 9, 0)
    bid_reg = register(hall, bidder)["id"]
    made = dispatch_one(hall, e1, m, referral=date(2026, 3, 13), received=(2026, 3, 12, 10, 0),
                        start=date(2026, 3, 14), positions_requested=2)
    at = hall.at(2026, 3, 13, 9, 0)
    batch = hall.store.batch()
    batch.put(Bid(request_id=made["request"]["id"], member_id=bidder, registration_id=bid_reg,
                  method="email_bid", entered_by="staff-1", bid_at=at, created_at=at.isoformat(),
                  updated_at=at.isoformat()))
    batch.commit()
    path = f"/labor-requests/{made['request']['id']}/cancel"
    body = {"version": current(hall, made["request"]["id"])["version"], "reason": "owner halted the project"}
    done = ok(hall.post(path, "dispatcher", body))
    assert (done["request"]["status"], done["request"]["cancel_reason"], done["bids_expired"]) == (
        "CANCELLED", "owner halted the project", 1)
    assert done["dispatches_terminated"] == [made["dispatch"]["id"]]
    d = repo.dispatch(hall.store, made["dispatch"]["id"])
    assert d is not None and (d.status.value, d.terminated["raw_reason"], d.terminated["working_days_worked"]) == (
        "TERMINATED", "job_cancelled", 0)
    assert registration(hall, made["registration_id"]).status.value == "PENDING_REREGISTRATION"
    again = ok(hall.post(path, "dispatcher", body))
    assert (again["bids_expired"], again["dispatches_terminated"]) == (0, [])
    edit = _patch(hall, made["request"], comments="x")
    assert (edit.status, edit.error["code"]) == (409, "REQUEST_NOT_OPEN")


# -- by-name (R13), blackout (R12) ---------------------------------------------------------------------------


def _by_name(hall: Hall, employer: str, member: str, start: date, **fields: object) -> dict:
    return request(hall, employer, start, named_member_id=member, **fields)


def _by_name_dispatch(hall: Hall, q: dict, **body: object):  # type: ignore[no-untyped-def]
    base = {"version": current(hall, q["id"])["version"], "anti_collusion_confirmed": True,
            "attestation": "signed statement #4471 on file"}
    return hall.post(f"/labor-requests/{q['id']}/by-name-dispatch", "dispatcher", {**base, **body})


def test_R13_1_a_by_name_request_names_one_member_for_one_position(hall: Hall, e1: str) -> None:
    [m] = new_members(hall, 1)
    hall.at(2026, 3, 2, 10, 0)
    two = hall.post("/labor-requests", "dispatcher", {"employer_id": e1, "book_code": "WIRE_SEA",
                                                      "requested_start_date": "2026-03-03", "named_member_id": m,
                                                      "positions_requested": 2})
    assert (two.status, two.error["fields"][0]["name"]) == (400, "positions_requested")
    q = _by_name(hall, e1, m, TUE, foreperson=True)
    assert (q["by_name"], q["foreperson"], q["bidding_enabled"], q["positions_requested"]) == (True, True, False, 1)
    assert _patch(hall, q, positions_requested=2).error["code"] == "BY_NAME_ONE_POSITION"
    unknown = hall.post("/labor-requests", "dispatcher", {"employer_id": e1, "book_code": "WIRE_SEA",
                                                          "requested_start_date": "2026-03-03",
                                                          "named_member_id": "no-such-member"})
    assert unknown.error["fields"][0]["name"] == "named_member_id"


def test_AS_077_R13_2_a_by_name_dispatch_needs_the_book_and_the_anti_collusion_check(hall: Hall) -> None:
    """A by-name TRADESHOW request naming M21, who has no TRADESHOW registration, is refused NOT_REGISTERED_ON_BOOK;
    one naming M22 is refused ANTI_COLLUSION_UNCONFIRMED until the dispatcher confirms and M22's attestation is
    recorded, then dispatched with method by_name and a BY_NAME decision record."""
    e = new_employer(hall, "SHOW CO")
    m21, m22, ahead = new_members(hall, 3)
    hall.at(2026, 3, 2, 9, 0)
    register(hall, ahead, "TRADESHOW")
    register(hall, m22, "TRADESHOW", tier=2)
    hall.at(2026, 3, 2, 10, 0)
    for_21 = _by_name(hall, e, m21, TUE, book="TRADESHOW")
    for_22 = _by_name(hall, e, m22, TUE, book="TRADESHOW", foreperson=True)
    hall.at(2026, 3, 3, 7, 0)
    assert _by_name_dispatch(hall, for_21).error["code"] == "NOT_REGISTERED_ON_BOOK"
    unconfirmed = _by_name_dispatch(hall, for_22, anti_collusion_confirmed=False)
    assert (unconfirmed.error["code"], unconfirmed.error["fields"][0]["name"]) == (
        "ANTI_COLLUSION_UNCONFIRMED", "anti_collusion_confirmed")
    no_attestation = _by_name_dispatch(hall, for_22, attestation="  ")
    assert no_attestation.error["fields"][0]["name"] == "attestation"
    made = ok(_by_name_dispatch(hall, for_22), 201)
    d, decision = made["dispatch"], made["decision"]
    assert (d["method"], d["by_name"], d["queue_position"]) == ("by_name", True, 2)
    assert decision["kind"] == "BY_NAME" and decision["by_name"]["attestation"] == "signed statement #4471 on file"
    assert decision["by_name"]["foreperson"] is True and decision["out_of_order_override"] is None
    assert current(hall, for_22["id"])["status"] == "FILLED"
    assert _by_name_dispatch(hall, for_22).error["code"] == "REQUEST_NOT_OPEN"


def test_AS_060_R13_3_a_by_name_dispatch_of_a_tier_2_member_charges_nobody(hall: Hall, e1: str) -> None:
    """GIVEN a by-name request dispatched to a tier-2 member while tier 1 waits THEN the round charges nobody."""
    top, named = new_members(hall, 2)
    hall.at(2026, 3, 2, 9, 0)
    top_reg = register(hall, top)["id"]
    register(hall, named, tier=2)
    hall.at(2026, 3, 2, 10, 0)
    q = _by_name(hall, e1, named, TUE)
    hall.at(2026, 3, 3, 8, 0)
    ok(_by_name_dispatch(hall, q), 201)
    hall.at(2026, 3, 3, 8, 30)
    assert ok(complete(hall, "WIRE_SEA", TUE))["marks_charged"] == 0
    assert registration(hall, top_reg).check_mark_count == 0


def test_R13_4_a_by_name_request_is_dispatched_any_time_from_its_referral_date(hall: Hall, e1: str) -> None:
    [m] = new_members(hall, 1)
    hall.at(2026, 3, 2, 9, 0)
    register(hall, m)
    hall.at(2026, 3, 2, 10, 0)
    q = _by_name(hall, e1, m, date(2026, 3, 5))
    hall.at(2026, 3, 4, 16, 0)
    early = _by_name_dispatch(hall, q)
    assert (early.error["code"], early.error["fields"][0]["name"]) == ("BEFORE_REFERRAL_DATE", "referral_date")
    hall.at(2026, 3, 6, 14, 20)  # the day after, in the afternoon, no round open
    made = ok(_by_name_dispatch(hall, q), 201)
    assert made["dispatch"]["number"].startswith("DSP20260306-") and made["dispatch"]["referral_date"] == \
        "2026-03-05"


def test_AS_074_R13_2_a_blackout_refuses_a_by_name_dispatch_until_day_15(hall: Hall, e1: str) -> None:
    """GIVEN M20 quit E1 on 2026-03-02 and registered again on 2026-03-03 WHEN E1 requests M20 by name for Fri
    2026-03-13 THEN BLACKOUT_ACTIVE; for Mon 2026-03-16 (day 15) it is dispatched."""
    [m20] = new_members(hall, 1)
    made = dispatch_one(hall, e1, m20, referral=date(2026, 2, 27), received=(2026, 2, 26, 10, 0))
    hall.at(2026, 3, 2, 16, 0)
    ok(terminate(hall, made["dispatch"], "quit", date(2026, 3, 2)))
    hall.at(2026, 3, 3, 9, 0)
    register(hall, m20)
    hall.at(2026, 3, 11, 10, 0)
    friday = _by_name(hall, e1, m20, date(2026, 3, 13))
    monday = _by_name(hall, e1, m20, date(2026, 3, 16))
    hall.at(2026, 3, 13, 8, 0)
    refused = _by_name_dispatch(hall, friday)
    assert (refused.status, refused.error["code"]) == (409, "BLACKOUT_ACTIVE")
    hall.at(2026, 3, 16, 8, 0)
    assert ok(_by_name_dispatch(hall, monday), 201)["dispatch"]["member_id"] == m20


def test_R12_4_the_blackout_covers_the_employer_at_every_worksite(hall: Hall, e1: str) -> None:
    """GIVEN M20 quit E1 at NORTHGATE WHEN E1 names M20 for its BALLARD worksite within the blackout THEN refused;
    another employer may name M20."""
    e9 = new_employer(hall, "E NINE", "WIREPERSON")
    [m20] = new_members(hall, 1)
    made = dispatch_one(hall, e1, m20, referral=date(2026, 2, 27), received=(2026, 2, 26, 10, 0),
                        worksite_name="NORTHGATE")
    hall.at(2026, 3, 2, 16, 0)
    ok(terminate(hall, made["dispatch"], "discharged", date(2026, 3, 2)))
    hall.at(2026, 3, 3, 9, 0)
    register(hall, m20)
    hall.at(2026, 3, 3, 10, 0)
    ballard = _by_name(hall, e1, m20, date(2026, 3, 4), worksite_name="BALLARD")
    elsewhere = _by_name(hall, e9, m20, date(2026, 3, 4))
    hall.at(2026, 3, 4, 8, 0)
    assert _by_name_dispatch(hall, ballard).error["code"] == "BLACKOUT_ACTIVE"
    assert ok(_by_name_dispatch(hall, elsewhere), 201)["dispatch"]["employer_id"] == e9


def test_AS_075_R12_3_under_by_name_only_an_ordinary_request_still_reaches_the_member(hall: Hall, e1: str) -> None:
    """GIVEN M20's blackout with E1 under BY_NAME_ONLY WHEN an ordinary E1 request on Tue 2026-03-10 reaches M20 at
    position 1 THEN M20 is eligible (dispatched from position 1)."""
    [m20] = new_members(hall, 1)
    made = dispatch_one(hall, e1, m20, referral=date(2026, 2, 27), received=(2026, 2, 26, 10, 0))
    hall.at(2026, 3, 2, 16, 0)
    ok(terminate(hall, made["dispatch"], "quit", date(2026, 3, 2)))
    hall.at(2026, 3, 3, 9, 0)
    register(hall, m20)
    again = dispatch_one(hall, e1, m20, referral=date(2026, 3, 10), received=(2026, 3, 9, 10, 0))
    assert again["dispatch"]["queue_position"] == 1


# -- S2 dispatch ---------------------------------------------------------------------------------------------


def test_S2_3_S2_4_a_dispatch_copies_the_request_and_numbers_per_referral_date(hall: Hall, e1: str) -> None:
    people = new_members(hall, 2)
    hall.at(2026, 3, 2, 9, 0)
    regs = register_all(hall, people)
    hall.at(2026, 3, 2, 10, 0)
    q = request(hall, e1, TUE, positions_requested=2, worksite_name="NORTHGATE", report_to="gate 4",
                start_time="07:00", estimated_duration_working_days=4)
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    first = ok(dispatch(hall, q, regs[0]), 201)["dispatch"]
    second = ok(dispatch(hall, q, regs[1]), 201)["dispatch"]
    assert (first["number"], second["number"]) == ("DSP20260303-0001", "DSP20260303-0002")
    for k, v in {"employer_id": e1, "worksite_name": "NORTHGATE", "report_to": "gate 4", "job_class": "JRY WIRE",
                 "wage_rate": "61.25", "book_code": "WIRE_SEA", "tier": 1, "contract_code": "WIREPERSON",
                 "agreement_type": "STANDARD", "short_call": True, "by_name": False, "start_date": "2026-03-03",
                 "start_time": "07:00:00", "queue_position": 1}.items():
        assert first[k] == v, k
    assert first["apn"] == registration(hall, regs[0]).apn_text


def test_S2_7_the_members_other_books_stay_registered_and_are_skipped(hall: Hall, e1: str) -> None:
    m, other = new_members(hall, 2)
    hall.at(2026, 3, 2, 9, 0)
    brem = register(hall, m, "WIRE_BREM")["id"]
    register(hall, other, "WIRE_BREM")
    made = dispatch_one(hall, e1, m, referral=TUE, received=(2026, 3, 2, 10, 0))
    assert registration(hall, brem).status.value == "REGISTERED"
    second = dispatch_one(hall, e1, other, referral=TUE, received=(2026, 3, 2, 10, 1), book="WIRE_BREM")
    rows = ok(hall.get(f"/labor-requests/{second['request']['id']}", "staff"))["decisions"][0]["candidates"]
    assert [(r["registration_id"], r["skip_reason"]) for r in rows][0] == (brem, "ALREADY_DISPATCHED")
    assert made["dispatch"]["status"] == "DISPATCHED"


def test_R2_1_the_default_slots_are_local_wall_clock_across_daylight_saving(hall: Hall) -> None:
    """08:30 WIRE; 09:00 SOUND & COMM, MARINE, STOCKMAN, LT FXT MAINT; 09:30 the rest — 08:30 PST before the change
    of Sun 2026-03-08 and 08:30 PDT after it."""
    before = ok(hall.get("/rounds", "staff", query={"date": "2026-03-06"}))["books"]
    after = ok(hall.get("/rounds", "staff", query={"date": "2026-03-09"}))["books"]
    slots = {b["book_code"]: b["slot"] for b in before}
    assert {c for c, s in slots.items() if s == "09:00"} == {"SOUND_COMM", "MARINE", "STOCKMAN", "LT_FXT_MAINT"}
    assert {c for c, s in slots.items() if s == "08:30"} == {"WIRE_SEA", "WIRE_BREM", "WIRE_PA"}
    assert before[0]["opens_at"] == "2026-03-06T08:30:00-08:00" and after[0]["opens_at"] == "2026-03-09T08:30:00-07:00"


def test_R4_1_a_tero_book_takes_only_tero_requests(hall: Hall, e1: str) -> None:
    hall.at(2026, 3, 2, 10, 0)
    standard = hall.post("/labor-requests", "dispatcher", {"employer_id": e1, "book_code": "TERO_APPR_WIRE",
                                                           "requested_start_date": "2026-03-03"})
    assert (standard.status, standard.error["code"]) == (409, "AGREEMENT_MISMATCH")
    for agreement in ("STANDARD", "PLA", "CWA"):
        assert request(hall, e1, TUE, agreement_type=agreement)["agreement_type"] == agreement


def test_R4_3_the_rounds_check_mark_record_cites_the_pack_that_applied(hall: Hall, e1: str) -> None:
    top, low = new_members(hall, 2)
    hall.at(2026, 3, 2, 9, 0)
    register(hall, top)
    register(hall, low, tier=2)
    made = dispatch_one(hall, e1, low, referral=TUE, received=(2026, 3, 2, 10, 0), agreement_type="CWA")
    ok(complete(hall, "WIRE_SEA", TUE))
    records = ok(hall.get(f"/labor-requests/{made['request']['id']}", "staff"))["decisions"]
    assert [(d["kind"], d["rule_pack_version"]) for d in records] == [("DISPATCH", "pack-1"),
                                                                     ("CHECK_MARKS", "pack-1")]


def test_R4_4_a_contract_in_force_on_the_day_needs_no_acknowledgement(hall: Hall) -> None:
    from chalicelib.employers import service as employers
    from chalicelib.employers.domain import ContractCreate, OrganizationCreate
    from factories import ctx_for

    staff = ctx_for(hall.store, "staff")
    org = employers.create(staff, OrganizationCreate(name="STOCK CO"))
    employers.add_contract(staff, org.id, ContractCreate.model_validate(
        {"contract_code": "STOCKPERSON", "effective_date": "2025-01-01", "expiration_date": "2026-03-01"}), 1)
    hall.at(2026, 3, 2, 10, 0)
    body = {"employer_id": org.id, "book_code": "STOCKMAN", "requested_start_date": "2026-03-03"}
    assert hall.post("/labor-requests", "dispatcher", body).error["code"] == "SIGNATORY_ACKNOWLEDGEMENT_REQUIRED"
    employers.add_contract(staff, org.id, ContractCreate.model_validate(
        {"contract_code": "STOCKPERSON", "effective_date": "2026-03-02"}), 2)
    assert ok(hall.post("/labor-requests", "dispatcher", body), 201)["signatory_acknowledgement"] is None


def test_R13_2_an_exempt_or_working_named_member_is_refused(hall: Hall, e1: str) -> None:
    from hallkit import exempt

    away, busy = new_members(hall, 2)
    hall.at(2026, 3, 2, 9, 0)
    away_reg = register(hall, away)["id"]
    exempt(hall, away_reg, date(2026, 3, 1), date(2026, 3, 31))
    register(hall, busy)
    dispatch_one(hall, e1, busy, referral=TUE, received=(2026, 3, 2, 10, 0), book="WIRE_BREM")
    hall.at(2026, 3, 2, 11, 0)
    for_away = _by_name(hall, e1, away, TUE)
    for_busy = _by_name(hall, e1, busy, TUE)
    hall.at(2026, 3, 3, 9, 0)
    assert _by_name_dispatch(hall, for_away).error["code"] == "EXEMPT"
    assert _by_name_dispatch(hall, for_busy).error["code"] == "ALREADY_DISPATCHED"
    assert hall.post(f"/labor-requests/{for_busy['id']}/by-name-dispatch", "staff", {"version": 1}).status == 403


def test_R13_3_a_by_name_dispatch_bypasses_queue_order_and_says_so(hall: Hall, e1: str) -> None:
    """GIVEN two eligible members above the named one with no outcome THEN the by-name dispatch needs no override,
    the request is not on the round's sheet, and its record is BY_NAME with the reason."""
    people = new_members(hall, 3)
    hall.at(2026, 3, 2, 9, 0)
    register_all(hall, people)
    hall.at(2026, 3, 2, 10, 0)
    q = _by_name(hall, e1, people[2], TUE)
    hall.at(2026, 3, 3, 8, 30)
    assert ok(hall.get("/rounds/WIRE_SEA/2026-03-03/sheet", "staff"))["requests"] == []
    made = ok(_by_name_dispatch(hall, q), 201)
    assert made["dispatch"]["queue_position"] == 3 and made["flags"] == []
    assert made["decision"]["by_name"]["why"].startswith("BY_NAME")


def test_S1_4_a_position_given_back_is_re_offered_on_a_later_date_the_dispatcher_moves_it_to(hall: Hall,
                                                                                              e1: str) -> None:
    """GIVEN a request walked and filled in the Fri 2026-03-13 round (start Sat 03-14) WHEN the dispatch is voided
    before the start THEN the request is OPEN again; moving it while its round is open and walked is refused; once
    the round has completed it moves to Mon 03-16 and that sheet offers it afresh."""
    people = new_members(hall, 3)
    hall.at(2026, 3, 12, 9, 0)
    regs = register_all(hall, people)
    hall.at(2026, 3, 12, 10, 0)
    q = request(hall, e1, date(2026, 3, 14))
    hall.at(2026, 3, 13, 8, 30)
    open_round(hall, "WIRE_SEA", date(2026, 3, 13))
    made = ok(dispatch(hall, q, regs[1], pass_above=True), 201)["dispatch"]
    ok(hall.post(f"/dispatches/{made['id']}/void", "dispatcher", {"version": 1, "reason": "employer phoned: not yet"}))
    assert current(hall, q["id"])["status"] == "OPEN"
    path = f"/labor-requests/{q['id']}/referral-date"
    walked = hall.post(path, "dispatcher", {"version": current(hall, q["id"])["version"],
                                            "referral_date": "2026-03-16"})
    assert walked.error["code"] == "REQUEST_WALKED"
    hall.post(f"/rounds/WIRE_SEA/2026-03-13/requests/{q['id']}/pass-remaining", "dispatcher",
              {"version": current(hall, q["id"])["version"]})
    ok(complete(hall, "WIRE_SEA", date(2026, 3, 13)))
    moved = ok(hall.post(path, "dispatcher", {"version": current(hall, q["id"])["version"],
                                              "referral_date": "2026-03-16", "reason": "re-offer (S1.4)"}))
    assert (moved["referral_date"], moved["outcomes"]) == ("2026-03-16", {})
    hall.at(2026, 3, 16, 8, 30)
    sheet = ok(hall.get("/rounds/WIRE_SEA/2026-03-16/sheet", "dispatcher"))
    assert [c["outcome"] for c in sheet["requests"][0]["candidates"]] == [None, None, None]
