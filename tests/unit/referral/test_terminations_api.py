"""Terminations, re-registration and corrections through the API (referral-rules S5, S6, S7, R6, R9, R12, S1.4,
S8.1, S11; scenarios of §12.7, §12.8, §12.10)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from api_harness import Hall
from hallkit import (
    complete,
    current,
    dispatch_one,
    new_employer,
    new_members,
    ok,
    register,
    registration,
    reregister,
    set_fields,
    terminate,
    use_rules,
)

from chalicelib.employment import store as employment_repo
from chalicelib.referral import store as repo
from chalicelib.referral.domain.duties import missed_reregistrations
from chalicelib.referral.domain.records import Bid
from chalicelib.referral.service import terminations
from factories import audit_actions, ctx_for
from rulebook import local

TUE = date(2026, 3, 3)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _short_call(hall: Hall, member: str, e1: str, **fields: object) -> dict:
    """M dispatched in the Tue 2026-03-03 WIRE SEATTLE round (request received Mon 11:00, start Tue)."""
    return dispatch_one(hall, e1, member, referral=TUE, received=(2026, 3, 2, 11, 0), **fields)


@pytest.fixture
def e1(hall: Hall) -> str:
    return new_employer(hall, "E ONE", "WIREPERSON")


def test_R6_1_AS_061_a_short_call_restores_the_apn_and_counts(hall: Hall, e1: str) -> None:
    """GIVEN M34 (0 counted restorations) dispatched on a short call in the 2026-03-03 round WHEN terminated
    short_call_end with last day Fri 2026-03-13 THEN 8 working days, PENDING_REREGISTRATION with deadline Mon
    2026-03-16 17:00; WHEN M34 re-registers by e-mail at 08:00 that Monday THEN REGISTERED with the same APN,
    counted restorations 1, re-sign due 2026-04-15."""
    [m34] = new_members(hall, 1)
    made = _short_call(hall, m34, e1, estimated_duration_working_days=8)
    apn = made["dispatch"]["apn"]
    hall.at(2026, 3, 13, 16, 0)
    done = ok(terminate(hall, made["dispatch"], "short_call_end", date(2026, 3, 13)))
    t = done["dispatch"]["terminated"]
    assert (t["working_days_worked"], t["classification"], t["s6_row"]) == (8, "SHORT_CALL_END", "6")
    reg = done["registration"]
    assert reg["status"] == "PENDING_REREGISTRATION" and _instant(reg["rereg_deadline_at"]) == local(2026, 3, 16, 17, 0)
    hall.at(2026, 3, 16, 8, 0)
    back = ok(reregister(hall, m34, made["registration_id"], channel="email"))["registration"]
    assert (back["status"], back["apn"], back["counted_restorations"]) == ("REGISTERED", apn, 1)
    assert back["re_sign_due_date"] == "2026-04-15" and back["registered_at"] == reg["registered_at"]
    assert repo.position(hall.store, registration(hall, made["registration_id"])) == 1


def test_R9_7_AS_062_weekend_work_counts_nothing_and_keeps_the_monday_deadline(hall: Hall, e1: str) -> None:
    """GIVEN AS-061 with Sat and Sun worked (last day Sun 2026-03-15) THEN still 8 working days and the deadline
    Mon 2026-03-16 17:00."""
    [m34] = new_members(hall, 1)
    made = _short_call(hall, m34, e1, estimated_duration_working_days=8)
    hall.at(2026, 3, 15, 18, 0)
    done = ok(terminate(hall, made["dispatch"], "short_call_end", date(2026, 3, 15)))
    assert done["dispatch"]["terminated"]["working_days_worked"] == 8
    assert _instant(done["registration"]["rereg_deadline_at"]) == local(2026, 3, 16, 17, 0)


def test_AS_063_three_days_restore_without_counting_at_two_restorations(hall: Hall, e1: str) -> None:
    """GIVEN M35 with 2 counted restorations WHEN a short call ends after 3 working days and M35 re-registers on
    time THEN restored, the counter stays 2."""
    [m35] = new_members(hall, 1)
    hall.at(2026, 3, 2, 10, 0)
    reg = register(hall, m35)["id"]
    set_fields(hall, reg, counted_restorations=2)
    made = _short_call(hall, m35, e1, estimated_duration_working_days=5)
    hall.at(2026, 3, 6, 17, 0)
    ok(terminate(hall, made["dispatch"], "short_call_end", date(2026, 3, 6)))
    hall.at(2026, 3, 9, 9, 0)
    back = ok(reregister(hall, m35, reg))["registration"]
    assert (back["status"], back["counted_restorations"], back["id"]) == ("REGISTERED", 2, reg)


def test_AS_064_a_third_counted_restoration_is_a_new_apn(hall: Hall, e1: str) -> None:
    """GIVEN M35 with 2 counted restorations WHEN a short call ends after 4 working days (Mon 2026-03-09) and M35
    re-registers on Tue 2026-03-10 THEN the old row is CLOSED (NEW_APN_REREGISTRATION) and a new WIRE SEATTLE
    registration has an APN of integer part 46091 and counters at 0."""
    [m35] = new_members(hall, 1)
    hall.at(2026, 3, 2, 10, 0)
    old = register(hall, m35)["id"]
    set_fields(hall, old, counted_restorations=2, check_mark_count=1)
    made = _short_call(hall, m35, e1, estimated_duration_working_days=5)
    hall.at(2026, 3, 9, 17, 0)
    pending = ok(terminate(hall, made["dispatch"], "short_call_end", date(2026, 3, 9)))
    assert pending["dispatch"]["terminated"]["s6_row"] == "7" and pending["registration"]["rereg_outcome"] == "NEW_APN"
    hall.at(2026, 3, 10, 9, 0)
    got = ok(reregister(hall, m35, old))
    new = got["registration"]
    assert got["outcome"] == "NEW_APN" and new["apn"].startswith("46091.") and new["tier"] == 1
    assert (new["check_mark_count"], new["counted_restorations"], new["predecessor_id"]) == (0, 0, old)
    closed = registration(hall, old)
    assert (closed.status.value, closed.status_reason, closed.successor_id) == ("CLOSED", "NEW_APN_REREGISTRATION",
                                                                                 new["id"])


def test_R9_4_AS_065_a_long_call_laid_off_within_ten_days_is_restored_eleven_closes(hall: Hall, e1: str) -> None:
    """GIVEN M36 dispatched on a long call in the Mon 2026-03-09 round (start that day) WHEN laid off with last
    day Mon 2026-03-23 THEN 10 working days, SHORT_CALL_END; another with last day Tue 2026-03-24 (11) is
    LONG_CALL_ENDED: CLOSED, no deadline, the member's other books untouched."""
    m36, m37 = new_members(hall, 2)
    hall.at(2026, 3, 5, 10, 0)
    other = register(hall, m37, "TRADESHOW")["id"]
    ten = dispatch_one(hall, e1, m36, referral=date(2026, 3, 9), received=(2026, 3, 6, 10, 0))
    eleven = dispatch_one(hall, e1, m37, referral=date(2026, 3, 9), received=(2026, 3, 6, 10, 1))
    hall.at(2026, 3, 24, 17, 0)
    first = ok(terminate(hall, ten["dispatch"], "laid_off", date(2026, 3, 23)))["dispatch"]["terminated"]
    assert (first["working_days_worked"], first["classification"]) == (10, "SHORT_CALL_END")
    second = ok(terminate(hall, eleven["dispatch"], "laid_off", date(2026, 3, 24)))
    t = second["dispatch"]["terminated"]
    assert (t["working_days_worked"], t["classification"], t["rereg_deadline_at"]) == (11, "LONG_CALL_ENDED", None)
    assert second["registration"]["status"] == "CLOSED" and second["follow_up"]["rolled_off"] == []
    assert registration(hall, other).status.value == "REGISTERED"


