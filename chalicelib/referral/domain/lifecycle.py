"""A registration's life after it is made (referral-rules R7, §3.5.4, S8.3, R10.6): re-sign, tier change, manual
roll-off and check-mark restoration as pure rules. Each returns the field changes (or the successor row) that the
use case stages through the one write path (service/changes.py), or refuses with the rulebook's code."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from chalicelib.referral.domain.books import Book
from chalicelib.referral.domain.calendar import Calendar
from chalicelib.referral.domain.records import CheckMark
from chalicelib.referral.domain.registration import ApnSource, Refused, Registration, RegStatus, re_sign_dates
from chalicelib.referral.domain.rules import ResignScope

MIN_REASON = 10  # S8.2, S8.3, R10.6: "a reason of at least 10 characters"


def reason_of(text: str | None, minimum: int = MIN_REASON) -> str:
    """The reason, trimmed, or `REASON_TOO_SHORT` naming the field."""
    value = (text or "").strip()
    if len(value) < minimum:
        raise Refused("REASON_TOO_SHORT", f"Give a reason of at least {minimum} characters.", "reason")
    return value


def re_signed(reg: Registration, at: datetime, cal: Calendar, book: Book) -> dict[str, Any]:
    """R7.3: accepted only while REGISTERED (`NOT_REGISTERED`) and when the local date of the re-sign is at most
    the grace end (`GRACE_EXPIRED`); early re-signs at any time. R7.4 (R7.1): last re-sign = that instant, due =
    its local date + re_sign_days, grace end = due + grace_period_days; APN, tier and position unchanged."""
    if reg.status is not RegStatus.REGISTERED:
        raise Refused("NOT_REGISTERED", f"A {reg.status.value.lower()} registration cannot be re-signed.")
    day = cal.local_date(at)
    if day > reg.grace_end_date:
        raise Refused(
            "GRACE_EXPIRED",
            f"The grace period ended on {reg.grace_end_date.isoformat()}; the registration can no longer be re-signed.",
        )
    return clock_reset(at, cal, book)


def clock_reset(at: datetime, cal: Calendar, book: Book) -> dict[str, Any]:
    """R7.1 from `at`: what a re-sign sets, and what a restoration or re-registration sets (R7.6, R9.6)."""
    due, grace = re_sign_dates(cal.local_date(at), book.re_sign_days, book.grace_period_days)
    return {"last_re_sign_at": at, "re_sign_due_date": due, "grace_end_date": grace}


def failed_re_sign_roll_offs(
    regs: Iterable[Registration], run: date, scope: ResignScope
) -> list[tuple[Registration, str]]:
    """R7.5 (duty N3) with its scope: every REGISTERED registration whose grace ended before run date R and that
    no active exemption covers on R rolls off `FAILED_RE_SIGN`; with `missed_resign_scope = ALL_BOOKS` so does
    every other REGISTERED registration of that member (each naming the one that was missed). DISPATCHED and
    PENDING_REREGISTRATION rows never roll off for re-sign (R7.6). `regs`: all registrations of the members
    concerned."""
    rows = list(regs)
    missed = [
        r for r in rows if r.status is RegStatus.REGISTERED and r.grace_end_date < run and r.exemption_on(run) is None
    ]
    out = [(r, r.id) for r in missed]
    if scope is ResignScope.ALL_BOOKS:
        chosen = {r.id for r in missed}
        first: dict[str, str] = {}
        for r in missed:
            first.setdefault(r.member_id, r.id)
        out += [
            (r, first[r.member_id])
            for r in rows
            if r.member_id in first and r.id not in chosen and r.status is RegStatus.REGISTERED
        ]
    return out


def tier_problem(reg: Registration, new_tier: int, book: Book) -> str | None:
    if not 1 <= new_tier <= book.max_tiers:
        return f"must be between 1 and {book.max_tiers} on {book.code}"
    if new_tier == reg.tier:
        return "the registration is already at this tier"
    return None


def successor_on_tier(reg: Registration, new_tier: int, new_id: str, now_iso: str) -> Registration:
    """§3.5.4: the row that opens on the new tier keeps the APN (`CARRIED`), `registered_at`, the re-sign dates, the
    check-mark count and the restoration count — and the book's exemptions, which belong to the member's place on
    the book (R14.2) — linked to the row that closes."""
    return reg.model_copy(
        update={
            "id": new_id,
            "tier": new_tier,
            "apn_source": ApnSource.CARRIED,
            "status": RegStatus.REGISTERED,
            "status_reason": "TIER_CHANGE",
            "predecessor_id": reg.id,
            "successor_id": None,
            "created_at": now_iso,
            "updated_at": now_iso,
            "version": 1,
        }
    )


def mark_restorable(reg: Registration, mark: CheckMark) -> None:
    """R10.6: one mark (count − 1) on a REGISTERED registration; marks on a rolled-off registration are corrected
    by reinstatement (S8.2), not restoration."""
    if reg.status is not RegStatus.REGISTERED:
        raise Refused(
            "NOT_REGISTERED",
            f"Marks on a {reg.status.value.lower()} registration are corrected by reinstatement (S8.2).",
        )
    if mark.status != "CHARGED":
        raise Refused("MARK_ALREADY_RESTORED", "This check mark was restored already.", "mark_id")
    if reg.check_mark_count < 1:
        raise Refused("NO_CHECK_MARKS", "The registration holds no check mark to restore.", "mark_id")
