"""What follows a dispatch, as pure rules (referral-rules R9.8, R12.2, R6.3, S1.4, S8.1, R14.6 with R7.8)."""

from __future__ import annotations

from datetime import UTC, date

from chalicelib.referral.domain.duties import overdue_short_calls
from chalicelib.referral.domain.records import Dispatch, DispatchStatus, Method
from chalicelib.referral.domain.registration import Exemption
from chalicelib.referral.domain.termination import (
    blackout_window,
    end_dispatch_exemptions,
    on_time,
    reopens_request,
    void_problem,
)
from rulebook import CAL, RULES, local, reg


def _dispatch(start: date, referral: date, *, short: bool = True, status: DispatchStatus = DispatchStatus.WORKING):
    at = local(2026, 3, 3, 8, 40).astimezone(UTC)
    return Dispatch(id="d1", number="DSP20260303-0001", request_id="q", request_number="REQ", registration_id="r",
                    member_id="m", employer_id="E1", employer_name="E", book_code="WIRE_SEA", tier=1, apn="46083.01",
                    queue_position=1, method=Method.MORNING_REFERRAL, referral_date=referral, start_date=start,
                    agreement_type="STANDARD", short_call=short, status=status, decision_id="x", employment_id="j",
                    dispatched_at=at, dispatched_by="d", rule_set_version="rules-1", created_at="t", updated_at="t")


def test_R9_8_an_open_short_call_past_ten_working_days_is_flagged() -> None:
    """Referred and started Tue 2026-03-03: through Tue 03-17 it has worked 10 days (03-03 not counted), so the run
    of 03-18 flags nothing and the run of 03-19 (11 days through 03-18) flags it; long calls and ended ones never."""
    d = _dispatch(date(2026, 3, 3), date(2026, 3, 3))
    assert overdue_short_calls([d], date(2026, 3, 18), CAL, RULES) == []
    [flag] = overdue_short_calls([d], date(2026, 3, 19), CAL, RULES)
    assert (flag.duty, flag.target_id, flag.detail) == ("N9", "d1", {"flag": "OVERDUE_SHORT_CALL",
                                                                    "working_days": "11"})
    assert overdue_short_calls([_dispatch(date(2026, 3, 3), date(2026, 3, 3), short=False)], date(2026, 4, 1), CAL,
                               RULES) == []
    ended = _dispatch(date(2026, 3, 3), date(2026, 3, 3), status=DispatchStatus.TERMINATED)
    assert overdue_short_calls([ended], date(2026, 4, 1), CAL, RULES) == []


def test_R12_2_the_window_is_the_event_day_and_thirteen_more() -> None:
    assert blackout_window(date(2026, 3, 2), RULES) == (date(2026, 3, 2), date(2026, 3, 16))
    assert blackout_window(date(2026, 3, 2), RULES.model_copy(update={"blackout_days": 7}))[1] == date(2026, 3, 9)


def test_R6_3_timeliness_is_minute_inclusive() -> None:
    deadline = local(2026, 3, 16, 17, 0)
    assert on_time(local(2026, 3, 16, 17, 0, 59), deadline) and not on_time(local(2026, 3, 16, 17, 1), deadline)


def test_S1_4_only_rejected_no_show_and_voided_dispatches_before_the_start_give_the_position_back() -> None:
    start = date(2026, 3, 4)
    assert reopens_request("NO_SHOW", date(2026, 3, 3), start) and reopens_request("VOIDED", start, start)
    assert not reopens_request("REJECTED", date(2026, 3, 5), start)
    assert not reopens_request("TERMINATED", date(2026, 3, 3), start)


def test_S8_1_void_rules() -> None:
    start = date(2026, 3, 4)
    assert void_problem("DISPATCHED", start, date(2026, 3, 3), False) is None
    assert void_problem("CHECKED_IN", start, date(2026, 3, 4), False)[0] == "VOID_AFTER_START"  # type: ignore[index]
    assert void_problem("WORKING", start, date(2026, 3, 4), True)[0] == "DISPATCH_NOT_OPEN"  # type: ignore[index]
    assert void_problem("DISPATCHED", start, date(2026, 3, 9), True) is None


def test_S6_row_2_a_dispatchs_under_scale_exemptions_end_with_it_and_the_due_date_follows_R7_8() -> None:
    r = reg(40, book="WIRE_BREM", at=local(2026, 3, 2, 9)).model_copy(update={"exemptions": [
        Exemption(id="x1", reason="under_scale", start=date(2026, 3, 4), end=date(2026, 8, 31), dispatch_id="d1"),
        Exemption(id="x2", reason="medical", start=date(2026, 3, 1), end=date(2026, 3, 2))]})
    update = end_dispatch_exemptions(r, "d1", date(2026, 5, 29), RULES, 3)
    assert update is not None
    assert [(e.id, e.status, e.end) for e in update["exemptions"]] == [("x1", "ENDED", date(2026, 5, 29)),
                                                                       ("x2", "ACTIVE", date(2026, 3, 2))]
    assert (update["re_sign_due_date"], update["grace_end_date"]) == (date(2026, 6, 6), date(2026, 6, 9))
    assert end_dispatch_exemptions(r, "other", date(2026, 5, 29), RULES, 3) is None
