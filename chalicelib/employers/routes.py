"""Employer routes: search, create, read, update; contracts, contacts and worksites."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import Api, Req
from chalicelib.core.roles import HALL_STAFF, MEMBER_READERS
from chalicelib.core.schemas import PageOf
from chalicelib.core.store import Page
from chalicelib.employers import service
from chalicelib.employers.domain import (
    Contact,
    ContactCreate,
    Contract,
    ContractCreate,
    ContractUpdate,
    EmployerContactUpdate,
    Organization,
    OrganizationCreate,
    OrganizationSummary,
    OrganizationUpdate,
    Worksite,
    WorksiteCreate,
)
from chalicelib.employers.schemas import (
    EMPLOYER_FILTERS,
    ChildDeleteBody,
    ContactBody,
    ContactEditBody,
    ContractBody,
    ContractEditBody,
    ContractEndBody,
    EmployerView,
    WorksiteBody,
)

api = Api(__name__)



@api.route("/employers", "GET", roles=MEMBER_READERS, query=EMPLOYER_FILTERS, response=PageOf[OrganizationSummary],
           summary="Search employers")
def employers_list(req: Req) -> Page[OrganizationSummary]:
    q = req.query
    return service.search(req.auth, q.get("q"), q.get("contract_code"), req.limit, req.cursor)


@api.route("/employers", "POST", roles=HALL_STAFF, body=OrganizationCreate, status=201, response=Organization,
           summary="Create an employer")
def employers_create(req: Req) -> Organization:
    return service.create(req.auth, req.body)


@api.route("/employers/{org_id}", "GET", roles=MEMBER_READERS, response=EmployerView,
           summary="An employer with contracts, contacts, worksites")
def employers_get(req: Req, org_id: str) -> dict[str, Any]:
    return service.get(req.auth, org_id)


@api.route("/employers/{org_id}", "PATCH", roles=HALL_STAFF, body=OrganizationUpdate, response=Organization,
           summary="Update an employer")
def employers_update(req: Req, org_id: str) -> Organization:
    return service.update(req.auth, org_id, req.body)


@api.route("/employers/{org_id}/contracts", "POST", roles=HALL_STAFF, body=ContractBody, status=201,
           response=Contract, summary="Add a contract code with dates")
def contracts_add(req: Req, org_id: str) -> dict[str, Any]:
    b = req.body
    return service.add_contract(req.auth, org_id, ContractCreate(**b.model_dump(exclude={"version"})), b.version)


@api.route("/employers/{org_id}/contacts", "POST", roles=HALL_STAFF, body=ContactBody, status=201, response=Contact,
           summary="Add a contact")
def contacts_add(req: Req, org_id: str) -> dict[str, Any]:
    b = req.body
    return service.add_contact(req.auth, org_id, ContactCreate(**b.model_dump(exclude={"version"})), b.version)


@api.route("/employers/{org_id}/worksites", "POST", roles=HALL_STAFF, body=WorksiteBody, status=201,
           response=Worksite, summary="Add a worksite")
def worksites_add(req: Req, org_id: str) -> dict[str, Any]:
    b = req.body
    return service.add_worksite(req.auth, org_id, WorksiteCreate(**b.model_dump(exclude={"version"})), b.version)


@api.route("/employers/{org_id}/contacts/{contact_id}", "PATCH", roles=HALL_STAFF, body=ContactEditBody,
           response=Contact, summary="Edit a contact (making it primary demotes the old primary)")
def contacts_edit(req: Req, org_id: str, contact_id: str) -> dict[str, Any]:
    b = req.body
    changes = EmployerContactUpdate(**b.model_dump(include=b.model_fields_set - {"version"}))
    return service.update_contact(req.auth, org_id, contact_id, changes, b.version)


@api.route("/employers/{org_id}/contacts/{contact_id}", "DELETE", roles=HALL_STAFF, body=ChildDeleteBody,
           response=Contact, summary="Remove a contact (soft, reason required)")
def contacts_remove(req: Req, org_id: str, contact_id: str) -> dict[str, Any]:
    b = req.body
    return service.remove_contact(req.auth, org_id, contact_id, b.reason, b.version)


@api.route("/employers/{org_id}/contracts/{contract_id}", "PATCH", roles=HALL_STAFF, body=ContractEditBody,
           response=Contract, summary="Edit a contract's dates (no overlap with the same code)")
def contracts_edit(req: Req, org_id: str, contract_id: str) -> dict[str, Any]:
    b = req.body
    changes = ContractUpdate(**b.model_dump(include=b.model_fields_set - {"version"}))
    return service.update_contract(req.auth, org_id, contract_id, changes, b.version)


@api.route("/employers/{org_id}/contracts/{contract_id}/end", "POST", roles=HALL_STAFF, body=ContractEndBody,
           response=Contract, summary="End a contract on a date")
def contracts_end(req: Req, org_id: str, contract_id: str) -> dict[str, Any]:
    b = req.body
    return service.end_contract(req.auth, org_id, contract_id, b.expiration_date, b.version)
