"""Exemptions (referral-rules R14, R7.8)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from enum import StrEnum

from chalicelib.referral.domain.registration import Exemption, Refused, Registration
from chalicelib.referral.domain.rules import LocalRules


class ExemptionReason(StrEnum):
    MILITARY = "military"
    UNION_BUSINESS = "union_business"
    SALTING = "salting"
    MEDICAL = "medical"
    JURY_DUTY = "jury_duty"
    UNDER_SCALE = "under_scale"
    TRAVELING = "traveling"
    OTHER = "other"


def default_end(start: date, rules: LocalRules) -> date:
    """R14.3: start + exemption_default_days (180): 2026-03-02 → 2026-08-29 (AS-085)."""
    return start + timedelta(days=rules.exemption_default_days)


def check_period(
    reason: ExemptionReason, start: date, end: date, rules: LocalRules, *, officer: bool, bm_approved: bool
) -> None:
    """R14.1, R14.3: `other` needs an officer; a time-limited reason past start + 180 days needs Business
    Manager approval."""
    if end < start:
        raise Refused("VALIDATION_ERROR", "The end date is before the start date.", "end")
    if reason is ExemptionReason.OTHER and not officer:
        raise Refused("FORBIDDEN", "An exemption for another reason needs an officer.", "reason")
    limit = start + timedelta(days=rules.time_limited_exemption_max_days)
    if reason.value in rules.time_limited_exemption_reasons and end > limit and not bm_approved:
        raise Refused(
            "BM_APPROVAL_REQUIRED",
            f"Past {limit.isoformat()} this exemption needs the Business Manager's approval.",
            "end",
        )


def due_after_exemption(first_non_exempt: date, current_due: date, rules: LocalRules) -> date:
    """R7.8: when an exemption ends, re-sign due = first non-exempt date + post_exemption_resign_days (7),
    unless the existing due date is later."""
    return max(current_due, first_non_exempt + timedelta(days=rules.post_exemption_resign_days))


def overlapping(reg: Registration, start: date, end: date, except_id: str | None = None) -> Exemption | None:
    """An active exemption of this registration sharing a day with start..end: one registration is exempt once
    at a time, so a repeated grant is refused rather than doubled."""
    return next(
        (e for e in reg.exemptions if e.status == "ACTIVE" and e.id != except_id and e.start <= end and start <= e.end),
        None,
    )


def first_free_day(reg: Registration, after: date, except_id: str) -> date:
    """The first date after `after` that no other active exemption of the registration covers."""
    day = after + timedelta(days=1)
    while True:
        cover = next((e for e in reg.exemptions if e.id != except_id and e.covers(day)), None)
        if cover is None:
            return day
        day = cover.end + timedelta(days=1)


def ended(
    reg: Registration, exemption_id: str, last_exempt_day: date, status: str, rules: LocalRules, grace_days: int
) -> dict[str, Any]:
    """R14.5, R7.8: the exemption ends (`ENDED`, or `REVOKED` with a reason) with `last_exempt_day` as its last
    day; if it had started, the re-sign due date becomes the first non-exempt date + post_exemption_resign_days
    unless the existing due date is later, and grace follows it. Refused if it is not active."""
    current = next((e for e in reg.exemptions if e.id == exemption_id), None)
    if current is None or current.status != "ACTIVE":
        raise Refused("EXEMPTION_NOT_ACTIVE", "This exemption is not active.", "exemption_id")
    started = current.start <= last_exempt_day
    end = min(current.end, last_exempt_day) if started else current.end
    exemptions = [
        e.model_copy(update={"end": end, "status": status}) if e.id == exemption_id else e for e in reg.exemptions
    ]
    update: dict[str, Any] = {"exemptions": exemptions}
    if started:
        due = due_after_exemption(first_free_day(reg, end, exemption_id), reg.re_sign_due_date, rules)
        update.update(re_sign_due_date=due, grace_end_date=due + timedelta(days=grace_days))
    return update


def extension_check(current: Exemption, new_end: date, rules: LocalRules, *, bm_approved: bool) -> None:
    """R14.3: an extension of a time-limited exemption (`under_scale`, `traveling`) always needs Business Manager
    approval; any exemption past start + the limit does too (check_period)."""
    if new_end <= current.end:
        raise Refused("VALIDATION_ERROR", "An extension ends later than the current end; end it instead.", "end")
    if current.reason in rules.time_limited_exemption_reasons and not bm_approved:
        raise Refused("BM_APPROVAL_REQUIRED", "Extending this exemption needs the Business Manager's approval.", "end")
    check_period(ExemptionReason(current.reason), current.start, new_end, rules, officer=True, bm_approved=bm_approved)


def under_scale(new_id: str, start: date, rules: LocalRules, dispatch_id: str) -> Exemption:
    """R14.6: the `under_scale` exemption an under-scale dispatch puts on each of the member's other REGISTERED
    registrations: from the dispatch day to the 180-day limit (ended earlier with the dispatch, at termination)."""
    end = start + timedelta(days=rules.time_limited_exemption_max_days)
    return Exemption(id=new_id, reason=ExemptionReason.UNDER_SCALE.value, start=start, end=end, dispatch_id=dispatch_id)
