"""Request and response bodies of the employer routes. Child edits carry the employer's version: every
change to a child bumps it (employers/service.py)."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from chalicelib.core.api import PAGING, QueryParam
from chalicelib.core.model import DomainModel
from chalicelib.employers.domain import (
    Contact,
    ContactCreate,
    Contract,
    ContractCode,
    ContractCreate,
    ContractUpdate,
    EmployerContactUpdate,
    Organization,
    Worksite,
    WorksiteCreate,
)

EMPLOYER_FILTERS = (
    QueryParam("q", description="name prefix or employer code"),
    QueryParam("contract_code", enum=tuple(c.value for c in ContractCode)),
    *PAGING,
)
EMPLOYER_VERSION = "the employer's version"


class ContractBody(ContractCreate):
    version: int = Field(ge=1, description=EMPLOYER_VERSION)


class ContactBody(ContactCreate):
    version: int = Field(ge=1, description=EMPLOYER_VERSION)


class WorksiteBody(WorksiteCreate):
    version: int = Field(ge=1, description=EMPLOYER_VERSION)


class ContactEditBody(EmployerContactUpdate):
    version: int = Field(ge=1, description=EMPLOYER_VERSION)


class ContractEditBody(ContractUpdate):
    version: int = Field(ge=1, description=EMPLOYER_VERSION)


class ContractEndBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    expiration_date: date
    version: int = Field(ge=1, description=EMPLOYER_VERSION)


class ChildDeleteBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)
    version: int = Field(ge=1, description=EMPLOYER_VERSION)


class EmployerView(Organization):
    """An employer with its contracts, contacts (removed ones are in the audit trail only) and worksites."""

    contracts: list[Contract] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    worksites: list[Worksite] = Field(default_factory=list)
