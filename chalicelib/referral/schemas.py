"""Request and response bodies of the referral routes."""

from __future__ import annotations

from datetime import date, datetime, time

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

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
    contact: str | None = Field(default=None, max_length=200, description="the employer's contact for this request")
    received_note: str | None = Field(
        default=None, max_length=500, description="required when received_at is more than 15 minutes ago (R3.5)"
    )
    named_member_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="a by-name request: the one member named (R13.1)"
    )
    foreperson: bool = Field(default=False, description="the named member is requested as foreperson (R13.1)")


class RegistrationCreate(DomainModel):
    model_config = ConfigDict(extra="forbid")
    book_code: str = Field(pattern=r"^[A-Z0-9_]{2,30}$")
    tier: int = Field(ge=1, le=4)
    channel: str = Field(default="in_person", pattern="^(in_person|email|fax|web|phone)$")
    received_at: datetime | None = None
    acknowledge_outside_hours: bool = Field(
        default=False, description="in person outside the office's hours: the staff user confirms it (§2.3)"
    )


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


class TerminationBody(DomainModel):
    """S5: a dispatcher ends a dispatch. (NO_SHOW and BID_REJECT_QUIT are recorded by the system.)"""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="the dispatch's version")
    raw_reason: str = Field(
        pattern="^(quit|discharged|laid_off|rif|short_call_end|contract_end|employer_rejected|job_cancelled|other)$"
    )
    last_day_worked: date = Field(description="before the start date for a job cancelled before it began (0 days)")
    hours: str | None = Field(default=None, pattern=r"^\d{1,5}(\.\d{1,2})?$")
    end_rate: str | None = Field(default=None, pattern=r"^\d{1,4}(\.\d{1,2})?$", description="term rate")
    comment: str | None = Field(default=None, max_length=500)


class VoidBody(DomainModel):
    """S8.1: void a dispatch before its start date, or after it when it was entered in error."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="the dispatch's version")
    reason: str = Field(max_length=500, description="at least 10 characters (REASON_TOO_SHORT)")
    entered_in_error: bool = False


class ReregisterBody(DomainModel):
    """R6.3: the member reports back after a short call, turnaround, under-scale or 90-day termination."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="the registration's version")
    channel: str = Field(default="in_person", pattern="^(in_person|email|fax|web|phone)$")
    received_at: datetime | None = Field(default=None, description="when the union received it (default now)")


_FLAG = "^(specialty|mou_jobsite|under_scale|various_location)$"


class RequestUpdate(DomainModel):
    """S1.2: the fields to change (only those given), at the request's version. Before bidding opens any of them;
    after it only comments, report_to, contact and more positions. Book, employer and the named member identify
    the request: cancel it and enter a new one."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    agreement_type: str | None = Field(default=None, pattern="^(STANDARD|PLA|CWA|TERO)$")
    contract_code: str | None = Field(default=None, max_length=40)
    job_class: str | None = Field(default=None, max_length=60)
    worksite_name: str | None = Field(default=None, max_length=120)
    worksite_address: str | None = Field(default=None, max_length=200)
    worksite_city: str | None = Field(default=None, max_length=80)
    worksite_region: str | None = Field(default=None, max_length=60)
    report_to: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=200)
    requested_start_date: date | None = None
    start_time: time | None = None
    positions_requested: int | None = Field(default=None, ge=1, le=200)
    wage_rate: str | None = Field(default=None, pattern=r"^\d{1,4}(\.\d{1,2})?$")
    estimated_duration_working_days: int | None = Field(default=None, ge=1, le=2000)
    requirements: list[str] | None = Field(default=None, max_length=20)
    required_certifications: list[str] | None = Field(default=None, max_length=20)
    requirement_text: str | None = Field(default=None, max_length=2000)
    comments: str | None = Field(default=None, max_length=2000)
    no_mark_flags: list[Annotated[str, StringConstraints(pattern=_FLAG)]] | None = Field(default=None, max_length=4)
    foreperson: bool | None = None


class CancelBody(DomainModel):
    """§8.2: the employer cancels; open dispatches are terminated `job_cancelled` on `last_day_worked` (default:
    today, or the day before the start when the job has not started)."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    reason: str = Field(min_length=3, max_length=500)
    last_day_worked: date | None = None


class MoveBody(DomainModel):
    """R3.6: a later referral date (the employer's wish), never before the first one the cutoff allows."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    referral_date: date
    reason: str | None = Field(default=None, max_length=500)


class ByNameDispatchBody(DomainModel):
    """R13.2: the dispatcher confirms the anti-collusion check and records the member's attestation."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="the request's version")
    anti_collusion_confirmed: bool = Field(
        default=False, description="the member did not arrange the request with the employer"
    )
    attestation: str | None = Field(
        default=None,
        max_length=500,
        description="the member's attestation: its text or the signed statement's reference",
    )
    attestation_kind: str = Field(default="signed_statement", pattern="^(portal|signed_statement)$")


class ReinstateBody(DomainModel):
    """S8.2: officers and admins only; the reason is audited."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="the registration's version")
    reason: str = Field(max_length=500, description="at least 10 characters (REASON_TOO_SHORT)")
    check_mark_count: int | None = Field(default=None, ge=0, le=10, description="the count as of this decision")
