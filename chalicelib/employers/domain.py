"""Organizations, contracts, contacts, worksites (modules.md §3). Pure rules."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, EmailStr, Field, StringConstraints, field_validator, model_validator

from chalicelib.members.domain import Line, State, Zip, normalize_phone
from chalicelib.core.model import DomainModel


class ContractCode(StrEnum):
    WIREPERSON = "WIREPERSON"
    SOUND_COMM = "SOUND & COMM"
    RESIDENTIAL = "RESIDENTIAL"
    STOCKPERSON = "STOCKPERSON"
    LT_FXT_MAINT = "LT FXT MAINT"
    GROUP_MARINE = "GROUP MARINE"
    GROUP_TV_APPL = "GROUP TV & APPL"
    MARKET_RECOVERY = "MARKET RECOVERY"


OrgName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


def normalize_name(name: str) -> str:
    """Legacy rule: upper-case, delete '.' and ',', collapse spaces ('Acme Electric, Inc.' == 'ACME ELECTRIC INC')."""
    return re.sub(r"\s+", " ", re.sub(r"[.,]", "", name.upper())).strip()


class _Contactish(DomainModel):
    model_config = ConfigDict(extra="forbid")
    phone: str | None = None
    email: EmailStr | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return normalize_phone(v)


class OrganizationCreate(_Contactish):
    name: OrgName
    legal_name: Line = None
    org_type: str = Field(default="employer", pattern="^(employer|union|training_partner|jatc)$")
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,20}$")] | None = None
    address_line1: Line = None
    city: Line = None
    state: State | None = None
    zip: Zip | None = None
    website: Line = None
    acknowledge_duplicate_name: bool = False


class OrganizationUpdate(_Contactish):
    version: int = Field(ge=1)
    name: OrgName | None = None
    legal_name: Line = None
    address_line1: Line = None
    city: Line = None
    state: State | None = None
    zip: Zip | None = None
    website: Line = None


class ContractCreate(DomainModel):
    model_config = ConfigDict(extra="forbid")
    contract_code: ContractCode
    effective_date: date
    expiration_date: date | None = None

    @model_validator(mode="after")
    def _range(self) -> ContractCreate:
        if self.expiration_date and self.expiration_date < self.effective_date:
            raise ValueError("expiration_date must not be before effective_date")
        return self


class ContactCreate(_Contactish):
    name: OrgName
    title: Line = None
    is_primary: bool = False
    may_submit_requests: bool = False
    notes: Annotated[str, StringConstraints(max_length=2000)] | None = None


class WorksiteCreate(DomainModel):
    model_config = ConfigDict(extra="forbid")
    name: OrgName
    code: Line = None
    address_line1: Line = None
    city: Line = None
    state: State | None = None
    zip: Zip | None = None
    region: Line = None


def ranges_overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Closed ranges; an open end runs forever."""
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


class EmployerContactUpdate(_Contactish):
    """Partial edit of a contact; `is_primary: true` demotes the current primary in the same write."""

    name: OrgName | None = None
    title: Line = None
    is_primary: bool | None = None
    may_submit_requests: bool | None = None
    notes: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ContractUpdate(DomainModel):
    """Dates of a contract (the code is its identity and is not editable; status changes only by `end`)."""

    model_config = ConfigDict(extra="forbid")
    effective_date: date | None = None
    expiration_date: date | None = None


def contract_range_problem(effective: date, expiration: date | None) -> str | None:
    if expiration is not None and expiration < effective:
        return "must not be before the effective date"
    return None


# -- records ---------------------------------------------------------------------------------------


class Organization(DomainModel):
    id: str
    name: str
    created_at: str
    updated_at: str
    code: str | None = None
    legal_name: str | None = None
    org_type: str = "employer"
    address_line1: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    status: str = "active"
    contract_codes: list[str] = Field(default_factory=list)
    deleted_at: str | None = None
    version: int = 1


class OrganizationSummary(DomainModel):
    """What an employer list shows; list queries read only these attributes."""

    id: str
    name: str
    code: str | None = None
    city: str | None = None
    phone: str | None = None
    status: str = "active"
    contract_codes: list[str] = Field(default_factory=list)


def organization_summary(org: Organization) -> OrganizationSummary:
    return OrganizationSummary(
        id=org.id,
        name=org.name,
        code=org.code,
        city=org.city,
        phone=org.phone,
        status=org.status,
        contract_codes=list(org.contract_codes),
    )


class ContractStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class Contract(DomainModel):
    """A contract code an employer holds for a date range (§3). The code is its identity."""

    id: str
    org_id: str
    contract_code: str
    effective_date: date
    expiration_date: date | None = None
    status: ContractStatus = ContractStatus.ACTIVE
    created_at: str
    updated_at: str
    version: int = 1


class Contact(DomainModel):
    id: str
    org_id: str
    name: str
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    is_primary: bool = False
    may_submit_requests: bool = False
    notes: str | None = None
    deleted_at: str | None = None
    deleted_by: str | None = None
    delete_reason: str | None = None
    created_at: str
    updated_at: str
    version: int = 1


class Worksite(DomainModel):
    id: str
    org_id: str
    name: str
    code: str | None = None
    address_line1: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    region: str | None = None
    created_at: str
    updated_at: str
    version: int = 1
