"""Check marks (R10, S4) and bidding (R8): who is charged at round completion; the bidding window across
DST and holidays; suspensions after a second rejection."""

from __future__ import annotations

from datetime import date

from chalicelib.referral.domain.bids import add_months, suspension_until, window_problem
from chalicelib.referral.domain.checkmarks import Outcome, Walked, after_charge, charges
from rulebook import CAL, RULES, local


def _walked(n: int, tier: int, outcome: Outcome, bid: bool = False) -> Walked:
    return Walked(f"r{n}", f"m{n}", tier, outcome, bid)


def _charge(walked: list[Walked], unfilled: int, **kw: object) -> list[str]:
    args: dict[str, object] = {"generates_marks": True, "by_name": False, "emergency": False,
                               "emergency_charges": False, "unfilled": unfilled, "already_charged_today": frozenset()}
    args.update(kw)
    return [c.registration_id for c in charges(walked, **args) if not c.suppressed]  # type: ignore[arg-type]


def test_AS_053_R10_2_falling_to_tier_2_charges_the_tier_1_passers_only() -> None:
    tier1 = [_walked(n, 1, Outcome.PASSED) for n in range(1, 38)]
    skipped = [_walked(38, 1, Outcome.SKIPPED), _walked(39, 1, Outcome.SKIPPED), _walked(40, 1, Outcome.SKIPPED)]
    tier2 = [_walked(41, 2, Outcome.DISPATCHED_IN_PERSON), _walked(42, 2, Outcome.NOT_REACHED)]
    charged = _charge(tier1 + skipped + tier2, unfilled=0)
    assert charged == [f"r{n}" for n in range(1, 38)]


def test_AS_045_filled_entirely_from_tier_1_charges_nobody() -> None:
    walked = [_walked(1, 1, Outcome.PASSED), _walked(2, 1, Outcome.PASSED), _walked(3, 1, Outcome.DISPATCHED_BID, True),
              _walked(7, 1, Outcome.DISPATCHED_BID, True), _walked(12, 1, Outcome.NOT_REACHED, True)]
    assert _charge(walked, unfilled=0) == []


def test_AS_054_unfilled_positions_charge_every_passer_in_every_tier() -> None:
    walked = [_walked(1, 1, Outcome.PASSED), _walked(2, 1, Outcome.EMPLOYER_REJECTED), _walked(3, 1, Outcome.PASSED),
              _walked(4, 1, Outcome.DISPATCHED_IN_PERSON), _walked(5, 2, Outcome.PASSED), _walked(6, 3, Outcome.PASSED)]
    assert _charge(walked, unfilled=2) == ["r1", "r3", "r5", "r6"]


def test_AS_056_R10_3_one_mark_per_registration_per_day() -> None:
    walked = [_walked(31, 1, Outcome.PASSED), _walked(41, 2, Outcome.DISPATCHED_IN_PERSON)]
    result = charges(walked, generates_marks=True, by_name=False, emergency=False, emergency_charges=False,
                     unfilled=0, already_charged_today=frozenset({"r31"}))
    assert [(c.registration_id, c.suppressed) for c in result] == [("r31", True)]


def test_AS_058_AS_060_R10_5_no_mark_requests_by_name_and_emergencies_charge_nobody() -> None:
    walked = [_walked(1, 1, Outcome.PASSED), _walked(2, 2, Outcome.DISPATCHED_IN_PERSON)]
    assert _charge(walked, unfilled=0, generates_marks=False) == []
    assert _charge(walked, unfilled=0, by_name=True) == []
    assert _charge(walked, unfilled=0, emergency=True) == []
    assert _charge(walked, unfilled=0, emergency=True, emergency_charges=True) == ["r1"]


def test_R10_5_bidders_skipped_and_rejected_candidates_are_never_charged() -> None:
    walked = [_walked(1, 1, Outcome.PASSED, bid=True), _walked(2, 1, Outcome.SKIPPED),
              _walked(3, 1, Outcome.EMPLOYER_REJECTED), _walked(4, 1, Outcome.PASSED)]
    assert _charge(walked, unfilled=1) == ["r4"]


def test_AS_057_R10_4_the_third_mark_rolls_off() -> None:
    assert after_charge(1, 2) == (2, False) and after_charge(2, 2) == (3, True)


def test_AS_040_R8_2_the_window_is_minute_inclusive() -> None:
    ref = date(2026, 3, 3)
    assert window_problem(local(2026, 3, 2, 17, 29, 59), ref, CAL, RULES) == "WINDOW_NOT_OPEN"
    assert window_problem(local(2026, 3, 2, 17, 30, 0), ref, CAL, RULES) is None
    assert window_problem(local(2026, 3, 3, 7, 0, 59), ref, CAL, RULES) is None
    assert window_problem(local(2026, 3, 3, 7, 1, 0), ref, CAL, RULES) == "WINDOW_CLOSED"


def test_AS_041_the_window_spans_the_dst_change_in_local_time() -> None:
    from datetime import UTC, datetime

    ref = date(2026, 3, 9)
    assert CAL.at(date(2026, 3, 6), RULES.bidding_open_time).astimezone(UTC) == datetime(2026, 3, 7, 1, 30, tzinfo=UTC)
    assert CAL.at(ref, RULES.bidding_close_time).astimezone(UTC) == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert window_problem(local(2026, 3, 8, 20, 0), ref, CAL, RULES) is None


def test_AS_042_the_window_opens_the_working_day_before_a_holiday_weekend() -> None:
    ref = date(2026, 5, 26)
    assert window_problem(local(2026, 5, 22, 17, 30), ref, CAL, RULES) is None
    assert window_problem(local(2026, 5, 25, 12, 0), ref, CAL, RULES) is None


def test_AS_050_R8_10_a_second_rejection_within_twelve_months_suspends_for_twelve() -> None:
    first = [date(2026, 3, 3)]
    assert suspension_until(first, date(2027, 2, 15), RULES) == date(2028, 2, 15)
    assert suspension_until(first, date(2027, 4, 12), RULES) is None
    assert suspension_until(first, date(2027, 3, 3), RULES) == date(2028, 3, 3)  # the anniversary is inside


def test_R8_10_calendar_months_clamp_to_the_month_end() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
