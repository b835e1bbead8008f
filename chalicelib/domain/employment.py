"""Employment history and member notes (modules.md §4, §5). Pure rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from chalicelib.domain.model import DomainModel
from chalicelib.domain.roles import Role


class EmploymentCreate(DomainModel):
    model_config = ConfigDict(extra="forbid")
    employer_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    worksite_id: str | None = None
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


class NoteCategory(StrEnum):
    CONTACT = "contact"
    DUES = "dues"
    GRIEVANCE = "grievance"
    REFERRAL = "referral"
    BENEVOLENCE = "benevolence"
    GENERAL = "general"


class NoteVisibility(StrEnum):
    STAFF_ONLY = "staff_only"
    OFFICERS = "officers"
    ALL_AUTHORIZED = "all_authorized"


class NoteCreate(DomainModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    category: NoteCategory = NoteCategory.GENERAL
    visibility: NoteVisibility = NoteVisibility.STAFF_ONLY


_NOTE_READERS = frozenset({Role.ADMIN, Role.OFFICER, Role.DISPATCHER, Role.STAFF, Role.ORGANIZER})


def can_read_note(visibility: NoteVisibility, author_id: str, reader_id: str, roles: frozenset[Role]) -> bool:
    """Visibility matrix of §5: notes are never shown to members or instructors."""
    if Role.ADMIN in roles:
        return True
    if not roles & _NOTE_READERS:
        return False
    if visibility is NoteVisibility.ALL_AUTHORIZED:
        return True
    if visibility is NoteVisibility.OFFICERS:
        return Role.OFFICER in roles
    return author_id == reader_id


def can_change_note(author_id: str, caller_id: str, roles: frozenset[Role]) -> bool:
    """§5: a note is edited or (soft) deleted by its author or by an admin."""
    return Role.ADMIN in roles or (bool(roles & _NOTE_READERS) and author_id == caller_id)


class NoteUpdate(DomainModel):
    """An edit of a note: the previous text, category and visibility are kept as a version (§5)."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)] | None = None
    category: NoteCategory | None = None
    visibility: NoteVisibility | None = None


NOTE_EDITABLE = ("text", "category", "visibility")

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
    employer_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    start_date: date | None = None
    end_date: date | None = None
    job_class: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    hourly_rate: Decimal | None = Field(default=None, ge=0, le=1000, decimal_places=2)


def dispatch_sourced(record: dict[str, object]) -> bool:
    """§4.3: dispatch-sourced records change only through dispatch actions."""
    return record.get("source") == "dispatch"


def job_dates_problem(start: date, end: date | None) -> str | None:
    """§4.2 invariant: end date ≥ start date (None = current, always fine)."""
    if end is not None and end < start:
        return "must not be before the start date"
    return None


def periods_overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """§4.2: periods of one member must not overlap (closed ranges; an open end runs forever)."""
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)