def test_R6_4_AS_066_a_late_re_registration_is_refused_and_the_member_rolls_off_everywhere(hall: Hall,
                                                                                          e1: str) -> None:
    """GIVEN M37's short call ended Wed 2026-03-11 WHEN an e-mail re-registration arrives Thu 17:05 THEN
    DEADLINE_PASSED; WHEN the 2026-03-13 run rolls off missed re-registrations THEN every live registration of
    M37 on every book is ROLLED_OFF (MISSED_REREGISTRATION), once."""
    [m37] = new_members(hall, 1)
    hall.at(2026, 3, 2, 9, 0)
    other = register(hall, m37, "TECHNICIAN")["id"]
    made = _short_call(hall, m37, e1, estimated_duration_working_days=5)
    hall.at(2026, 3, 11, 17, 0)
    ok(terminate(hall, made["dispatch"], "short_call_end", date(2026, 3, 11)))
    hall.at(2026, 3, 12, 17, 5)
    late = reregister(hall, m37, made["registration_id"], channel="email")
    assert (late.status, late.error["code"], late.error["fields"][0]["name"]) == (409, "DEADLINE_PASSED",
                                                                                  "received_at")
    run_start = hall.at(2026, 3, 13, 0, 30).replace(minute=0)  # the run for 2026-03-13 sees its start
    regs = repo.registrations_of(hall.store, m37)
    assert missed_reregistrations(regs, hall.at(2026, 3, 12, 0, 0)) == []  # the run for 03-12: still in time
    [action] = missed_reregistrations(regs, run_start)
    hall.at(2026, 3, 13, 0, 30)
    system = ctx_for(hall.store, "system", user_id="SYSTEM")
    rolled = terminations.roll_off_everywhere(system, action.target_id, "MISSED_REREGISTRATION", run_id="N2-0313")
    assert sorted(rolled) == sorted([other, made["registration_id"]])
    assert {registration(hall, r).status_reason for r in rolled} == {"MISSED_REREGISTRATION"}
    assert terminations.roll_off_everywhere(system, m37, "MISSED_REREGISTRATION") == []


def test_AS_067_R6_2_the_deadline_skips_the_memorial_day_weekend(hall: Hall, e1: str) -> None:
    """A short call ending Fri 2026-05-22 has a re-registration deadline of Tue 2026-05-26 17:00."""
    [m] = new_members(hall, 1)
    made = dispatch_one(hall, e1, m, referral=date(2026, 5, 19), received=(2026, 5, 18, 10, 0),
                        estimated_duration_working_days=4)
    hall.at(2026, 5, 22, 16, 0)
    done = ok(terminate(hall, made["dispatch"], "short_call_end", date(2026, 5, 22)))
    assert _instant(done["registration"]["rereg_deadline_at"]) == local(2026, 5, 26, 17, 0)  # 17:00 PDT


