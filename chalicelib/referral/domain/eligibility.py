"""Candidate eligibility for one request (referral-rules §5.2): the first failing condition names the skip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from chalicelib.referral.domain.registration import Registration, RegStatus
from chalicelib.referral.domain.rules import BlackoutScope, LocalRules


class Skip(StrEnum):
    NOT_IN_QUEUE = "NOT_IN_QUEUE"
    MEMBER_NOT_ACTIVE = "MEMBER_NOT_ACTIVE"
    EXEMPT = "EXEMPT"
    ALREADY_DISPATCHED = "ALREADY_DISPATCHED"
    BLACKOUT = "BLACKOUT"
    BIDDING_SUSPENDED = "BIDDING_SUSPENDED"
    REQUIREMENT_NOT_MET = "REQUIREMENT_NOT_MET"
    DUES_NOT_CURRENT = "DUES_NOT_CURRENT"


@dataclass(frozen=True)
class Blackout:
    """R12.2: member × employer after a quit or discharge; first eligible date = start + blackout_days."""

    member_id: str
    employer_id: str
    start: date
    first_eligible: date
    scope: BlackoutScope

    def active_on(self, day: date) -> bool:
        return self.start <= day < self.first_eligible


@dataclass(frozen=True)
class MemberFacts:
    """What eligibility needs to know about the member behind a registration (read with the queue)."""

    member_id: str
    member_status: str
    has_open_dispatch: bool
    blackouts: tuple[Blackout, ...] = ()
    bidding_suspended_until: date | None = None
    certifications: frozenset[str] = frozenset()
    dues_current: bool = True


@dataclass(frozen=True)
class RequestFacts:
    employer_id: str
    referral_date: date
    by_name: bool = False
    required_certifications: frozenset[str] = frozenset()


def skip_reason(
    reg: Registration,
    member: MemberFacts,
    request: RequestFacts,
    rules: LocalRules,
    at: datetime,
    local_day: date,
    *,
    through_bid: bool = False,
) -> Skip | None:
    """§5.2 rows 1–8 in order; None when the registration is an eligible candidate."""
    if reg.status is not RegStatus.REGISTERED:
        return Skip.NOT_IN_QUEUE
    if member.member_status not in rules.referral_member_statuses:
        return Skip.MEMBER_NOT_ACTIVE
    if reg.exemption_on(local_day) is not None:
        return Skip.EXEMPT
    if member.has_open_dispatch:
        return Skip.ALREADY_DISPATCHED
    for b in member.blackouts:
        # R12.3: the scope in force when the blackout was created is the one stored on it.
        applies = request.by_name or b.scope is BlackoutScope.ALL_REQUESTS_FROM_EMPLOYER
        if applies and b.employer_id == request.employer_id and b.active_on(request.referral_date):
            return Skip.BLACKOUT
    if through_bid and member.bidding_suspended_until is not None and local_day < member.bidding_suspended_until:
        return Skip.BIDDING_SUSPENDED
    if not request.required_certifications <= member.certifications:
        return Skip.REQUIREMENT_NOT_MET
    if rules.dispatch_requires_dues_current and not member.dues_current:
        return Skip.DUES_NOT_CURRENT
    return None
