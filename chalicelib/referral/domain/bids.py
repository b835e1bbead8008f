"""Internet and e-mail bidding (referral-rules R8): the window, who may bid, suspensions after rejections."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from chalicelib.referral.domain.calendar import Calendar
from chalicelib.referral.domain.registration import Refused
from chalicelib.referral.domain.rules import LocalRules


class BidStatus(StrEnum):
    PENDING = "PENDING"
    WITHDRAWN = "WITHDRAWN"
    ACCEPTED = "ACCEPTED"
    NOT_SELECTED = "NOT_SELECTED"
    EXPIRED = "EXPIRED"
    REJECTED_BY_MEMBER = "REJECTED_BY_MEMBER"


def window_problem(at: datetime, referral_date: date, cal: Calendar, rules: LocalRules) -> str | None:
    """R8.2: from 17:30 on previous_working_day(referral date) to 07:00 on the referral date, minute-inclusive."""
    opens_day = cal.previous_working_day(referral_date)
    if not cal.from_(at, opens_day, rules.bidding_open_time):
        return "WINDOW_NOT_OPEN"
    if not cal.by(at, referral_date, rules.bidding_close_time):
        return "WINDOW_CLOSED"
    return None


def check_window(at: datetime, referral_date: date, cal: Calendar, rules: LocalRules) -> None:
    problem = window_problem(at, referral_date, cal, rules)
    if problem == "WINDOW_NOT_OPEN":
        raise Refused(problem, "Bidding on this request has not opened yet.")
    if problem == "WINDOW_CLOSED":
        raise Refused(problem, "Bidding on this request has closed.")


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's last day (Feb 29 + 12 months = Feb 28)."""
    import calendar

    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def suspension_until(earlier_infractions: list[date], new_infraction: date, rules: LocalRules) -> date | None:
    """R8.10: an earlier infraction dated within the preceding `bid_reject_window_months` calendar months,
    the anniversary date included, suspends bidding from the new infraction's date until that date +
    `bid_suspension_months`; bidding is allowed again from that date (AS-050)."""
    window_start = add_months(new_infraction, -rules.bid_reject_window_months)
    if any(window_start <= d <= new_infraction for d in earlier_infractions):
        return add_months(new_infraction, rules.bid_suspension_months)
    return None


def is_suspended(suspended_until: date | None, on: date) -> bool:
    return suspended_until is not None and on < suspended_until