def test_AS_068_R6_6_more_than_ninety_calendar_days_is_a_new_apn(hall: Hall, e1: str) -> None:
    """GIVEN M38 started Wed 2026-01-07 WHEN laid off after 90 calendar days THEN LONG_CALL_ENDED; after 91 (Tue
    2026-04-07) NINETY_DAY_RULE with deadline Wed 2026-04-08 17:00, and re-registering on time gives a new APN of
    integer part 46120."""
    m38, m39 = new_members(hall, 2)
    a = dispatch_one(hall, e1, m38, referral=date(2026, 1, 7), received=(2026, 1, 6, 10, 0))
    b = dispatch_one(hall, e1, m39, referral=date(2026, 1, 7), received=(2026, 1, 6, 10, 1))
    hall.at(2026, 4, 7, 17, 0)
    ninety = ok(terminate(hall, b["dispatch"], "laid_off", date(2026, 4, 6)))["dispatch"]["terminated"]
    assert (ninety["calendar_days"], ninety["classification"]) == (90, "LONG_CALL_ENDED")
    rule = ok(terminate(hall, a["dispatch"], "laid_off", date(2026, 4, 7)))
    assert rule["dispatch"]["terminated"]["classification"] == "NINETY_DAY_RULE"
    assert _instant(rule["registration"]["rereg_deadline_at"]) == local(2026, 4, 8, 17, 0)
    hall.at(2026, 4, 8, 16, 59)
    got = ok(reregister(hall, m38, a["registration_id"]))
    assert got["outcome"] == "NEW_APN" and got["registration"]["apn"].startswith("46120.")


def test_AS_069_a_turnaround_restores_the_apn_without_counting_or_marks(hall: Hall, e1: str) -> None:
    """GIVEN M39 dispatched in the 2026-03-03 round WHEN the employer sends M39 home on 2026-03-04
    (employer_rejected, 1 working day) THEN TURNAROUND, deadline Thu 2026-03-05 17:00; re-registering on time
    restores the APN, the counter and the marks unchanged."""
    [m39] = new_members(hall, 1)
    made = _short_call(hall, m39, e1)
    hall.at(2026, 3, 4, 15, 0)
    done = ok(terminate(hall, made["dispatch"], "employer_rejected", date(2026, 3, 4)))
    assert done["dispatch"]["terminated"]["classification"] == "TURNAROUND"
    assert _instant(done["registration"]["rereg_deadline_at"]) == local(2026, 3, 5, 17, 0)  # Thu 17:00 PST
    hall.at(2026, 3, 5, 9, 0)
    back = ok(reregister(hall, m39, made["registration_id"]))["registration"]
    assert (back["apn"], back["counted_restorations"], back["check_mark_count"]) == (made["dispatch"]["apn"], 0, 0)


def test_AS_070_under_scale_work_restores_and_ends_its_exemptions(hall: Hall) -> None:
    """GIVEN M40 on the three WIRE books dispatched from WIRE SEATTLE to an E3 MARKET RECOVERY request (start
    2026-03-04) with the under-scale exemptions R14.6 puts on Bremerton and Port Angeles WHEN laid off with last
    day Fri 2026-05-29 (87 calendar days) and re-registering Mon 2026-06-01 THEN WIRE SEATTLE is restored with its
    APN (not counted), the two exemptions end 2026-05-29 and those registrations are due 2026-06-06."""
    e3 = new_employer(hall, "E THREE", "WIREPERSON", "MARKET RECOVERY")
    [m40] = new_members(hall, 1)
    hall.at(2026, 3, 2, 9, 0)
    brem, pa = register(hall, m40, "WIRE_BREM")["id"], register(hall, m40, "WIRE_PA")["id"]
    made = dispatch_one(hall, e3, m40, referral=date(2026, 3, 4), received=(2026, 3, 2, 10, 0),
                        contract_code="MARKET RECOVERY")
    assert made["dispatch"]["under_scale"]
    assert sorted(made["exempted_registrations"]) == sorted([brem, pa])  # R14.6, by the dispatch itself
    for r in (brem, pa):
        [ex] = registration(hall, r).exemptions
        assert (ex.reason, ex.start, ex.dispatch_id) == ("under_scale", date(2026, 3, 4), made["dispatch"]["id"])
    hall.at(2026, 5, 29, 17, 0)
    done = ok(terminate(hall, made["dispatch"], "laid_off", date(2026, 5, 29)))
    t = done["dispatch"]["terminated"]
    assert (t["calendar_days"], t["classification"]) == (87, "UNDER_SCALE_END")
    assert sorted(done["follow_up"]["exemptions_ended"]) == sorted([brem, pa])
    hall.at(2026, 6, 1, 9, 0)
    back = ok(reregister(hall, m40, made["registration_id"]))["registration"]
    assert (back["apn"], back["counted_restorations"]) == (made["dispatch"]["apn"], 0)
    for r in (brem, pa):
        reg = registration(hall, r)
        assert [(e.status, e.end) for e in reg.exemptions] == [("ENDED", date(2026, 5, 29))]
        assert reg.re_sign_due_date == date(2026, 6, 6)


def test_R6_5_AS_071_a_pending_registration_is_out_of_the_queue_and_charged_nothing(hall: Hall, e1: str) -> None:
    """GIVEN M34 PENDING_REREGISTRATION on WIRE SEATTLE WHEN a WIRE SEATTLE request falls to tier 2 THEN M34 is not
    in the queue, gets no mark, and M34's other books are unaffected."""
    m34, low = new_members(hall, 2)
    hall.at(2026, 3, 2, 9, 0)
    tech = register(hall, m34, "TECHNICIAN")["id"]
    made = _short_call(hall, m34, e1)
    hall.at(2026, 3, 4, 12, 0)
    ok(terminate(hall, made["dispatch"], "short_call_end", date(2026, 3, 4)))
    low_reg = register(hall, low, tier=2)["id"]
    dispatch_one(hall, e1, low, referral=date(2026, 3, 5), received=(2026, 3, 4, 13, 0))
    hall.at(2026, 3, 5, 9, 0)
    ok(complete(hall, "WIRE_SEA", date(2026, 3, 5)))
    assert made["registration_id"] not in [r.id for r in repo.full_queue(hall.store, "WIRE_SEA")]
    assert registration(hall, made["registration_id"]).check_mark_count == 0
    assert registration(hall, tech).status.value == "REGISTERED" and low_reg


