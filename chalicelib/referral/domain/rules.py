"""The rule set (referral-rules Appendix A, S9): local settings, book settings (on the Book record), agreement
rule packs and the holiday list, versioned and effective-dated. Every decision stores the version it used.

Defaults are the rulebook's. A local changes a setting with an effective instant; the rule set in force at an
instant is the latest version effective at or before it (S9), so past decisions are never re-interpreted.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from chalicelib.core.model import DomainModel
from chalicelib.referral.domain.calendar import DEFAULT_ZONE, SEED_HOLIDAYS_2026, Calendar


class AgreementType(StrEnum):
    STANDARD = "STANDARD"
    PLA = "PLA"
    CWA = "CWA"
    TERO = "TERO"


class ReferralMode(StrEnum):
    HALL = "HALL"
    WEB_ONLY = "WEB_ONLY"


class BlackoutScope(StrEnum):
    BY_NAME_ONLY = "BY_NAME_ONLY"
    ALL_REQUESTS_FROM_EMPLOYER = "ALL_REQUESTS_FROM_EMPLOYER"


class SignatoryCheck(StrEnum):
    WARN = "WARN"
    BLOCK = "BLOCK"


class ResignScope(StrEnum):
    BOOK = "BOOK"
    ALL_BOOKS = "ALL_BOOKS"


class LocalRules(DomainModel):
    """Scope `L` settings (and the `L`/`A` ones at their local value). Times are local wall clock."""

    model_config = ConfigDict(frozen=True)

    time_zone: str = DEFAULT_ZONE
    holidays: tuple[date, ...] = SEED_HOLIDAYS_2026
    tier_labels: tuple[str, str, str, str] = ("Book 1", "Book 2", "Book 3", "Book 4")
    signatory_check: SignatoryCheck = SignatoryCheck.WARN
    require_preexisting_qualification: bool = False
    registration_channels: tuple[str, ...] = ("in_person", "email")
    exclusive_book_groups: tuple[tuple[str, ...], ...] = ()
    wire_gate_fallback_time: time = time(10, 0)
    referral_member_statuses: tuple[str, ...] = ("active",)
    dispatch_requires_dues_current: bool = False
    request_cutoff_time: time = time(15, 0)
    bidding_open_time: time = time(17, 30)
    bidding_close_time: time = time(7, 0)
    emergency_generates_check_marks: bool = False
    referral_mode: ReferralMode = ReferralMode.HALL
    sheet_alternates: int = Field(default=5, ge=0, le=50)
    check_in_required_methods: tuple[str, ...] = ("internet_bid", "email_bid")
    check_in_deadline_time: time = time(15, 0)
    check_in_sweep_time: time = time(15, 1)
    no_show_is_quit: bool = True
    bid_reject_window_months: int = 12
    bid_suspension_months: int = 12
    short_call_max_working_days: int = 10
    short_call_uncounted_max_working_days: int = 3
    short_call_max_counted_restorations: int = 2
    early_start_before: time = time(6, 0)
    end_of_working_day_time: time = time(17, 0)
    reregistration_channels: tuple[str, ...] = ("in_person", "email")
    ninety_day_rule_days: int = 90
    turnaround_max_working_days: int = 1
    re_sign_channels: tuple[str, ...] = ("in_person", "fax", "email", "web")
    missed_resign_scope: ResignScope = ResignScope.BOOK
    re_sign_reminder_offsets_days: tuple[int, ...] = (7,)
    post_exemption_resign_days: int = 7
    blackout_days: int = 14
    blackout_scope: BlackoutScope = BlackoutScope.BY_NAME_ONLY
    exemption_default_days: int = 180
    time_limited_exemption_reasons: tuple[str, ...] = ("under_scale", "traveling")
    time_limited_exemption_max_days: int = 180
    under_scale_auto_exempt: bool = True
    nightly_run_time: time = time(0, 30)
    member_list_visibility: str = "ANONYMIZED"

    @property
    def calendar(self) -> Calendar:
        return Calendar.of(self.time_zone, self.holidays)


# Appendix A keys an agreement rule pack may override (scope A), R4.2.
PACK_KEYS = frozenset(
    {
        "bidding_open_time",
        "bidding_close_time",
        "short_call_max_working_days",
        "short_call_uncounted_max_working_days",
        "short_call_max_counted_restorations",
        "early_start_before",
        "ninety_day_rule_days",
        "turnaround_max_working_days",
        "blackout_days",
    }
)
# Book settings an agreement pack may override (scope B, A).
PACK_BOOK_KEYS = frozenset({"re_sign_days", "grace_period_days", "max_check_marks"})


class RulePack(DomainModel):
    """An agreement type's overrides (R4.2): empty by default, so PLA/CWA/TERO follow the standard settings."""

    model_config = ConfigDict(frozen=True)
    agreement_type: AgreementType
    overrides: dict[str, Any] = Field(default_factory=dict)
    version: str = "pack-1"


class RuleSet(DomainModel):
    """One version of the whole rule set (S9): what every decision records as `rule_set_version`."""

    model_config = ConfigDict(frozen=True)
    version: str = "rules-1"
    effective_from: datetime | None = None
    local: LocalRules = Field(default_factory=LocalRules)
    packs: tuple[RulePack, ...] = ()

    def pack(self, agreement: AgreementType) -> RulePack:
        return next((p for p in self.packs if p.agreement_type == agreement), RulePack(agreement_type=agreement))

    def for_agreement(self, agreement: AgreementType) -> LocalRules:
        """The local settings with the agreement pack's overrides applied (R4.2)."""
        overrides = {k: v for k, v in self.pack(agreement).overrides.items() if k in PACK_KEYS}
        return self.local.model_copy(update=overrides) if overrides else self.local

    @property
    def calendar(self) -> Calendar:
        return self.local.calendar


def in_force(versions: list[RuleSet], at: datetime) -> RuleSet:
    """S9: the latest version effective at or before `at` (the first version has no start)."""
    usable = [v for v in versions if v.effective_from is None or v.effective_from <= at]
    if not usable:
        raise ValueError("no rule set is in force at that instant")
    return max(usable, key=lambda v: v.effective_from or datetime.min.replace(tzinfo=at.tzinfo))
