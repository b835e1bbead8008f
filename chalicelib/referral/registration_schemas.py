"""Request bodies of the registration lifecycle, intake, exemption, queue and settings routes (the round's and the
request's bodies are in schemas.py). Every change names the `version` of the registration the caller saw."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field

from chalicelib.core.model import ID_PATTERN, DomainModel
from chalicelib.referral.domain import Book

BOOK_CODE = r"^[A-Z0-9_]{2,30}$"
REASON = "at least 10 characters (REASON_TOO_SHORT)"


class BookCounts(DomainModel):
    tiers: list[dict[str, Any]] = Field(description="tiers 1–4, zeros included: registered, exempt, dispatched …")
    registered: int
    exempt: int
    dispatched: int
    pending_reregistration: int
    live: int


class BookWithCounts(Book):
    counts: BookCounts


class BookCountsList(DomainModel):
    items: list[BookWithCounts]


class IntakeCreate(DomainModel):
    """§4.5.1: a registration request as it reached the hall."""

    model_config = ConfigDict(extra="forbid")
    member_id: str = Field(pattern=ID_PATTERN)
    book_code: str = Field(pattern=BOOK_CODE)
    tier: int = Field(ge=1, le=4)
    channel: str = Field(default="email", pattern="^(in_person|email|fax|web|phone)$")
    received_at: datetime | None = Field(default=None, description="when the hall received it (default now)")
    acknowledge_outside_hours: bool = Field(
        default=False, description="in person outside the office's hours: the staff user confirms it (§2.3)"
    )


class ReSignBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="the registration's version")
    channel: str | None = Field(
        default=None, pattern="^(in_person|fax|email)$", description="staff only; a member re-signs on the web"
    )
    received_at: datetime | None = Field(default=None, description="staff: when the re-sign was received")
    acknowledge_outside_hours: bool = Field(
        default=False, description="in person outside the office's hours: the staff user confirms it (§2.3)"
    )


class ResignBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    reason: str | None = Field(default=None, max_length=500)


class ReasonBody(DomainModel):
    """Manual roll-off (S8.3), check-mark restoration (R10.6), revoking an exemption (R14.5)."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="the registration's version")
    reason: str = Field(max_length=500, description=REASON)


class TierChangeBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    tier: int = Field(ge=1, le=4)
    reason: str = Field(max_length=500, description=REASON)


class ExemptionCreate(DomainModel):
    """R14.2: one action, one exemption per registration named."""

    model_config = ConfigDict(extra="forbid")
    registration_ids: list[str] = Field(min_length=1, max_length=12)
    reason: str = Field(pattern="^(military|union_business|salting|medical|jury_duty|under_scale|traveling|other)$")
    start: date | None = Field(default=None, description="default today")
    end: date | None = Field(default=None, description="inclusive; default start + exemption_default_days")
    note: str | None = Field(default=None, max_length=500)
    bm_approved: bool = Field(default=False, description="the officer approves as Business Manager (R14.3)")


class ExemptionExtend(DomainModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    end: date
    bm_approved: bool = False


class ExemptionEnd(DomainModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    reason: str | None = Field(default=None, max_length=500)


class SettingsChangeBody(DomainModel):
    """S9: only what changes. `local` keys are Appendix A's `L` settings; `books` maps a book code to its `B`
    settings; `packs` maps an agreement type to the `A` overrides it takes."""

    model_config = ConfigDict(extra="forbid")
    effective_from: datetime | None = Field(default=None, description="default now; never in the past")
    reason: str = Field(min_length=1, max_length=500)
    local: dict[str, Any] = Field(default_factory=dict)
    books: dict[str, dict[str, Any]] = Field(default_factory=dict)
    packs: dict[str, dict[str, Any]] = Field(default_factory=dict)


class SettingsPreviewBody(SettingsChangeBody):
    book_code: str = Field(pattern=BOOK_CODE, description="the book whose queue is shown")
    reason: str = Field(default="preview", max_length=500)