def test_R6_3_re_registration_channels_and_timeliness(hall: Hall, e1: str) -> None:
    """GIVEN a pending re-registration WHEN it comes through the web (not a re-registration channel) THEN
    CHANNEL_NOT_ALLOWED; a member may not re-register someone else; an in-person report at 17:00:59 is on time."""
    m, other = new_members(hall, 2)
    made = _short_call(hall, m, e1)
    hall.at(2026, 3, 4, 12, 0)
    ok(terminate(hall, made["dispatch"], "short_call_end", date(2026, 3, 4)))
    hall.at(2026, 3, 5, 10, 0)
    path = f"/members/{m}/registrations/{made['registration_id']}/reregister"
    version = registration(hall, made["registration_id"]).version
    assert hall.post(path, "member", {"version": version, "channel": "web"}, member_id=other).status == 403
    web = hall.post(path, "member", {"version": version, "channel": "web"}, member_id=m)
    assert web.error["code"] == "CHANNEL_NOT_ALLOWED"
    hall.at(2026, 3, 5, 17, 10)
    late = reregister(hall, m, made["registration_id"], channel="email")
    assert late.error["code"] == "DEADLINE_PASSED"
    got = ok(reregister(hall, m, made["registration_id"], channel="email", received_at="2026-03-06T00:59:59Z"))
    assert got["outcome"] == "RESTORED"  # received 16:59:59 and entered at 17:10: the received instant counts


