"""Previewing a settings change (S9, issue 8 §1): a registration's treatment under one rule set, computed with the
same pure rules the engine runs, so the current and the proposed settings can be shown side by side. Queue order
is invariant (§5.1) — no setting moves anyone — so what a change can alter is how each member in line is treated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.referral.domain.books import Book
from chalicelib.referral.domain.duties import max_days
from chalicelib.referral.domain.eligibility import MemberFacts, RequestFacts, skip_reason
from chalicelib.referral.domain.registration import Registration, re_sign_dates
from chalicelib.referral.domain.requests import DISPATCHER_FLAGS, LaborRequest, is_short_call, no_mark_reasons
from chalicelib.referral.domain.rules import RuleSet


@dataclass(frozen=True)
class Treatment:
    tier_label: str
    candidate: str  # ELIGIBLE, or the §5.2 skip reason on an ordinary request that day
    may_bid: bool  # R8.1/R8.3 as far as the book and the member go: bidding on, eligible, not suspended
    due_if_re_signed: str  # R7.1 for a re-sign on the day
    grace_if_re_signed: str
    next_mark_rolls_off: bool  # R10.4: the count is at the book's maximum
    expires_on_book: bool  # N12: the run of the day would roll it off (max_days_on_book)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def treatment(reg: Registration, member: MemberFacts, rules: RuleSet, book: Book, day: date, at: datetime) -> Treatment:
    local = rules.local
    skip = skip_reason(reg, member, RequestFacts(employer_id="", referral_date=day), local, at, day)
    due, grace = re_sign_dates(day, book.re_sign_days, book.grace_period_days)
    suspended = member.bidding_suspended_until is not None and day < member.bidding_suspended_until
    return Treatment(
        tier_label=local.tier_labels[reg.tier - 1],
        candidate=skip.value if skip else "ELIGIBLE",
        may_bid=book.internet_bidding_enabled and skip is None and not suspended,
        due_if_re_signed=due.isoformat(),
        grace_if_re_signed=grace.isoformat(),
        next_mark_rolls_off=reg.check_mark_count >= book.max_check_marks,
        expires_on_book=bool(max_days([reg], day, book.max_days_on_book, rules.calendar)),
    )


def differences(current: Treatment, proposed: Treatment) -> list[str]:
    a, b = current.as_dict(), proposed.as_dict()
    return [k for k in a if a[k] != b[k]]


def generates_marks(q: LaborRequest, rules: RuleSet) -> bool:
    """R9.1, R11 recomputed for a stored request under `rules` (the dispatcher's own flags kept)."""
    local = rules.for_agreement(q.agreement_type)
    reasons = no_mark_reasons(
        short_call=is_short_call(q.estimated_duration_working_days, local),
        start_time=q.start_time,
        contract_code=q.contract_code,
        dispatcher_flags=frozenset(q.no_mark_reasons) & DISPATCHER_FLAGS,
        rules=local,
    )
    return not reasons
