"""Check marks (referral-rules R10, S4): charged only at round completion, per request, per registration."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Outcome(StrEnum):
    """§5.3: what happened to each candidate walked for a request."""

    DISPATCHED_BID = "DISPATCHED_BID"
    DISPATCHED_IN_PERSON = "DISPATCHED_IN_PERSON"
    DISPATCHED_BY_NAME = "DISPATCHED_BY_NAME"
    PASSED = "PASSED"
    PASSED_NO_BID = "PASSED_NO_BID"
    EMPLOYER_REJECTED = "EMPLOYER_REJECTED"
    SKIPPED = "SKIPPED"  # with a reason (§5.2)
    NOT_REACHED = "NOT_REACHED"


DISPATCHED = frozenset({Outcome.DISPATCHED_BID, Outcome.DISPATCHED_IN_PERSON, Outcome.DISPATCHED_BY_NAME})
PASSES = frozenset({Outcome.PASSED, Outcome.PASSED_NO_BID})


@dataclass(frozen=True)
class Walked:
    registration_id: str
    member_id: str
    tier: int
    outcome: Outcome
    bid: bool = False  # the candidate bid on this request (R10.5: no mark)


@dataclass(frozen=True)
class Charge:
    registration_id: str
    member_id: str
    suppressed: bool  # R10.3: already charged on this local date


def charges(
    walked: Iterable[Walked],
    *,
    generates_marks: bool,
    by_name: bool,
    emergency: bool,
    emergency_charges: bool,
    unfilled: int,
    already_charged_today: frozenset[str],
) -> list[Charge]:
    """S4 for one request at round completion.

    1. No marks for requests that generate none, by-name requests, emergencies unless configured.
    2. W = walked candidates who PASSED (eligible, not dispatched, did not bid, not employer-rejected).
    3. Unfilled positions remain → charge all of W (all tiers).
    4. Otherwise t* = highest tier dispatched on r; charge W's members whose tier < t* (filled from tier 1 → none).
    5. A registration already charged today is recorded SUPPRESSED_SAME_DAY instead.
    """
    if not generates_marks or by_name or (emergency and not emergency_charges):
        return []
    rows = list(walked)
    w = [c for c in rows if c.outcome in PASSES and not c.bid]
    if unfilled <= 0:
        dispatched_tiers = [c.tier for c in rows if c.outcome in DISPATCHED]
        if not dispatched_tiers:
            return []
        t_star = max(dispatched_tiers)
        w = [c for c in w if c.tier < t_star]
    seen: set[str] = set()
    out = []
    for c in w:
        if c.registration_id in seen:
            continue
        seen.add(c.registration_id)
        out.append(Charge(c.registration_id, c.member_id, c.registration_id in already_charged_today))
    return out


def after_charge(count: int, max_marks: int) -> tuple[int, bool]:
    """R10.4: the new count, and whether it now exceeds the maximum (roll off, this book only)."""
    new = count + 1
    return new, new > max_marks


def same_day(last_mark: date | None, day: date) -> bool:
    return last_mark == day
