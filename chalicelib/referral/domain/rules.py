"""The rule set (referral-rules Appendix A, S9): local settings, book settings (on the Book record), agreement
rule packs and the holiday list, versioned and effective-dated. Every decision stores the version it used.

Defaults are the rulebook's. A local changes a setting with an effective instant; the rule set in force at an
instant is the latest version effective at or before it (S9), so past decisions are never re-interpreted.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from chalicelib.core.model import DomainModel
from chalicelib.referral.domain.books import Book
from chalicelib.referral.domain.calendar import DEFAULT_ZONE, SEED_HOLIDAYS_2026, Calendar
from chalicelib.referral.domain.offices import (
    DEFAULT_JURISDICTION_OFFICE,
    DEFAULT_OFFICES,
    DEFAULT_REGION_OFFICE,
    REGIONS,
    Office,
    office_for,
)


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


CHANNELS = frozenset({"in_person", "email", "fax", "web", "phone"})
MEMBER_STATUSES = frozenset({"active", "inactive", "suspended", "retired", "deceased"})
Days = Field(ge=0, le=3650)


class LocalRules(DomainModel):
    """Scope `L` settings (and the `L`/`A` ones at their local value). Times are local wall clock. A value
    the rules cannot work with is refused here, so a settings change naming it is a 400 naming the field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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
    bid_reject_window_months: int = Field(default=12, ge=1, le=120)
    bid_suspension_months: int = Field(default=12, ge=0, le=120)
    short_call_max_working_days: int = Field(default=10, ge=0, le=365)
    short_call_uncounted_max_working_days: int = Field(default=3, ge=0, le=365)
    short_call_max_counted_restorations: int = Field(default=2, ge=0, le=50)
    early_start_before: time = time(6, 0)
    end_of_working_day_time: time = time(17, 0)
    reregistration_channels: tuple[str, ...] = ("in_person", "email")
    ninety_day_rule_days: int = Field(default=90, ge=1, le=3650)
    turnaround_max_working_days: int = Field(default=1, ge=0, le=365)
    re_sign_channels: tuple[str, ...] = ("in_person", "fax", "email", "web")
    missed_resign_scope: ResignScope = ResignScope.BOOK
    re_sign_reminder_offsets_days: tuple[int, ...] = Field(default=(7,), max_length=5)
    post_exemption_resign_days: int = Field(default=7, ge=0, le=365)
    blackout_days: int = Field(default=14, ge=0, le=3650)
    blackout_scope: BlackoutScope = BlackoutScope.BY_NAME_ONLY
    exemption_default_days: int = Field(default=180, ge=1, le=3650)
    time_limited_exemption_reasons: tuple[str, ...] = ("under_scale", "traveling")
    time_limited_exemption_max_days: int = Field(default=180, ge=1, le=3650)
    under_scale_auto_exempt: bool = True
    nightly_run_time: time = time(0, 30)
    member_list_visibility: str = Field(default="ANONYMIZED", pattern="^(ANONYMIZED|OWN_ONLY|FULL)$")
    offices: tuple[Office, ...] = Field(default=DEFAULT_OFFICES, min_length=1, max_length=20)
    region_office: tuple[tuple[str, str], ...] = DEFAULT_REGION_OFFICE
    jurisdiction_office: str = DEFAULT_JURISDICTION_OFFICE

    @model_validator(mode="after")
    def _offices_known(self) -> LocalRules:
        """R1: every region is served by a known office, and so are jurisdiction-wide books."""
        names = {o.name for o in self.offices}
        if len(names) != len(self.offices):
            raise ValueError("offices: each office name once")
        regions = [r for r, _ in self.region_office]
        if len(set(regions)) != len(regions) or set(regions) - set(REGIONS):
            raise ValueError(f"region_office: each of {', '.join(REGIONS)} at most once")
        unknown = sorted({o for _, o in self.region_office} - names)
        if unknown or self.jurisdiction_office not in names:
            raise ValueError(
                f"region_office / jurisdiction_office: unknown office {', '.join(unknown) or self.jurisdiction_office}"
            )
        return self

    def office_for(self, region: str | None) -> Office:
        return office_for(region, self.offices, self.region_office, self.jurisdiction_office)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):
            raise ValueError("not a known time zone (e.g. America/Los_Angeles)") from None
        return value

    @field_validator("registration_channels", "reregistration_channels", "re_sign_channels")
    @classmethod
    def _known_channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - CHANNELS)
        if unknown:
            raise ValueError(f"unknown channel {', '.join(unknown)} (one of {', '.join(sorted(CHANNELS))})")
        return value

    @field_validator("referral_member_statuses")
    @classmethod
    def _known_statuses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - MEMBER_STATUSES)
        if unknown:
            raise ValueError(f"unknown member status {', '.join(unknown)}")
        return value

    @field_validator("re_sign_reminder_offsets_days")
    @classmethod
    def _offsets(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 0 <= v <= 60 for v in value):
            raise ValueError("each offset is 0 to 60 days")
        return value

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


