"""Completing a referral round (referral-rules S3.5, S3.6, S4, R10): when a round may complete, who each request
charges a check mark, and what the completion's decision record lists. Pure: the caller supplies each request's
walk over the live queue at completion, the members dispatched on it in this round and who bid on it.

Who counts as a passer at completion: a candidate whose recorded outcome is PASSED (or PASSED_NO_BID) and who is
still an eligible REGISTERED candidate now. A member dispatched on another request of the round (S2.7), rolled
off, pending re-registration (R6.5) or exempt (R14.4) since passing is not charged (R10.5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from chalicelib.referral.domain.checkmarks import DISPATCHED, PASSES, Charge, Outcome, Walked, after_charge, charges
from chalicelib.referral.domain.decisions import CandidateRow
from chalicelib.referral.domain.round import Walk

SUPPRESSED_SAME_DAY = "SUPPRESSED_SAME_DAY"
CHARGED = "CHARGED"


def fully_walked(w: Walk, positions_remaining: int) -> bool:
    """S3.6: a request lets its round complete when it is filled or the whole queue has been walked — no
    eligible candidate is left without a recorded outcome (a pending bidder still waits for the round)."""
    return positions_remaining <= 0 or w.next_open is None


@dataclass(frozen=True)
class Dispatched:
    """A member dispatched on the request in this round (read from the round's dispatch decisions)."""

    registration_id: str
    member_id: str
    tier: int
    outcome: Outcome


def walked_for_marks(w: Walk, dispatched: Iterable[Dispatched], bidders: frozenset[str]) -> list[Walked]:
    """S4.2's input: the candidates with a recorded outcome who are still eligible now, and the members
    dispatched on the request in this round (they set t*, S4.4). `bidders`: members who bid on the request
    (R10.5: no mark), whatever became of the bid."""
    out = [
        Walked(c.registration_id, c.member_id, c.tier, c.outcome, c.member_id in bidders)
        for c in w.candidates
        if c.outcome is not None and c.skip is None
    ]
    seen = {c.registration_id for c in out}
    out += [
        Walked(d.registration_id, d.member_id, d.tier, d.outcome, d.member_id in bidders)
        for d in dispatched
        if d.registration_id not in seen
    ]
    return out


@dataclass(frozen=True)
class RequestWalk:
    """One request of the sheet as S4 sees it at completion."""

    request_id: str
    generates_marks: bool
    by_name: bool
    emergency: bool
    unfilled: int
    walked: tuple[Walked, ...]


@dataclass(frozen=True)
class RequestPlan:
    request_id: str
    charges: tuple[Charge, ...]
    t_star: int | None  # S4.4: highest tier dispatched on the request in this round (None: none)

    @property
    def charged(self) -> list[str]:
        return [c.registration_id for c in self.charges if not c.suppressed]

    @property
    def suppressed(self) -> list[str]:
        return [c.registration_id for c in self.charges if c.suppressed]


def plan_request(rw: RequestWalk, *, emergency_charges: bool, already_charged_today: frozenset[str]) -> RequestPlan:
    """S4 steps 1–5 for one request (step 6, the writes, is the service's)."""
    found = charges(
        rw.walked,
        generates_marks=rw.generates_marks,
        by_name=rw.by_name,
        emergency=rw.emergency,
        emergency_charges=emergency_charges,
        unfilled=rw.unfilled,
        already_charged_today=already_charged_today,
    )
    tiers = [c.tier for c in rw.walked if c.outcome in DISPATCHED]
    return RequestPlan(rw.request_id, tuple(found), max(tiers) if tiers else None)


def plan_round(
    requests: Sequence[RequestWalk], *, emergency_charges: bool, already_charged_today: frozenset[str]
) -> list[RequestPlan]:
    """S4 over a round's sheet in order: a registration charged by an earlier request of the same day (this round
    or before) is SUPPRESSED_SAME_DAY on later ones (R10.3)."""
    charged = set(already_charged_today)
    plans = []
    for rw in requests:
        plan = plan_request(rw, emergency_charges=emergency_charges, already_charged_today=frozenset(charged))
        charged.update(plan.charged)
        plans.append(plan)
    return plans


@dataclass(frozen=True)
class MarkResult:
    """S4.6 / R10.4 for one charge: the registration's new count and whether it rolls off (that book only)."""

    count: int
    rolls_off: bool


def apply_mark(count: int, max_marks: int) -> MarkResult:
    new, rolls = after_charge(count, max_marks)
    return MarkResult(new, rolls)


def decision_rows(w: Walk, *, filled: bool, bidders: frozenset[str]) -> list[CandidateRow]:
    """§10.3.1: the completion's candidate list from position 1 down to the last candidate walked. For a filled
    request the walk stopped at the last recorded outcome; a pending bidder below it is listed NOT_REACHED
    (§5.3), so the member sees why the bid was not selected."""
    last = max((c.position for c in w.candidates if c.outcome is not None and c.skip is None), default=0)
    rows = []
    for c in w.candidates:
        below = filled and c.position > last
        if below and not (c.member_id in bidders and c.skip is None):
            continue
        outcome = Outcome.NOT_REACHED.value if below else (c.outcome.value if c.outcome else None)
        rows.append(
            CandidateRow(
                position=c.position,
                registration_id=c.registration_id,
                member_id=c.member_id,
                tier=c.tier,
                apn=c.apn,
                registered_at=c.registered_at,
                outcome=outcome,
                skip_reason=c.skip.value if c.skip else None,
                bid=c.member_id in bidders,
            )
        )
    return rows


def kept_outcomes(outcomes: Mapping[str, str]) -> dict[str, str]:
    """What a request keeps of its walk once its round completes: the dispatches and the employer's rejections
    (R11: a rejection exempts that candidate on this request). Passes belong to the round they were recorded
    in (they are in its decision record), so an emergency walk that day or the next referral date walks afresh."""
    keep = {o.value for o in DISPATCHED} | {Outcome.EMPLOYER_REJECTED.value}
    return {rid: o for rid, o in outcomes.items() if o in keep}


@dataclass
class RoundTally:
    """The round summary written on the ROUND_COMPLETED decision record (the daily referral summary's counts)."""

    requests: int = 0
    charged: int = 0
    suppressed: int = 0
    rolled_off: int = 0
    not_applied: list[str] = field(default_factory=list)


__all__ = [
    "CHARGED",
    "PASSES",
    "SUPPRESSED_SAME_DAY",
    "Dispatched",
    "MarkResult",
    "RequestPlan",
    "RequestWalk",
    "RoundTally",
    "apply_mark",
    "decision_rows",
    "fully_walked",
    "kept_outcomes",
    "plan_request",
    "plan_round",
    "walked_for_marks",
]
