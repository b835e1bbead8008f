"""Scheduled enforcement (referral-rules §9): which records each nightly duty acts on for run date R. Pure
selections: the job applies them one transaction per record with a state precondition, so a second run for the
same R finds nothing left to do (idempotent) and a run that died halfway completes on the next."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.referral.domain.calendar import Calendar
from chalicelib.referral.domain.records import Dispatch
from chalicelib.referral.domain.registration import Registration, RegStatus
from chalicelib.referral.domain.requests import LaborRequest
from chalicelib.referral.domain.rules import LocalRules

ORDER = ("N7", "N1", "N2", "N3", "N4", "N5", "N6", "N8", "N9", "N10", "N11", "N12", "N13")


@dataclass(frozen=True)
class DutyAction:
    duty: str
    target_id: str  # registration, request, exemption, member …
    action: str
    detail: dict[str, str]

    @property
    def key(self) -> str:
        """§9.2: (duty, R, target) — the caller prefixes R."""
        return f"{self.duty}#{self.target_id}#{self.action}"


def ended_exemptions(regs: Iterable[Registration], run: date) -> list[DutyAction]:
    """N1: active exemptions whose end date < R end (status ENDED; re-sign due per R7.8)."""
    out = []
    for r in regs:
        for e in r.exemptions:
            if e.status == "ACTIVE" and e.end < run:
                out.append(DutyAction("N1", r.id, "END_EXEMPTION", {"exemption_id": e.id, "end": e.end.isoformat()}))
    return out


def missed_reregistrations(regs: Iterable[Registration], run_start: datetime) -> list[DutyAction]:
    """N2: PENDING_REREGISTRATION with deadline before the start of R: the member rolls off every book."""
    members = sorted(
        {
            r.member_id
            for r in regs
            if r.status is RegStatus.PENDING_REREGISTRATION
            and r.rereg_deadline_at is not None
            and r.rereg_deadline_at < run_start
        }
    )
    return [DutyAction("N2", m, "ROLL_OFF_MEMBER", {"reason": "MISSED_REREGISTRATION"}) for m in members]


def failed_re_signs(regs: Iterable[Registration], run: date) -> list[DutyAction]:
    """N3 / R7.5: REGISTERED, not exempt on R, grace end before R."""
    return [
        DutyAction("N3", r.id, "ROLL_OFF", {"reason": "FAILED_RE_SIGN"})
        for r in regs
        if r.status is RegStatus.REGISTERED and r.grace_end_date < run and r.exemption_on(run) is None
    ]


def re_sign_reminders(
    regs: Iterable[Registration], run: date, rules: LocalRules, already_sent: frozenset[str]
) -> list[DutyAction]:
    """N4 / R7.7: one reminder per (registration, due date, offset) once R ≥ due − offset, while R ≤ grace end."""
    out = []
    for r in regs:
        if r.status is not RegStatus.REGISTERED or r.exemption_on(run) is not None or run > r.grace_end_date:
            continue
        for offset in rules.re_sign_reminder_offsets_days:
            key = f"{r.id}#{r.re_sign_due_date.isoformat()}#{offset}"
            if run >= r.re_sign_due_date - timedelta(days=offset) and key not in already_sent:
                out.append(
                    DutyAction(
                        "N4",
                        r.id,
                        "REMIND",
                        {"due": r.re_sign_due_date.isoformat(), "offset": str(offset), "reminder_key": key},
                    )
                )
    return out


def expired_requests(requests: Iterable[LaborRequest], run: date) -> list[DutyAction]:
    """N5: OPEN/PARTIALLY_FILLED with effective start date before R → EXPIRED."""
    return [DutyAction("N5", q.id, "EXPIRE", {}) for q in requests if q.is_open and q.effective_start_date < run]


def max_days(regs: Iterable[Registration], run: date, max_days_on_book: int | None, cal: Calendar) -> list[DutyAction]:
    """N12 (only if the book sets max_days_on_book): R − registered date > the limit."""
    if max_days_on_book is None:
        return []
    return [
        DutyAction("N12", r.id, "ROLL_OFF", {"reason": "EXPIRED_MAX_DAYS"})
        for r in regs
        if r.status is RegStatus.REGISTERED and (run - cal.local_date(r.registered_at)).days > max_days_on_book
    ]


def integrity_problems(regs: Iterable[Registration], max_marks: dict[str, int]) -> list[str]:
    """N13: live registrations with count > max, two live rows for one (member, book), a member with two
    registrations DISPATCHED at once. Alert; never auto-fix."""
    problems = []
    live: dict[tuple[str, str], int] = {}
    dispatched: dict[str, int] = {}
    for r in regs:
        if not r.is_live:
            continue
        if r.check_mark_count > max_marks.get(r.book_code, 2):
            problems.append(f"{r.id}: {r.check_mark_count} check marks on a live registration")
        live[(r.member_id, r.book_code)] = live.get((r.member_id, r.book_code), 0) + 1
        if r.status is RegStatus.DISPATCHED:
            dispatched[r.member_id] = dispatched.get(r.member_id, 0) + 1
    problems += [f"member {m} has {n} live registrations on {b}" for (m, b), n in live.items() if n > 1]
    problems += [f"member {m} is dispatched from {n} registrations" for m, n in dispatched.items() if n > 1]
    return problems


def overdue_short_calls(
    dispatches: Iterable[Dispatch], run: date, cal: Calendar, rules: LocalRules
) -> list[DutyAction]:
    """N9 / R9.8: open short-call dispatches that have passed short_call_max_working_days (10) working days —
    counted as R9.3 counts them, through the day before R — are flagged OVERDUE_SHORT_CALL (their termination
    will classify as a long call)."""
    from chalicelib.referral.domain.termination import working_days_worked

    out = []
    for d in dispatches:
        if not (d.is_open and d.short_call):
            continue
        worked = working_days_worked(d.start_date, run - timedelta(days=1), d.referral_date, cal)
        if worked > rules.short_call_max_working_days:
            out.append(DutyAction("N9", d.id, "FLAG", {"flag": "OVERDUE_SHORT_CALL", "working_days": str(worked)}))
    return out
