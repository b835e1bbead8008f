"""Employment history of a member (modules.md §4). Pure rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from chalicelib.core.model import ID_PATTERN, DomainModel


class EmploymentCreate(DomainModel):
    model_config = ConfigDict(extra="forbid")
    employer_id: str = Field(pattern=ID_PATTERN)
    worksite_id: str | None = Field(default=None, pattern=ID_PATTERN)
    start_date: date
    end_date: date | None = None
    job_class: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    hourly_rate: Decimal | None = Field(default=None, ge=0, le=1000, decimal_places=2)
    source: str = Field(default="direct_hire", pattern="^(direct_hire|correction)$")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @model_validator(mode="after")
    def _dates(self) -> EmploymentCreate:
        if self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class EmploymentEnd(DomainModel):
    """End the current job (§4): the end date must not be before the start date."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    end_date: date
    end_hourly_rate: Decimal | None = Field(default=None, ge=0, le=1000, decimal_places=2)


class EmploymentCorrection(DomainModel):
    """A correction of a direct-hire or imported record (§4.3): reason required, audited old/new.
    An explicit `end_date: null` makes the record current again (if no other job is)."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    reason: Reason
    employer_id: str | None = Field(default=None, pattern=ID_PATTERN)
    start_date: date | None = None
    end_date: date | None = None
    job_class: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    hourly_rate: Decimal | None = Field(default=None, ge=0, le=1000, decimal_places=2)


def dispatch_sourced(record: EmploymentRecord | Mapping[str, object]) -> bool:
    """§4.3: dispatch-sourced records change only through dispatch actions."""
    source = record.get("source") if isinstance(record, Mapping) else record.source
    return source == "dispatch"


def job_dates_problem(start: date, end: date | None) -> str | None:
    """§4.2 invariant: end date ≥ start date (None = current, always fine)."""
    if end is not None and end < start:
        return "must not be before the start date"
    return None


def periods_overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """§4.2: periods of one member must not overlap (closed ranges; an open end runs forever)."""
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


class EmploymentRecord(DomainModel):
    """One job of a member (§4.1). `source` says where it came from: a direct hire or a correction entered
    by staff, an import, or a dispatch (which changes only through dispatch actions, §4.3)."""

    id: str
    member_id: str
    employer_id: str
    employer_name: str | None = None
    worksite_id: str | None = None
    worksite: str | None = None
    start_date: date
    end_date: date | None = None
    job_class: str | None = None
    hourly_rate: str | None = None  # exact decimal text ("61.25"), never a float
    end_hourly_rate: str | None = None
    source: str = "direct_hire"
    reason: str | None = None
    book: str | None = None
    request_number: str | None = None
    dispatch_number: str | None = None
    short_call: bool | None = None
    by_name: bool | None = None
    termination_reason: str | None = None
    # Set when a dispatch-sourced job ends (referral S5, S7): days counted by the referral rules, the
    # classification, the raw reason's comment; a voided dispatch (S8.1) marks its record void instead.
    working_days: int | None = None
    calendar_days: int | None = None
    hours: str | None = None  # exact decimal text
    classification: str | None = None
    termination_comment: str | None = None
    voided_at: str | None = None
    void_reason: str | None = None
    corrected_at: str | None = None
    correction_reason: str | None = None
    created_at: str
    updated_at: str
    version: int = 1

    @property
    def is_current(self) -> bool:
        return self.end_date is None and self.voided_at is None


class EmploymentTimeline(DomainModel):
    """One per member: every change to the member's jobs writes it at its next version in the same
    transaction. Two changes made at once from the same view of the member's jobs cannot both commit, so
    the rules that span jobs (no overlaps, §4.2) hold under concurrency too."""

    member_id: str
    updated_at: str
    version: int = 1


def rate_text(value: Decimal | None) -> str | None:
    """Rates are kept as exact two-decimal text."""
    return f"{value:.2f}" if value is not None else None


def overlapping(
    jobs: list[EmploymentRecord], start: date, end: date | None, skip_id: str | None = None
) -> EmploymentRecord | None:
    """§4.2: the first other job of the member whose period overlaps start..end, if any."""
    for other in jobs:
        if other.voided_at is not None:
            continue  # a voided dispatch (S8.1) was never a job
        if other.id != skip_id and periods_overlap(start, end, other.start_date, other.end_date):
            return other
    return None
