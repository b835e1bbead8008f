"""Request and response bodies of the referral routes."""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import ConfigDict, Field

from chalicelib.core.model import ID_PATTERN, DomainModel
from chalicelib.core.schemas import ItemsOf
from chalicelib.referral.domain import Book, Qualification

BookList = ItemsOf[Book]
QualificationList = ItemsOf[Qualification]


class QualificationBody(DomainModel):
    """Record (no `version`) or change (the version you saw) a member's qualified tier on a book."""

    model_config = ConfigDict(extra="forbid")
    tier: int = Field(ge=1, le=4, description="1 is the highest priority")
    qualified_on: date
    active: bool = True
    reason: str = Field(min_length=1, max_length=500, description="why the member qualifies (audited)")
    version: int | None = Field(default=None, ge=1)


class RequestCreate(DomainModel):
    """S1.1: an employer's labor request as staff enter it."""

    model_config = ConfigDict(extra="forbid")
    employer_id: str = Field(pattern=ID_PATTERN)
    book_code: str = Field(pattern=r"^[A-Z0-9_]{2,30}$")
    agreement_type: str = Field(default="STANDARD", pattern="^(STANDARD|PLA|CWA|TERO)$")
    contract_code: str | None = Field(default=None, max_length=40)
    job_class: str | None = Field(default=None, max_length=60)
    worksite_name: str | None = Field(default=None, max_length=120)
    worksite_address: str | None = Field(default=None, max_length=200)
    worksite_city: str | None = Field(default=None, max_length=80)
    worksite_region: str | None = Field(default=None, max_length=60)
    report_to: str | None = Field(default=None, max_length=200)
    received_at: datetime | None = Field(default=None, description="when the union received it (default now)")
    received_via: str = Field(default="phone", pattern="^(phone|email|fax|portal|in_person)$")
    requested_start_date: date
    start_time: time | None = None
    referral_date: date | None = Field(default=None, description="a later referral date (R3.6)")
    positions_requested: int = Field(default=1, ge=1, le=200)
    wage_rate: str | None = Field(default=None, pattern=r"^\d{1,4}(\.\d{1,2})?$")
    estimated_duration_working_days: int | None = Field(default=None, ge=1, le=2000)
    emergency: bool = False
    requirements: list[str] = Field(default_factory=list, max_length=20)
    required_certifications: list[str] = Field(default_factory=list, max_length=20)
    requirement_text: str | None = Field(default=None, max_length=2000)
    comments: str | None = Field(default=None, max_length=2000)
    no_mark_flags: list[str] = Field(default_factory=list, max_length=4)
    signatory_acknowledgement: str | None = Field(default=None, max_length=500)


class RegistrationCreate(DomainModel):
    model_config = ConfigDict(extra="forbid")
    book_code: str = Field(pattern=r"^[A-Z0-9_]{2,30}$")
    tier: int = Field(ge=1, le=4)
    channel: str = Field(default="in_person", pattern="^(in_person|email|fax|web|phone)$")
    received_at: datetime | None = None


class DispatchBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    registration_id: str = Field(pattern=ID_PATTERN)
    pass_above: bool = Field(default=False, description="record every open eligible candidate above as PASSED")
    override_reason: str | None = Field(default=None, max_length=500, description="out-of-order override (§5.4)")


class OutcomeBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    registration_id: str = Field(pattern=ID_PATTERN)
    outcome: str = Field(pattern="^(PASSED|EMPLOYER_REJECTED)$")
    version: int = Field(ge=1, description="the request's version")


# -- the round's completion, request lifecycle, terminations and corrections (issue 8 §2 end, §3) ------------


class VersionBody(DomainModel):
    """An action on a record at the version the caller saw."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
