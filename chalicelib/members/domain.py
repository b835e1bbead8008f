"""Member records: fields, validation and status transitions (modules.md §2). Pure."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, EmailStr, Field, StringConstraints, field_validator

from chalicelib.core.audit import EntryView, Reader, audit_read_rule
from chalicelib.core.model import DomainModel
from chalicelib.core.roles import DEMOGRAPHICS_READERS, OFFICERS, RECORD_KEEPERS, Role

# The entity type of members in the audit trail.
AUDIT_ENTITY = "member"


class CardType(StrEnum):
    A = "A"
    BA = "BA"
    CE = "CE"
    CW = "CW"
    APP = "APP"


class Classification(StrEnum):
    APPRENTICE_1 = "apprentice_1"
    APPRENTICE_2 = "apprentice_2"
    APPRENTICE_3 = "apprentice_3"
    APPRENTICE_4 = "apprentice_4"
    APPRENTICE_5 = "apprentice_5"
    JOURNEYMAN = "journeyman"
    FOREMAN = "foreman"
    RETIREE = "retiree"
    HONORARY = "honorary"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    RETIRED = "retired"
    DECEASED = "deceased"


MemberNumber = Annotated[str, StringConstraints(pattern=r"^\d{7}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
OptName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None
State = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")]
Zip = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{5}(-\d{4})?$")]
LocalNumber = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]

_PHONE_DIGITS = re.compile(r"\D")


def normalize_phone(value: str | None) -> str | None:
    """Legacy data mixes formats; store one: (206) 555-0100. Refuse anything that is not 10 digits."""
    if value is None or value.strip() == "":
        return None
    digits = _PHONE_DIGITS.sub("", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValueError("must be a 10-digit phone number")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def birth_date_problem(value: date | None, today: date) -> str | None:
    """A date of birth lies between 1900-01-01 and today (the caller's clock: rules never read the time)."""
    if value is not None and not (EARLIEST_BIRTH_DATE <= value <= today):
        return "must be between 1900-01-01 and today"
    return None


def _check_dob(value: date | None) -> date | None:
    # The model can only check the fixed bound; the use case checks "not after today" with its clock.
    problem = birth_date_problem(value, date.max)
    if problem:
        raise ValueError(problem)
    return value


class ContactFields(DomainModel):
    """Fields a member may change on their own record (and dispatchers may edit)."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = None
    email: EmailStr | None = None
    address_line1: Line = None
    address_line2: Line = None
    city: Line = None
    state: State | None = None
    zip: Zip | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return normalize_phone(v)

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return v.lower() if v else v


class MemberCreate(ContactFields):
    member_number: MemberNumber
    local_number: LocalNumber = "0046"
    first_name: Name
    middle_name: OptName = None
    last_name: Name
    suffix: OptName = None
    date_of_birth: date
    card_type: CardType
    classification: Classification
    trade_classification: Line = None
    status: MemberStatus = MemberStatus.ACTIVE
    initiation_date: date | None = None
    gender: OptName = None
    ethnicity: OptName = None

    _dob = field_validator("date_of_birth")(classmethod(lambda cls, v: _check_dob(v)))  # type: ignore[arg-type]


class MemberUpdate(ContactFields):
    """Generic update. `status` and `member_number` are deliberately absent: they change only through actions."""

    version: int = Field(ge=1)
    first_name: Name | None = None
    middle_name: OptName = None
    last_name: Name | None = None
    suffix: OptName = None
    date_of_birth: date | None = None
    card_type: CardType | None = None
    classification: Classification | None = None
    trade_classification: Line = None
    initiation_date: date | None = None
    local_number: LocalNumber | None = None
    gender: OptName = None
    ethnicity: OptName = None

    _dob = field_validator("date_of_birth")(classmethod(lambda cls, v: _check_dob(v)))  # type: ignore[arg-type]


class ContactUpdate(ContactFields):
    version: int = Field(ge=1)


class Member(DomainModel):
    id: str
    member_number: str
    local_number: str = "0046"
    first_name: str
    middle_name: str | None = None
    last_name: str
    suffix: str | None = None
    date_of_birth: date
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None
    email: str | None = None
    card_type: CardType
    classification: Classification
    trade_classification: str | None = None
    status: MemberStatus
    initiation_date: date | None = None
    gender: str | None = None
    ethnicity: str | None = None
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    delete_reason: str | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime


class MemberSummary(DomainModel):
    id: str
    member_number: str
    first_name: str
    last_name: str
    status: MemberStatus
    classification: Classification
    card_type: CardType
    city: str | None = None
    phone: str | None = None


RESTRICTED_FIELDS = ("gender", "ethnicity")
CONTACT_FIELDS = tuple(ContactFields.model_fields)


def summary_of(member: Member) -> MemberSummary:
    return MemberSummary.model_validate(member.model_dump(include=set(MemberSummary.model_fields)))


def name_key(last_name: str, first_name: str = "") -> str:
    """Sort/search key for names: upper case, punctuation folded, so 'O'Brien' finds O'BRIEN."""
    text = f"{last_name}|{first_name}".upper()
    return re.sub(r"[^A-Z0-9|]+", " ", text).strip()


def public_view(member: Member, roles: frozenset[Role], own_record: bool) -> dict[str, Any]:
    """What a caller may see: demographics only for admin/officer or the member themselves."""
    data = member.model_dump(mode="json")
    if not (roles & DEMOGRAPHICS_READERS) and not own_record:
        for f in RESTRICTED_FIELDS:
            data.pop(f, None)
    return data


@audit_read_rule(AUDIT_ENTITY)
def member_values_in_the_audit_trail(view: EntryView, reader: Reader) -> None:
    """§2.1 applied to the audit trail: restricted demographics only for DEMOGRAPHICS_READERS (a member
    never reads the audit trail, so the own-record exception of `public_view` does not arise)."""
    if not (reader.roles & DEMOGRAPHICS_READERS):
        view.mask("old_values", RESTRICTED_FIELDS)
        view.mask("new_values", RESTRICTED_FIELDS)


# -- Status transitions (§2.2) -------------------------------------------------------------------


class StatusAction(StrEnum):
    WITHDRAW = "withdraw"  # active -> inactive
    DROP_NONPAYMENT = "drop_for_nonpayment"  # active -> inactive (officer)
    REINSTATE = "reinstate"  # inactive -> active
    SUSPEND = "suspend"  # active -> suspended
    LIFT_SUSPENSION = "lift_suspension"  # suspended -> active
    RETIRE = "retire"  # active/inactive -> retired
    RETURN_TO_WORK = "return_to_work"  # retired -> active
    RECORD_DEATH = "record_death"  # any but deceased -> deceased


TRANSITIONS: dict[StatusAction, tuple[frozenset[MemberStatus], MemberStatus, frozenset[Role]]] = {
    StatusAction.WITHDRAW: (frozenset({MemberStatus.ACTIVE}), MemberStatus.INACTIVE, RECORD_KEEPERS),
    StatusAction.DROP_NONPAYMENT: (frozenset({MemberStatus.ACTIVE}), MemberStatus.INACTIVE, OFFICERS),
    StatusAction.REINSTATE: (frozenset({MemberStatus.INACTIVE}), MemberStatus.ACTIVE, RECORD_KEEPERS),
    StatusAction.SUSPEND: (frozenset({MemberStatus.ACTIVE}), MemberStatus.SUSPENDED, OFFICERS),
    StatusAction.LIFT_SUSPENSION: (frozenset({MemberStatus.SUSPENDED}), MemberStatus.ACTIVE, OFFICERS),
    StatusAction.RETIRE: (
        frozenset({MemberStatus.ACTIVE, MemberStatus.INACTIVE}),
        MemberStatus.RETIRED,
        RECORD_KEEPERS,
    ),
    StatusAction.RETURN_TO_WORK: (frozenset({MemberStatus.RETIRED}), MemberStatus.ACTIVE, OFFICERS),
    StatusAction.RECORD_DEATH: (
        frozenset(MemberStatus) - {MemberStatus.DECEASED},
        MemberStatus.DECEASED,
        RECORD_KEEPERS,
    ),
}


class TransitionRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def next_status(current: MemberStatus, action: StatusAction, roles: frozenset[Role]) -> MemberStatus:
    allowed_from, target, actors = TRANSITIONS[action]
    if not (roles & actors):
        raise TransitionRefused("FORBIDDEN", f"Your role may not {action.value.replace('_', ' ')}.")
    if current not in allowed_from:
        raise TransitionRefused(
            "INVALID_TRANSITION", f"A member who is {current.value} cannot {action.value.replace('_', ' ')}."
        )
    return target