class BookSettings(DomainModel):
    """A book's Appendix A settings (scope `B`) as one rule-set version sets them (S9, §3.1 "all book settings
    are effective-dated"). A field left out keeps the catalogue's value; `max_days_on_book` 0 means no limit."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    referral_start_time: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    morning_sort_order: int | None = Field(default=None, ge=1, le=9999)
    re_sign_days: int | None = Field(default=None, ge=1, le=365)
    grace_period_days: int | None = Field(default=None, ge=0, le=90)
    max_check_marks: int | None = Field(default=None, ge=0, le=10)
    internet_bidding_enabled: bool | None = None
    max_days_on_book: int | None = Field(default=None, ge=0, le=3650)
    accepted_agreement_types: tuple[AgreementType, ...] | None = Field(default=None, min_length=1)
    is_active: bool | None = None

    def applied_to(self, book: Book) -> Book:
        update: dict[str, Any] = {k: v for k, v in self.model_dump(exclude_none=True).items()}
        if "max_days_on_book" in update:
            update["max_days_on_book"] = update["max_days_on_book"] or None
        if "accepted_agreement_types" in update:
            update["accepted_agreement_types"] = [AgreementType(a).value for a in update["accepted_agreement_types"]]
        return book.model_copy(update=update) if update else book


BOOK_KEYS = frozenset(BookSettings.model_fields)
LOCAL_KEYS = frozenset(LocalRules.model_fields)


class RuleSet(DomainModel):
    """One version of the whole rule set (S9): what every decision records as `rule_set_version`. Each stored
    version is complete (local settings, every book's overrides, the packs), so the version in force at an
    instant is read alone."""

    model_config = ConfigDict(frozen=True)
    version: str = "rules-1"
    effective_from: datetime | None = None
    local: LocalRules = Field(default_factory=LocalRules)
    packs: tuple[RulePack, ...] = ()
    books: dict[str, BookSettings] = Field(default_factory=dict)
    reason: str | None = None
    created_by: str | None = None
    created_at: datetime | None = None

    def book(self, base: Book) -> Book:
        """The catalogue's book with this version's settings for it (§3.1, R2.2)."""
        settings = self.books.get(base.code)
        return settings.applied_to(base) if settings else base

    def pack(self, agreement: AgreementType) -> RulePack:
        return next((p for p in self.packs if p.agreement_type == agreement), RulePack(agreement_type=agreement))

    def for_agreement(self, agreement: AgreementType) -> LocalRules:
        """The local settings with the agreement pack's overrides applied (R4.2)."""
        overrides = {k: v for k, v in self.pack(agreement).overrides.items() if k in PACK_KEYS}
        return self.local.model_copy(update=overrides) if overrides else self.local

    @property
    def calendar(self) -> Calendar:
        return self.local.calendar


class SettingsProblem(ValueError):
    """A proposed settings change the rules cannot work with: (field path, problem) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {p}" for f, p in problems))
        self.problems = problems


def _problems(prefix: str, err: ValidationError) -> list[tuple[str, str]]:
    return [(".".join([prefix, *(str(p) for p in e["loc"])]), e["msg"]) for e in err.errors()]


def changed(
    base: RuleSet,
    *,
    version: str,
    effective_from: datetime,
    local: dict[str, Any],
    books: dict[str, dict[str, Any]],
    packs: dict[str, dict[str, Any]],
    book_codes: frozenset[str],
    reason: str,
    created_by: str,
    created_at: datetime,
) -> RuleSet:
    """S9: the complete next version — `base` (the latest version) with these changes — validated as a whole,
    or `SettingsProblem` naming every field that is wrong (`local.re_sign_channels`, `books.WIRE_SEA.re_sign_days`,
    `packs.PLA.blackout_days`)."""
    problems: list[tuple[str, str]] = [(f"local.{k}", "unknown setting") for k in sorted(local) if k not in LOCAL_KEYS]
    new_local = base.local
    try:
        new_local = LocalRules.model_validate(
            {**base.local.model_dump(), **{k: v for k, v in local.items() if k in LOCAL_KEYS}}
        )
    except ValidationError as err:
        problems += _problems("local", err)
    new_books = dict(base.books)
    for code, patch in books.items():
        if code not in book_codes:
            problems.append((f"books.{code}", "unknown book"))
            continue
        current = base.books.get(code, BookSettings()).model_dump(exclude_none=True)
        try:
            new_books[code] = BookSettings.model_validate({**current, **patch})
        except ValidationError as err:
            problems += _problems(f"books.{code}", err)
    new_packs = {p.agreement_type: p for p in base.packs}
    for name, overrides in packs.items():
        try:
            agreement = AgreementType(name)
        except ValueError:
            problems.append((f"packs.{name}", "not an agreement type (STANDARD, PLA, CWA, TERO)"))
            continue
        bad = sorted(set(overrides) - PACK_KEYS - PACK_BOOK_KEYS)
        problems += [(f"packs.{name}.{k}", "not a setting an agreement pack may override") for k in bad]
        if bad:
            continue
        local_part = {k: v for k, v in overrides.items() if k in PACK_KEYS}
        book_part = {k: v for k, v in overrides.items() if k in PACK_BOOK_KEYS}
        try:
            checked = LocalRules.model_validate({**new_local.model_dump(), **local_part})
            BookSettings.model_validate(book_part)
        except ValidationError as err:
            problems += _problems(f"packs.{name}", err)
            continue
        values = {**{k: getattr(checked, k) for k in local_part}, **book_part}
        new_packs[agreement] = RulePack(agreement_type=agreement, overrides=values, version=f"{name}-{version}")
    if problems:
        raise SettingsProblem(problems)
    return RuleSet(
        version=version,
        effective_from=effective_from,
        local=new_local,
        packs=tuple(new_packs[a] for a in AgreementType if a in new_packs),
        books=new_books,
        reason=reason,
        created_by=created_by,
        created_at=created_at,
    )


def in_force(versions: list[RuleSet], at: datetime) -> RuleSet:
    """S9: the latest version effective at or before `at` (the first version has no start)."""
    usable = [v for v in versions if v.effective_from is None or v.effective_from <= at]
    if not usable:
        raise ValueError("no rule set is in force at that instant")
    return max(usable, key=lambda v: v.effective_from or datetime.min.replace(tzinfo=at.tzinfo))
