"""The referral round and the candidate walk (referral-rules S3, §5.3, §5.4): who is offered a request, in
which order, and the out-of-order protection. Pure: the caller supplies the queue, the facts and the outcomes
recorded so far; the result says what to record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from chalicelib.referral.domain.checkmarks import DISPATCHED, Outcome
from chalicelib.referral.domain.eligibility import MemberFacts, RequestFacts, Skip, skip_reason
from chalicelib.referral.domain.registration import Refused, Registration
from chalicelib.referral.domain.rules import LocalRules

MIN_OVERRIDE_REASON = 10


@dataclass(frozen=True)
class Candidate:
    """One row of a decision record (§10.3): a registration walked for a request, in queue order."""

    position: int
    registration_id: str
    member_id: str
    tier: int
    apn: str
    registered_at: str
    outcome: Outcome | None  # None: no outcome recorded yet (an open question for the dispatcher)
    skip: Skip | None = None
    bid: bool = False


@dataclass
class Walk:
    """The request's candidates from position 1 down to the last one walked."""

    candidates: list[Candidate] = field(default_factory=list)

    @property
    def next_open(self) -> Candidate | None:
        """The first eligible candidate with no outcome yet: the one the dispatcher offers the job to."""
        return next((c for c in self.candidates if c.outcome is None and c.skip is None), None)


def walk(
    queue: Sequence[Registration],
    members: Mapping[str, MemberFacts],
    request: RequestFacts,
    recorded: Mapping[str, Outcome],
    bidders: frozenset[str],
    rules: LocalRules,
    at: datetime,
    local_day: date,
    *,
    limit: int | None = None,
) -> Walk:
    """S3.3: visit the live queue in order. Ineligible → SKIPPED:<reason>; an outcome recorded in the round →
    that outcome; otherwise open (pending bids shown). Stops after `limit` open eligible candidates."""
    out = Walk()
    open_count = 0
    for n, reg in enumerate(queue, start=1):
        facts = members.get(reg.member_id)
        if facts is None:
            raise ValueError(f"no member facts for {reg.member_id}")
        reason = skip_reason(reg, facts, request, rules, at, local_day)
        outcome = recorded.get(reg.id)
        if reason is not None and outcome is None:
            outcome = Outcome.SKIPPED
        out.candidates.append(
            Candidate(
                n,
                reg.id,
                reg.member_id,
                reg.tier,
                reg.apn_text,
                reg.registered_at.isoformat(),
                outcome,
                reason,
                reg.member_id in bidders,
            )
        )
        if outcome is None:
            open_count += 1
            if limit is not None and open_count >= limit:
                break
    return out


@dataclass(frozen=True)
class Selection:
    """What dispatching `chosen` records: the candidate's outcome and PASSED for every open candidate above."""

    chosen: Candidate
    passed_above: tuple[Candidate, ...]
    out_of_order: bool
    override_reason: str | None


def select(w: Walk, registration_id: str, *, pass_above: bool = False, override_reason: str | None = None) -> Selection:
    """§5.4, S3.3, R8.7. Dispatching a candidate while an eligible candidate above has no recorded outcome is
    refused (`OUT_OF_ORDER`). With `pass_above` the dispatcher records every open eligible candidate above as
    PASSED in the same action — unless one of them holds a pending bid on this request (a bidder is never
    passed over silently). A dispatcher may override with a reason of at least 10 characters: the dispatch is
    flagged and the candidates above keep no outcome."""
    chosen = next((c for c in w.candidates if c.registration_id == registration_id), None)
    if chosen is None:
        raise Refused("NOT_IN_QUEUE", "That registration is not in this book's queue.", "registration_id")
    if chosen.skip is not None:
        raise Refused(chosen.skip.value, f"This member cannot be dispatched: {chosen.skip.value}.", "registration_id")
    if chosen.outcome is not None:
        raise Refused("ALREADY_RECORDED", "This candidate already has an outcome on this request.", "registration_id")
    above = [c for c in w.candidates if c.position < chosen.position and c.outcome is None and c.skip is None]
    if not above:
        return Selection(chosen, (), False, None)
    if pass_above and not any(c.bid for c in above):
        return Selection(chosen, tuple(above), False, None)
    if override_reason and len(override_reason.strip()) >= MIN_OVERRIDE_REASON:
        return Selection(chosen, (), True, override_reason.strip())
    first = next((c for c in above if c.bid), above[0])
    why = "holds a pending bid on this request" if first.bid else "has no recorded outcome"
    raise Refused(
        "OUT_OF_ORDER",
        f"Position {first.position} is eligible and {why}; record it first, or give a "
        "reason of at least 10 characters to override.",
        "override_reason",
    )


def skip_summary(w: Walk, upto_position: int) -> dict[str, int]:
    """AS-092: for a member, how many were ahead and in what outcome category (no names)."""
    counts: dict[str, int] = {}
    for c in w.candidates:
        if c.position >= upto_position:
            break
        key = c.skip.value if c.skip else (c.outcome.value if c.outcome else "OPEN")
        counts[key] = counts.get(key, 0) + 1
    return counts


def is_dispatch(outcome: Outcome | None) -> bool:
    return outcome in DISPATCHED
