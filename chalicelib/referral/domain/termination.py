"""Termination entry and classification (referral-rules S5, S6, R6, R9, R12): what the end of a dispatch does
to the registration it came from. First matching row of S6 wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from enum import StrEnum

from chalicelib.referral.domain.calendar import Calendar
from chalicelib.referral.domain.exemptions import due_after_exemption
from chalicelib.referral.domain.registration import Registration
from chalicelib.referral.domain.rules import LocalRules


class RawReason(StrEnum):
    QUIT = "quit"
    DISCHARGED = "discharged"
    LAID_OFF = "laid_off"
    RIF = "rif"
    SHORT_CALL_END = "short_call_end"
    CONTRACT_END = "contract_end"
    EMPLOYER_REJECTED = "employer_rejected"
    JOB_CANCELLED = "job_cancelled"
    OTHER = "other"
    NO_SHOW = "NO_SHOW"  # system
    BID_REJECT_QUIT = "BID_REJECT_QUIT"  # system


class Classification(StrEnum):
    PENALTY = "PENALTY"
    NO_SHOW = "NO_SHOW"
    UNDER_SCALE_END = "UNDER_SCALE_END"
    NINETY_DAY_RULE = "NINETY_DAY_RULE"
    TURNAROUND = "TURNAROUND"
    SHORT_CALL_END = "SHORT_CALL_END"
    LONG_CALL_ENDED = "LONG_CALL_ENDED"


class Outcome(StrEnum):
    ROLL_OFF_ALL_BOOKS = "ROLL_OFF_ALL_BOOKS"  # R12: every live registration, blackout
    ROLL_OFF_THIS_BOOK = "ROLL_OFF_THIS_BOOK"  # S6 row 1b
    PENDING_RESTORE = "PENDING_RESTORE"  # re-registration restores the original APN
    PENDING_NEW_APN = "PENDING_NEW_APN"  # re-registration creates a new APN
    CLOSED = "CLOSED"  # long call ended: no re-registration


@dataclass(frozen=True)
class Classified:
    classification: Classification
    outcome: Outcome
    row: str  # the S6 row that matched ("1", "1b", "2" … "8")
    working_days_worked: int
    calendar_days: int
    counts_toward_limit: bool  # row 6: +1 counted restoration when restored on time
    rereg_deadline_at: datetime | None
    roll_off_reason: str | None = None


def working_days_worked(start: date, last_day: date, referral_date: date, cal: Calendar) -> int:
    """R9.3: working days from the dispatch start through the last day worked, excluding the referral date;
    weekend and holiday work is not counted. A last day before the start (cancelled job) is 0."""
    if last_day < start:
        return 0
    days = cal.working_days_between(start, last_day)
    if start <= referral_date <= last_day and cal.is_working_day(referral_date):
        days -= 1
    return max(0, days)


def calendar_days(start: date, last_day: date) -> int:
    """S5: start date through last day worked inclusive; 0 if never started."""
    return 0 if last_day < start else (last_day - start).days + 1


def rereg_deadline(last_day: date, cal: Calendar, rules: LocalRules) -> datetime:
    """R6.2: end of working day (17:00) on next_working_day(last day worked)."""
    return cal.at(cal.next_working_day(last_day), rules.end_of_working_day_time)


_PENALTY_REASONS = {
    RawReason.QUIT: "QUIT",
    RawReason.DISCHARGED: "DISCHARGED",
    RawReason.BID_REJECT_QUIT: "BID_REJECT_QUIT",
}


def classify(
    raw: RawReason,
    *,
    start: date,
    last_day: date,
    referral_date: date,
    under_scale: bool,
    counted_restorations: int,
    cal: Calendar,
    rules: LocalRules,
) -> Classified:
    """S6, first matching row wins."""
    wd = working_days_worked(start, last_day, referral_date, cal)
    cd = calendar_days(start, last_day)
    deadline = rereg_deadline(last_day, cal, rules)

    def pending(cls: Classification, outcome: Outcome, row: str, counts: bool = False) -> Classified:
        return Classified(cls, outcome, row, wd, cd, counts, deadline)

    if raw in _PENALTY_REASONS or (raw is RawReason.NO_SHOW and rules.no_show_is_quit):
        reason = _PENALTY_REASONS.get(raw, "NO_SHOW")
        return Classified(Classification.PENALTY, Outcome.ROLL_OFF_ALL_BOOKS, "1", wd, cd, False, None, reason)
    if raw is RawReason.NO_SHOW:
        return Classified(Classification.NO_SHOW, Outcome.ROLL_OFF_THIS_BOOK, "1b", wd, cd, False, None, "NO_SHOW")
    if under_scale and cd <= rules.time_limited_exemption_max_days:
        return pending(Classification.UNDER_SCALE_END, Outcome.PENDING_RESTORE, "2")
    if cd > rules.ninety_day_rule_days:
        return pending(Classification.NINETY_DAY_RULE, Outcome.PENDING_NEW_APN, "3")
    if raw in (RawReason.EMPLOYER_REJECTED, RawReason.JOB_CANCELLED) and wd <= rules.turnaround_max_working_days:
        return pending(Classification.TURNAROUND, Outcome.PENDING_RESTORE, "4")
    if wd <= rules.short_call_uncounted_max_working_days:
        return pending(Classification.SHORT_CALL_END, Outcome.PENDING_RESTORE, "5")
    if wd <= rules.short_call_max_working_days:
        if counted_restorations < rules.short_call_max_counted_restorations:
            return pending(Classification.SHORT_CALL_END, Outcome.PENDING_RESTORE, "6", counts=True)
        return pending(Classification.SHORT_CALL_END, Outcome.PENDING_NEW_APN, "7")
    return Classified(Classification.LONG_CALL_ENDED, Outcome.CLOSED, "8", wd, cd, False, None)


# -- what a classified termination does (S6 → the registration, R6, R12, S1.4) ------------------------------

RESTORE = "RESTORE"
RESTORE_COUNTED = "RESTORE_COUNTED"  # S6 row 6: +1 counted restoration when restored on time (R9.5)
NEW_APN = "NEW_APN"


def rereg_outcome(c: Classified) -> str | None:
    """The `rereg_outcome` a PENDING_REREGISTRATION registration carries until the member reports back (R6.3)."""
    if c.outcome is Outcome.PENDING_RESTORE:
        return RESTORE_COUNTED if c.counts_toward_limit else RESTORE
    if c.outcome is Outcome.PENDING_NEW_APN:
        return NEW_APN
    return None


def ended_dispatch_status(raw: RawReason) -> str:
    """§8.4: a no-show ends NO_SHOW, a rejection after an accepted bid REJECTED, anything else TERMINATED."""
    if raw is RawReason.NO_SHOW:
        return "NO_SHOW"
    if raw is RawReason.BID_REJECT_QUIT:
        return "REJECTED"
    return "TERMINATED"


def reopens_request(end_status: str, today: date, start_date: date) -> bool:
    """S1.4: a dispatch that ends REJECTED, NO_SHOW or VOIDED before the job starts gives its position back.
    The start day itself counts as before: the member never started work."""
    return end_status in ("REJECTED", "NO_SHOW", "VOIDED") and today <= start_date


def blackout_window(event_day: date, rules: LocalRules) -> tuple[date, date]:
    """R12.2: blocked from the event date through event + blackout_days − 1; eligible again on event +
    blackout_days (quit 2026-03-02 → blocked 03-02 … 03-15, eligible 03-16)."""
    return event_day, event_day + timedelta(days=rules.blackout_days)


def on_time(received_at: datetime, deadline: datetime) -> bool:
    """R6.3, §2.1.3: a re-registration counts when received by the deadline, minute-inclusive (17:00:59 is in
    time for a 17:00 deadline, 17:01:00 is not)."""
    return received_at.replace(second=0, microsecond=0) <= deadline


def void_problem(status: str, start_date: date, today: date, entered_in_error: bool) -> tuple[str, str] | None:
    """S8.1: a dispatch may be voided while DISPATCHED or CHECKED_IN (§8.4), only before its start date or when
    it was entered in error. (code, message) of the refusal, or None."""
    if status not in ("DISPATCHED", "CHECKED_IN"):
        return "DISPATCH_NOT_OPEN", f"A {status.lower()} dispatch cannot be voided."
    if today >= start_date and not entered_in_error:
        return (
            "VOID_AFTER_START",
            "The job has started: a dispatch is voided after its start date only when it was entered in error.",
        )
    return None


def end_dispatch_exemptions(
    reg: Registration, dispatch_id: str, last_day: date, rules: LocalRules, grace_days: int
) -> dict[str, Any] | None:
    """R14.6, R7.8: the under-scale exemptions a dispatch put on the member's other books end with it — on the
    last day worked, or their own earlier end — and the re-sign due date moves to the first free day +
    post_exemption_resign_days unless it is already later. The field updates, or None when nothing changes."""
    ended = []
    out = []
    for e in reg.exemptions:
        if e.dispatch_id == dispatch_id and e.status == "ACTIVE":
            end = max(e.start, min(e.end, last_day))
            ended.append(end)
            out.append(e.model_copy(update={"end": end, "status": "ENDED"}))
        else:
            out.append(e)
    if not ended:
        return None
    due = due_after_exemption(max(ended) + timedelta(days=1), reg.re_sign_due_date, rules)
    return {"exemptions": out, "re_sign_due_date": due, "grace_end_date": due + timedelta(days=grace_days)}
