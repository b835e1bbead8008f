"""Cutoff, referral date, bidding window, short calls and no-mark flags (referral-rules R1, R3, R8.2, R9, R11)."""

from __future__ import annotations

from datetime import date, time

import pytest

from chalicelib.referral.domain.calendar import excel_serial, from_excel_serial
from chalicelib.referral.domain.registration import Refused
from chalicelib.referral.domain.requests import (
    NoMarkReason,
    dispatch_number,
    is_short_call,
    no_mark_reasons,
    request_number,
    schedule,
    suggested_flags,
)
from rulebook import CAL, RULES, local


def test_R1_3_working_days_skip_weekends_and_holidays() -> None:
    assert CAL.next_working_day(date(2026, 5, 22)) == date(2026, 5, 26)  # Mon 05-25 is a holiday
    assert CAL.previous_working_day(date(2026, 5, 26)) == date(2026, 5, 22)
    assert not CAL.is_working_day(date(2026, 3, 7)) and CAL.is_working_day(date(2026, 3, 9))


def test_AS_024_cutoff_is_minute_inclusive() -> None:
    """§2.1.3, R3.1: 15:00:59 meets the 15:00 cutoff; 15:01:00 does not."""
    start = date(2026, 3, 2)
    assert schedule(local(2026, 3, 2, 15, 0, 59), start, CAL, RULES).referral_date == date(2026, 3, 3)
    assert schedule(local(2026, 3, 2, 15, 1, 0), start, CAL, RULES).referral_date == date(2026, 3, 4)


def test_AS_025_a_holiday_moves_the_referral_date() -> None:
    start = date(2026, 5, 22)
    assert schedule(local(2026, 5, 22, 15, 0), start, CAL, RULES).referral_date == date(2026, 5, 26)
    assert schedule(local(2026, 5, 22, 15, 1), start, CAL, RULES).referral_date == date(2026, 5, 27)


def test_AS_026_weekend_receipt() -> None:
    assert schedule(local(2026, 3, 6, 14, 59), date(2026, 3, 6), CAL, RULES).referral_date == date(2026, 3, 9)
    assert schedule(local(2026, 3, 7, 9, 0), date(2026, 3, 7), CAL, RULES).referral_date == date(2026, 3, 10)


def test_AS_027_received_on_a_holiday() -> None:
    assert schedule(local(2026, 5, 25, 10, 0), date(2026, 5, 25), CAL, RULES).referral_date == date(2026, 5, 27)


def test_AS_028_R3_2_a_too_early_start_is_shifted_and_flagged() -> None:
    s = schedule(local(2026, 3, 2, 16, 0), date(2026, 3, 3), CAL, RULES)
    assert s.referral_date == s.effective_start_date == date(2026, 3, 4) and s.start_shifted


def test_AS_029_R3_3_later_start_sets_the_referral_date_and_the_bidding_window() -> None:
    s = schedule(local(2026, 3, 2, 10, 0), date(2026, 3, 16), CAL, RULES)
    assert s.referral_date == date(2026, 3, 16) and not s.start_shifted
    assert s.bidding_opens_at == local(2026, 3, 13, 17, 30) and s.bidding_closes_at == local(2026, 3, 16, 7, 0)
    sat = schedule(local(2026, 3, 2, 10, 0), date(2026, 3, 14), CAL, RULES)
    assert sat.referral_date == date(2026, 3, 13) and sat.effective_start_date == date(2026, 3, 14)


def test_AS_032_R3_4_an_emergency_is_referred_the_day_it_is_received() -> None:
    s = schedule(local(2026, 3, 4, 11, 15), date(2026, 3, 4), CAL, RULES, emergency=True)
    assert s.referral_date == date(2026, 3, 4)


def test_AS_033_R3_6_a_referral_date_before_the_cutoff_allows_is_refused() -> None:
    with pytest.raises(Refused) as err:
        schedule(local(2026, 3, 2, 16, 0), date(2026, 3, 3), CAL, RULES, referral_date=date(2026, 3, 3))
    assert err.value.code == "BEFORE_CUTOFF_DATE" and err.value.field == "referral_date"
    later = schedule(local(2026, 3, 2, 16, 0), date(2026, 3, 3), CAL, RULES, referral_date=date(2026, 3, 6))
    assert later.referral_date == date(2026, 3, 6)


def test_R3_7_and_S2_4_request_and_dispatch_numbers() -> None:
    assert request_number(date(2026, 3, 2), 7) == "REQ20260302-0007"
    assert dispatch_number(date(2026, 3, 3), 12) == "DSP20260303-0012"


def test_AS_036_R9_1_ten_working_days_is_a_short_call_eleven_is_not() -> None:
    assert is_short_call(10, RULES) and not is_short_call(11, RULES) and not is_short_call(None, RULES)
    assert no_mark_reasons(short_call=True, start_time=None, contract_code=None, dispatcher_flags=frozenset(),
                           rules=RULES) == {NoMarkReason.SHORT_CALL}


def test_AS_037_R11_an_early_start_generates_no_marks_but_six_oclock_does() -> None:
    def reasons(t: time) -> frozenset[NoMarkReason]:
        return no_mark_reasons(short_call=False, start_time=t, contract_code=None, dispatcher_flags=frozenset(),
                               rules=RULES)

    assert reasons(time(5, 30)) == {NoMarkReason.EARLY_START} and reasons(time(6, 0)) == frozenset()


def test_AS_038_R11_market_recovery_is_under_scale() -> None:
    assert no_mark_reasons(short_call=False, start_time=time(7, 0), contract_code="MARKET RECOVERY",
                           dispatcher_flags=frozenset(), rules=RULES) == {NoMarkReason.UNDER_SCALE}


def test_AS_039_R11_keywords_only_suggest_a_flag() -> None:
    assert suggested_flags("MOU jobsite, hard hat") == {NoMarkReason.MOU_JOBSITE}
    assert no_mark_reasons(short_call=False, start_time=time(7, 0), contract_code="WIREPERSON",
                           dispatcher_flags=frozenset(), rules=RULES) == frozenset()
    assert no_mark_reasons(short_call=False, start_time=time(7, 0), contract_code="WIREPERSON",
                           dispatcher_flags=frozenset({NoMarkReason.MOU_JOBSITE}), rules=RULES) == {
        NoMarkReason.MOU_JOBSITE}


def test_4_3_1_excel_serials() -> None:
    """§12.0: 2026-03-02 = 46083, 03-03 = 46084, 03-09 = 46090, 03-10 = 46091, 03-17 = 46098, 04-08 = 46120."""
    pairs = {date(2026, 3, 2): 46083, date(2026, 3, 3): 46084, date(2026, 3, 9): 46090, date(2026, 3, 10): 46091,
             date(2026, 3, 17): 46098, date(2026, 4, 8): 46120, date(2025, 8, 11): 45880, date(2012, 2, 27): 40966}
    for day, serial in pairs.items():
        assert excel_serial(day) == serial and from_excel_serial(serial) == day
