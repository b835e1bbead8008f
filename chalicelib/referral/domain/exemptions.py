"""Exemptions (referral-rules R14, R7.8)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from chalicelib.referral.domain.registration import Refused
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
