"""Terminations (referral-rules S5, S6, R6, R9, R12): working days, calendar days, classification, deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.referral.domain.termination import Classification, Outcome, RawReason, classify
from rulebook import CAL, RULES, local


def _classify(raw: RawReason, start: date, last: date, referral: date, *, counted: int = 0, under_scale: bool = False):  # type: ignore[no-untyped-def]
    return classify(raw, start=start, last_day=last, referral_date=referral, under_scale=under_scale,
                    counted_restorations=counted, cal=CAL, rules=RULES)


def test_AS_061_short_call_of_8_working_days_is_restored_and_counted() -> None:
    c = _classify(RawReason.SHORT_CALL_END, date(2026, 3, 4), date(2026, 3, 13), date(2026, 3, 3))
    assert c.working_days_worked == 8 and c.classification is Classification.SHORT_CALL_END
    assert c.outcome is Outcome.PENDING_RESTORE and c.counts_toward_limit and c.row == "6"
    assert c.rereg_deadline_at == local(2026, 3, 16, 17, 0)


def test_AS_062_R9_7_weekend_work_does_not_count_or_move_the_deadline() -> None:
    c = _classify(RawReason.SHORT_CALL_END, date(2026, 3, 4), date(2026, 3, 15), date(2026, 3, 3))
    assert c.working_days_worked == 8 and c.rereg_deadline_at == local(2026, 3, 16, 17, 0)


def test_AS_063_three_working_days_restore_uncounted_even_at_two_restorations() -> None:
    c = _classify(RawReason.SHORT_CALL_END, date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 3), counted=2)
    assert (c.working_days_worked, c.row, c.outcome, c.counts_toward_limit) == (3, "5", Outcome.PENDING_RESTORE, False)


def test_AS_064_a_third_counted_restoration_becomes_a_new_apn() -> None:
    c = _classify(RawReason.SHORT_CALL_END, date(2026, 3, 4), date(2026, 3, 9), date(2026, 3, 3), counted=2)
    assert (c.working_days_worked, c.row, c.outcome) == (4, "7", Outcome.PENDING_NEW_APN)


def test_AS_065_R9_3_the_referral_day_is_not_counted_and_eleven_days_is_a_long_call() -> None:
    ten = _classify(RawReason.LAID_OFF, date(2026, 3, 9), date(2026, 3, 23), date(2026, 3, 9))
    assert ten.working_days_worked == 10 and ten.classification is Classification.SHORT_CALL_END
    eleven = _classify(RawReason.LAID_OFF, date(2026, 3, 9), date(2026, 3, 24), date(2026, 3, 9))
    assert eleven.working_days_worked == 11 and eleven.outcome is Outcome.CLOSED and eleven.rereg_deadline_at is None


def test_AS_067_R6_2_deadline_skips_the_memorial_day_weekend() -> None:
    c = _classify(RawReason.SHORT_CALL_END, date(2026, 5, 20), date(2026, 5, 22), date(2026, 5, 19))
    assert c.rereg_deadline_at == local(2026, 5, 26, 17, 0)


def test_AS_068_R6_6_the_ninety_day_rule_is_more_than_ninety_calendar_days() -> None:
    ninety = _classify(RawReason.LAID_OFF, date(2026, 1, 7), date(2026, 4, 6), date(2026, 1, 7))
    assert ninety.calendar_days == 90 and ninety.classification is Classification.LONG_CALL_ENDED
    ninety_one = _classify(RawReason.LAID_OFF, date(2026, 1, 7), date(2026, 4, 7), date(2026, 1, 7))
    assert ninety_one.classification is Classification.NINETY_DAY_RULE
    assert ninety_one.outcome is Outcome.PENDING_NEW_APN and ninety_one.rereg_deadline_at == local(2026, 4, 8, 17, 0)


def test_AS_069_a_turnaround_restores_without_counting() -> None:
    c = _classify(RawReason.EMPLOYER_REJECTED, date(2026, 3, 4), date(2026, 3, 4), date(2026, 3, 3))
    assert (c.classification, c.outcome, c.counts_toward_limit) == (Classification.TURNAROUND,
                                                                    Outcome.PENDING_RESTORE, False)
    assert c.rereg_deadline_at == local(2026, 3, 5, 17, 0)


def test_AS_070_S6_row_2_under_scale_work_restores_for_up_to_180_days() -> None:
    c = _classify(RawReason.LAID_OFF, date(2026, 3, 4), date(2026, 5, 29), date(2026, 3, 3), under_scale=True)
    assert c.calendar_days == 87 and c.classification is Classification.UNDER_SCALE_END
    assert c.outcome is Outcome.PENDING_RESTORE and not c.counts_toward_limit


@pytest.mark.parametrize("raw,reason", [(RawReason.QUIT, "QUIT"), (RawReason.DISCHARGED, "DISCHARGED"),
                                        (RawReason.BID_REJECT_QUIT, "BID_REJECT_QUIT"),
                                        (RawReason.NO_SHOW, "NO_SHOW")])
def test_AS_073_AS_076_R12_1_penalties_roll_off_every_book(raw: RawReason, reason: str) -> None:
    c = _classify(raw, date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 2))
    assert (c.classification, c.outcome, c.roll_off_reason, c.row) == (Classification.PENALTY,
                                                                       Outcome.ROLL_OFF_ALL_BOOKS, reason, "1")


def test_S6_row_1b_a_no_show_without_quit_handling_rolls_off_this_book_only() -> None:
    rules = RULES.model_copy(update={"no_show_is_quit": False})
    c = classify(RawReason.NO_SHOW, start=date(2026, 3, 3), last_day=date(2026, 3, 2), referral_date=date(2026, 3, 3),
                 under_scale=False, counted_restorations=0, cal=CAL, rules=rules)
    assert (c.classification, c.outcome) == (Classification.NO_SHOW, Outcome.ROLL_OFF_THIS_BOOK)


def test_AS_078_a_long_call_rif_closes_the_registration() -> None:
    c = _classify(RawReason.RIF, date(2026, 1, 5), date(2026, 2, 13), date(2026, 1, 5))
    assert c.working_days_worked > 10 and c.outcome is Outcome.CLOSED and c.roll_off_reason is None


def test_S5_a_job_cancelled_before_it_started_is_zero_days() -> None:
    c = _classify(RawReason.JOB_CANCELLED, date(2026, 3, 4), date(2026, 3, 3), date(2026, 3, 3))
    assert (c.working_days_worked, c.calendar_days, c.classification) == (0, 0, Classification.TURNAROUND)