def test_R6_6_the_thresholds_are_settings(hall: Hall, e1: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN ninety_day_rule_days = 30 and turnaround_max_working_days = 0 WHEN a 31-day job ends THEN
    NINETY_DAY_RULE; WHEN an employer rejects after one working day THEN no turnaround (SHORT_CALL_END)."""
    use_rules(monkeypatch, ninety_day_rule_days=30, turnaround_max_working_days=0)
    a, b = new_members(hall, 2)
    long = _short_call(hall, a, e1)
    short = dispatch_one(hall, e1, b, referral=TUE, received=(2026, 3, 2, 11, 5))
    hall.at(2026, 4, 3, 12, 0)
    assert ok(terminate(hall, long["dispatch"], "laid_off", date(2026, 4, 2)))["dispatch"]["terminated"][
        "classification"] == "NINETY_DAY_RULE"
    assert ok(terminate(hall, short["dispatch"], "employer_rejected", date(2026, 3, 4)))["dispatch"]["terminated"][
        "classification"] == "SHORT_CALL_END"


def test_R9_3_working_days_exclude_the_referral_day_weekends_and_holidays(hall: Hall, e1: str) -> None:
    """GIVEN a dispatch referred Fri 2026-05-22 starting that day WHEN laid off Tue 2026-05-26 THEN 1 working day
    (Fri is the referral day, Mon 05-25 a holiday) and 5 calendar days."""
    [m] = new_members(hall, 1)
    made = dispatch_one(hall, e1, m, referral=date(2026, 5, 22), received=(2026, 5, 21, 10, 0))
    hall.at(2026, 5, 26, 17, 0)
    t = ok(terminate(hall, made["dispatch"], "laid_off", date(2026, 5, 26)))["dispatch"]["terminated"]
    assert (t["working_days_worked"], t["calendar_days"]) == (1, 5)


def test_R9_5_a_counted_restoration_adds_one_and_the_third_is_refused(hall: Hall, e1: str) -> None:
    """GIVEN 1 counted restoration WHEN a 5-day short call ends and is restored THEN 2; the next 5-day one is a new
    APN (row 7)."""
    [m] = new_members(hall, 1)
    hall.at(2026, 3, 2, 9, 0)
    reg = register(hall, m)["id"]
    set_fields(hall, reg, counted_restorations=1)
    first = _short_call(hall, m, e1, estimated_duration_working_days=5)
    hall.at(2026, 3, 9, 17, 0)
    ok(terminate(hall, first["dispatch"], "short_call_end", date(2026, 3, 9)))
    assert ok(reregister(hall, m, reg))["registration"]["counted_restorations"] == 2
    second = dispatch_one(hall, e1, m, referral=date(2026, 3, 11), received=(2026, 3, 10, 10, 0))
    hall.at(2026, 3, 17, 17, 0)
    assert ok(terminate(hall, second["dispatch"], "short_call_end", date(2026, 3, 17)))["registration"][
        "rereg_outcome"] == "NEW_APN"


def test_R9_6_a_restoration_keeps_apn_tier_registered_at_and_marks_and_resets_the_re_sign_clock(
        hall: Hall, e1: str) -> None:
    [m] = new_members(hall, 1)
    hall.at(2026, 2, 2, 9, 0)
    reg = register(hall, m)
    set_fields(hall, reg["id"], check_mark_count=2)
    made = _short_call(hall, m, e1)
    hall.at(2026, 3, 5, 12, 0)
    ok(terminate(hall, made["dispatch"], "laid_off", date(2026, 3, 5)))
    back = ok(reregister(hall, m, reg["id"]))["registration"]
    assert [back[k] for k in ("apn", "tier", "registered_at", "check_mark_count")] == [
        reg["apn"], 1, reg["registered_at"], 2]
    assert back["re_sign_due_date"] == "2026-04-04" and back["last_re_sign_at"].startswith("2026-03-05")


def test_R6_2_the_deadline_is_five_pm_of_the_next_working_day(hall: Hall, e1: str) -> None:
    [m] = new_members(hall, 1)
    made = dispatch_one(hall, e1, m, referral=date(2026, 3, 6), received=(2026, 3, 5, 10, 0))
    hall.at(2026, 3, 6, 18, 0)
    done = ok(terminate(hall, made["dispatch"], "job_cancelled", date(2026, 3, 5)))  # cancelled before it began
    assert done["dispatch"]["terminated"]["working_days_worked"] == 0
    assert _instant(done["registration"]["rereg_deadline_at"]) == local(2026, 3, 6, 17, 0)  # Fri 03-06 17:00 PST


# -- quit, discharge, blackout (R12) ---------------------------------------------------------------------------


def _m20_working_on_four_books(hall: Hall, e1: str) -> tuple[str, dict, list[str]]:
    [m20] = new_members(hall, 1)
    hall.at(2026, 2, 25, 9, 0)
    others = [register(hall, m20, b)["id"] for b in ("WIRE_BREM", "WIRE_PA", "TECHNICIAN")]
    made = dispatch_one(hall, e1, m20, referral=date(2026, 2, 27), received=(2026, 2, 26, 10, 0))
    return m20, made, others


def test_R12_1_AS_073_a_quit_rolls_off_every_book_with_its_entries_and_expires_bids(hall: Hall, e1: str) -> None:
    """GIVEN M20 DISPATCHED from WIRE SEATTLE to E1 and REGISTERED on WIRE BREMERTON, WIRE PT ANGELES and
    TECHNICIAN with a pending bid WHEN M20 quits with last day Mon 2026-03-02 THEN all four registrations are
    ROLLED_OFF (QUIT), each with its activity and audit entry, and the bid is EXPIRED."""
    m20, made, others = _m20_working_on_four_books(hall, e1)
    hall.at(2026, 3, 2, 9, 0)
    q = hall.post("/labor-requests", "dispatcher", {"employer_id": e1, "book_code": "TECHNICIAN",
                                                     "requested_start_date": "2026-03-04"}).json
    at = hall.at(2026, 3, 2, 9, 0)
    batch = hall.store.batch()
    batch.put(Bid(request_id=q["id"], member_id=m20, registration_id=others[2], method="internet_bid",
                  entered_by=m20, bid_at=at, created_at=at.isoformat(), updated_at=at.isoformat()))
    batch.commit()
    hall.at(2026, 3, 2, 16, 0)
    done = ok(terminate(hall, made["dispatch"], "quit", date(2026, 3, 2)))
    assert done["dispatch"]["terminated"]["classification"] == "PENALTY"
    assert sorted(done["follow_up"]["rolled_off"]) == sorted(others) and done["follow_up"]["bids_expired"] == 1
    every = [made["registration_id"], *others]
    assert {(registration(hall, r).status.value, registration(hall, r).status_reason) for r in every} == {
        ("ROLLED_OFF", "QUIT")}
    for r in every:
        entries = [e for e in repo.member_log(hall.store, m20, 100, None).items
                   if e.registration_id == r and e.new_status == "ROLLED_OFF"]
        assert len(entries) == 1 and entries[0].reason_code == "QUIT"
        assert audit_actions(hall.store, "registration", r).count("UPDATE") >= 1
    [bid] = repo.bids_on(hall.store, q["id"])
    assert (bid.status.value, bid.status_reason) == ("EXPIRED", "MEMBER_ROLLED_OFF")
    state = repo.referral_state(hall.store, m20)
    assert state is not None and state.open_dispatch_id is None


def test_R12_2_the_blackout_runs_fourteen_days_from_the_event(hall: Hall, e1: str) -> None:
    """A quit on 2026-03-02 blocks 2026-03-02 … 2026-03-15; the member is eligible again on 2026-03-16."""
    m20, made, _ = _m20_working_on_four_books(hall, e1)
    hall.at(2026, 3, 2, 16, 0)
    ok(terminate(hall, made["dispatch"], "quit", date(2026, 3, 2)))
    [b] = repo.referral_state(hall.store, m20).blackouts  # type: ignore[union-attr]
    assert (b.employer_id, b.start, b.first_eligible, b.scope.value, b.reason) == (
        e1, date(2026, 3, 2), date(2026, 3, 16), "BY_NAME_ONLY", "QUIT")


def test_AS_076_R12_1_a_discharge_rolls_off_every_book_and_blacks_out_fourteen_days(hall: Hall, e1: str) -> None:
    m20, made, others = _m20_working_on_four_books(hall, e1)
    hall.at(2026, 3, 2, 16, 0)
    ok(terminate(hall, made["dispatch"], "discharged", date(2026, 3, 2)))
    assert {registration(hall, r).status_reason for r in [made["registration_id"], *others]} == {"DISCHARGED"}
    [b] = repo.referral_state(hall.store, m20).blackouts  # type: ignore[union-attr]
    assert (b.reason, (b.first_eligible - b.start).days) == ("DISCHARGED", 14)


def test_R12_3_AS_075_the_scope_in_force_is_stored_and_skips_ordinary_requests(
        hall: Hall, e1: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN blackout_scope ALL_REQUESTS_FROM_EMPLOYER when M20 quit and M20 registered again at position 1 WHEN an
    ordinary E1 request on Tue 2026-03-10 falls to tier 2 THEN M20 is SKIPPED:BLACKOUT and gets no mark."""
    use_rules(monkeypatch, blackout_scope="ALL_REQUESTS_FROM_EMPLOYER")
    m20, made, _ = _m20_working_on_four_books(hall, e1)
    hall.at(2026, 3, 2, 16, 0)
    ok(terminate(hall, made["dispatch"], "quit", date(2026, 3, 2)))
    assert repo.referral_state(hall.store, m20).blackouts[0].scope.value == "ALL_REQUESTS_FROM_EMPLOYER"  # type: ignore[union-attr]
    hall.at(2026, 3, 3, 9, 0)
    again = register(hall, m20, "WIRE_BREM")["id"]
    [low] = new_members(hall, 1)
    hall.at(2026, 3, 3, 9, 1)
    register(hall, low, "WIRE_BREM", tier=2)
    got = dispatch_one(hall, e1, low, referral=date(2026, 3, 10), received=(2026, 3, 9, 10, 0), book="WIRE_BREM")
    [row] = [c for c in ok(hall.get(f"/labor-requests/{got['request']['id']}", "staff"))["decisions"][0][
        "candidates"] if c["registration_id"] == again]
    assert row["skip_reason"] == "BLACKOUT"
    ok(complete(hall, "WIRE_BREM", date(2026, 3, 10)))
    assert registration(hall, again).check_mark_count == 0


def test_AS_078_a_long_call_rif_closes_the_row_without_blackout_and_the_member_registers_again(
        hall: Hall, e1: str) -> None:
    """GIVEN M23 worked 30 working days on a long call WHEN laid off (rif) THEN the WIRE SEATTLE registration is
    CLOSED, no blackout, the other books unchanged, and M23 registers again the same day with a new APN."""
    [m23] = new_members(hall, 1)
    hall.at(2026, 1, 5, 9, 0)
    tech = register(hall, m23, "TECHNICIAN")["id"]
    made = dispatch_one(hall, e1, m23, referral=date(2026, 1, 7), received=(2026, 1, 6, 10, 0))
    hall.at(2026, 2, 20, 15, 0)
    done = ok(terminate(hall, made["dispatch"], "rif", date(2026, 2, 20)))
    assert done["dispatch"]["terminated"]["working_days_worked"] >= 30
    assert done["registration"]["status"] == "CLOSED" and repo.referral_state(hall.store, m23).blackouts == []  # type: ignore[union-attr]
    assert registration(hall, tech).status.value == "REGISTERED"
    again = register(hall, m23)
    assert again["apn"].startswith("46073.") and again["id"] != made["registration_id"]


def test_S6_row_1b_a_no_show_without_quit_handling_rolls_off_one_book_without_blackout(
        hall: Hall, e1: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN no_show_is_quit = false WHEN the system records a no-show THEN only the dispatching book rolls off
    (NO_SHOW), no blackout, and the request reopens (S1.4)."""
    use_rules(monkeypatch, no_show_is_quit=False)
    m, _ = new_members(hall, 2)
    hall.at(2026, 3, 2, 9, 0)
    tech = register(hall, m, "TECHNICIAN")["id"]
    made = _short_call(hall, m, e1)
    hall.at(2026, 3, 3, 15, 1)
    system = ctx_for(hall.store, "system", user_id="SYSTEM")
    done = terminations.terminate(system, made["dispatch"]["id"], terminations.TerminationInput(
        terminations.RawReason.NO_SHOW, date(2026, 3, 2)))
    assert done["dispatch"]["status"] == "NO_SHOW" and done["registration"]["status_reason"] == "NO_SHOW"
    assert registration(hall, tech).status.value == "REGISTERED"
    assert repo.referral_state(hall.store, m).blackouts == []  # type: ignore[union-attr]
    assert current(hall, made["request"]["id"])["status"] == "OPEN"


def test_S1_4_a_no_show_before_the_start_reopens_the_request_and_blacks_out(hall: Hall, e1: str) -> None:
    """GIVEN a dispatch by internet bid on 2026-03-03 WHEN the 15:01 sweep records the no-show THEN the dispatch is
    NO_SHOW, every live registration ROLLED_OFF (NO_SHOW), a blackout 2026-03-03 … 2026-03-16 with E1, and the
    request is OPEN again with its count back to 0."""
    [m] = new_members(hall, 1)
    made = _short_call(hall, m, e1)
    hall.at(2026, 3, 3, 15, 1)
    system = ctx_for(hall.store, "system", user_id="SYSTEM")
    done = terminations.terminate(system, made["dispatch"]["id"], terminations.TerminationInput(
        terminations.RawReason.NO_SHOW, date(2026, 3, 2)))
    assert done["dispatch"]["status"] == "NO_SHOW"
    [b] = repo.referral_state(hall.store, m).blackouts  # type: ignore[union-attr]
    assert (b.start, b.first_eligible) == (date(2026, 3, 3), date(2026, 3, 17))
    q = current(hall, made["request"]["id"])
    assert (q["status"], q["positions_dispatched"], q["outcomes"]) == ("OPEN", 0, {})


def test_S5_a_repeated_termination_finishes_what_was_left_and_a_different_one_is_refused(hall: Hall,
                                                                                        e1: str) -> None:
    m20, made, others = _m20_working_on_four_books(hall, e1)
    hall.at(2026, 3, 2, 16, 0)
    ok(terminate(hall, made["dispatch"], "quit", date(2026, 3, 2)))
    again = hall.post(f"/dispatches/{made['dispatch']['id']}/terminate", "dispatcher",
                      {"version": 1, "raw_reason": "quit", "last_day_worked": "2026-03-02"})
    assert again.status == 200 and again.json["follow_up"]["rolled_off"] == []
    other = hall.post(f"/dispatches/{made['dispatch']['id']}/terminate", "dispatcher",
                      {"version": 1, "raw_reason": "rif", "last_day_worked": "2026-03-02"})
    assert other.error["code"] == "DISPATCH_NOT_OPEN"
    future = terminate(hall, _short_call(hall, new_members(hall, 1)[0], e1)["dispatch"], "rif", date(2026, 3, 9))
    assert (future.status, future.error["fields"][0]["name"]) == (400, "last_day_worked")
    assert hall.post(f"/dispatches/{made['dispatch']['id']}/terminate", "staff", {}).status == 403


def test_S7_the_termination_closes_the_dispatchs_employment_record(hall: Hall, e1: str) -> None:
    """GIVEN a dispatch WHEN terminated (laid off, rate 63.10, 64 hours) THEN its employment record ends on the last
    day with the term rate, hours, days, raw reason and classification, and the member has no current job."""
    [m] = new_members(hall, 1)
    made = _short_call(hall, m, e1)
    hall.at(2026, 3, 12, 17, 0)
    ok(terminate(hall, made["dispatch"], "laid_off", date(2026, 3, 12), end_rate="63.10", hours="64",
                 comment="phase 1 done"))
    [job] = employment_repo.of_member(hall.store, m)
    assert (job.end_date, job.end_hourly_rate, job.hours, job.working_days, job.termination_reason,
            job.classification, job.dispatch_number) == (date(2026, 3, 12), "63.10", "64", 7, "laid_off",
                                                         "SHORT_CALL_END", made["dispatch"]["number"])
    assert not job.is_current and hall.store.owner_of(employment_repo.current_job_key(m)) is None
    history = ok(hall.get(f"/members/{m}/employment", "dispatcher"))["items"]
    assert history[0]["termination_reason"] == "laid_off"


def test_S6_every_row_of_the_table_is_reached_through_the_api(hall: Hall, e1: str) -> None:
    """Rows 1, 4, 5, 6, 8 from real terminations (2, 3, 7 are AS-070, AS-068, AS-064)."""
    people = new_members(hall, 5)
    hall.at(2026, 3, 2, 9, 0)
    for p in people:
        register(hall, p)
    hall.at(2026, 3, 2, 11, 0)
    from hallkit import dispatch, open_round, request

    qs = [request(hall, e1, TUE) for _ in people]
    hall.at(2026, 3, 3, 8, 30)
    open_round(hall, "WIRE_SEA", TUE)
    ds = []
    for q, p in zip(qs, people, strict=True):
        reg = next(r for r in repo.live_of(hall.store, p) if r.book_code == "WIRE_SEA")
        ds.append(ok(dispatch(hall, q, reg.id, pass_above=True), 201)["dispatch"])
    hall.at(2026, 4, 1, 12, 0)
    cases = [("quit", date(2026, 3, 20), "1"), ("job_cancelled", date(2026, 3, 4), "4"),
             ("laid_off", date(2026, 3, 6), "5"), ("laid_off", date(2026, 3, 10), "6"),
             ("contract_end", date(2026, 3, 31), "8")]
    rows = [ok(terminate(hall, d, raw, last))["dispatch"]["terminated"]["s6_row"] for d, (raw, last, _) in
            zip(ds, cases, strict=True)]
    assert rows == [row for _, _, row in cases]


# -- corrections (S8.1) ------------------------------------------------------------------------------------


def test_S8_1_voiding_before_the_start_reverts_registration_request_and_employment(hall: Hall, e1: str) -> None:
    """GIVEN a dispatch starting Sat 2026-03-14 WHEN an officer voids it on Fri with a reason THEN the
    registration is REGISTERED with its APN at its place, the request OPEN with 0 dispatched, the employment record
    voided (no current job), the marker cleared; the same member can be dispatched again."""
    [m] = new_members(hall, 1)
    made = dispatch_one(hall, e1, m, referral=date(2026, 3, 13), received=(2026, 3, 12, 11, 0),
                        start=date(2026, 3, 14))  # a Saturday start is referred on the Friday (R3.2)
    hall.at(2026, 3, 13, 10, 0)
    short = hall.post(f"/dispatches/{made['dispatch']['id']}/void", "dispatcher",
                      {"version": 1, "reason": "typo"})
    assert (short.status, short.error["code"], short.error["fields"][0]["name"]) == (400, "REASON_TOO_SHORT",
                                                                                     "reason")
    assert hall.post(f"/dispatches/{made['dispatch']['id']}/void", "staff",
                     {"version": 1, "reason": "entered on the wrong request"}).status == 403
    done = ok(hall.post(f"/dispatches/{made['dispatch']['id']}/void", "officer",
                        {"version": 1, "reason": "entered on the wrong request"}))
    assert done["dispatch"]["status"] == "VOIDED" and done["registration"]["status"] == "REGISTERED"
    assert done["registration"]["apn"] == made["dispatch"]["apn"]
    q = current(hall, made["request"]["id"])
    assert (q["status"], q["positions_dispatched"], q["outcomes"]) == ("OPEN", 0, {})
    [job] = employment_repo.of_member(hall.store, m)
    assert job.voided_at and job.void_reason == "entered on the wrong request" and not job.is_current
    assert repo.referral_state(hall.store, m).open_dispatch_id is None  # type: ignore[union-attr]
    again = ok(hall.post(f"/rounds/WIRE_SEA/2026-03-13/requests/{q['id']}/dispatch", "dispatcher",
                         {"registration_id": made["registration_id"]}), 201)
    assert again["dispatch"]["status"] == "DISPATCHED"


def test_S8_1_after_the_start_only_an_entry_in_error_is_voided(hall: Hall, e1: str) -> None:
    [m] = new_members(hall, 1)
    made = _short_call(hall, m, e1)
    hall.at(2026, 3, 4, 10, 0)
    refused = hall.post(f"/dispatches/{made['dispatch']['id']}/void", "dispatcher",
                        {"version": 1, "reason": "employer changed their mind"})
    assert (refused.status, refused.error["code"]) == (409, "VOID_AFTER_START")
    done = ok(hall.post(f"/dispatches/{made['dispatch']['id']}/void", "dispatcher",
                        {"version": 1, "reason": "member was never at the hall", "entered_in_error": True}))
    assert done["dispatch"]["voided"]["entered_in_error"] is True
    again = hall.post(f"/dispatches/{made['dispatch']['id']}/void", "dispatcher",
                      {"version": 2, "reason": "member was never at the hall", "entered_in_error": True})
    assert again.error["code"] == "DISPATCH_NOT_OPEN"


def test_AS_091_S11_a_failed_write_during_a_roll_off_leaves_nothing_and_the_retry_succeeds_once(
        hall: Hall, e1: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the audit write fails during the roll-off of M's second book after a quit WHEN that happens THEN that
    registration's status is unchanged and it has no roll-off activity entry; the retried termination rolls it off
    exactly once."""
    from chalicelib.core.store.memory import MemoryWriteBatch

    m20, made, others = _m20_working_on_four_books(hall, e1)
    real = MemoryWriteBatch.commit
    seen = {"n": 0}

    def failing(self: MemoryWriteBatch) -> None:
        seen["n"] += 1
        if seen["n"] == 3:  # 1: the termination; 2: the first other book; 3: the second one's audit write fails
            raise RuntimeError("audit write failed")
        real(self)

    monkeypatch.setattr(MemoryWriteBatch, "commit", failing)
    hall.at(2026, 3, 2, 16, 0)
    assert terminate(hall, made["dispatch"], "quit", date(2026, 3, 2)).status == 500
    monkeypatch.setattr(MemoryWriteBatch, "commit", real)
    # The plan rolls the other books off in key order: TECHNICIAN, WIRE_BREM, WIRE_PA; the second one failed.
    tech, brem, pa = others[2], others[0], others[1]
    assert [registration(hall, r).status.value for r in (tech, brem, pa)] == ["ROLLED_OFF", "REGISTERED",
                                                                               "REGISTERED"]
    assert not [e for e in repo.member_log(hall.store, m20, 100, None).items
                if e.registration_id == brem and e.new_status == "ROLLED_OFF"]
    again = ok(hall.post(f"/dispatches/{made['dispatch']['id']}/terminate", "dispatcher",
                         {"version": 2, "raw_reason": "quit", "last_day_worked": "2026-03-02"}))
    assert again["follow_up"]["rolled_off"] == [brem, pa]
    for r in others:
        entries = [e for e in repo.member_log(hall.store, m20, 100, None).items
                   if e.registration_id == r and e.new_status == "ROLLED_OFF"]
        assert len(entries) == 1


def test_R12_5_a_quit_expires_pending_bids_and_leaves_the_others(hall: Hall, e1: str) -> None:
    """GIVEN M20 with a PENDING and a WITHDRAWN bid WHEN M20 quits THEN the pending bid is EXPIRED
    (MEMBER_ROLLED_OFF) and the withdrawn one is unchanged."""
    m20, made, others = _m20_working_on_four_books(hall, e1)
    hall.at(2026, 3, 2, 9, 0)
    qs = [ok(hall.post("/labor-requests", "dispatcher", {"employer_id": e1, "book_code": "TECHNICIAN",
                                                          "requested_start_date": "2026-03-04"}), 201)
          for _ in range(2)]
    at = hall.at(2026, 3, 2, 9, 5)
    batch = hall.store.batch()
    for q, status in zip(qs, ("PENDING", "WITHDRAWN"), strict=True):
        batch.put(Bid(request_id=q["id"], member_id=m20, registration_id=others[2], method="email_bid",
                      entered_by="staff-1", bid_at=at, status=status, created_at=at.isoformat(),
                      updated_at=at.isoformat()))
    batch.commit()
    hall.at(2026, 3, 2, 16, 0)
    ok(terminate(hall, made["dispatch"], "quit", date(2026, 3, 2)))
    statuses = [(b.status.value, b.status_reason) for q in qs for b in repo.bids_on(hall.store, q["id"])]
    assert statuses == [("EXPIRED", "MEMBER_ROLLED_OFF"), ("WITHDRAWN", None)]


def test_AS_093_only_an_officer_reinstates_with_the_original_apn(hall: Hall, e1: str) -> None:
    """GIVEN M20's TECHNICIAN registration ROLLED_OFF by a quit WHEN a dispatcher reinstates it THEN FORBIDDEN; WHEN
    an officer reinstates it with a reason THEN it is REGISTERED with the original APN and re-sign due today + 30."""
    m20, made, others = _m20_working_on_four_books(hall, e1)
    hall.at(2026, 3, 2, 16, 0)
    ok(terminate(hall, made["dispatch"], "quit", date(2026, 3, 2)))
    tech = registration(hall, others[2])
    path = f"/members/{m20}/registrations/{tech.id}/reinstate"
    hall.at(2026, 3, 5, 10, 0)
    body = {"version": tech.version, "reason": "grievance settled 2026-03-05, case 114"}
    refused = hall.post(path, "dispatcher", body)
    assert (refused.status, refused.error["code"]) == (403, "FORBIDDEN")
    assert hall.post(path, "officer", {**body, "reason": "error"}).error["code"] == "REASON_TOO_SHORT"
    back = ok(hall.post(path, "officer", body))["registration"]
    assert (back["status"], back["apn"], back["registered_at"]) == ("REGISTERED", tech.apn_text,
                                                                    tech.registered_at.isoformat().replace(
                                                                        "+00:00", "Z"))
    assert back["re_sign_due_date"] == "2026-04-04" and back["status_reason"] == "REINSTATED"
    assert tech.id in [r.id for r in repo.full_queue(hall.store, "TECHNICIAN")]
    twice = hall.post(path, "officer", {**body, "version": back["version"]})
    assert twice.error["code"] == "INVALID_TRANSITION"
