"""Employer use cases (modules.md §3): organizations, contract codes with dates, contacts, worksites.

Every change to an organization or its children bumps the organization's version in the same
transaction. That serialises concurrent edits of rules that span children (one primary contact, no
overlapping contracts of one code): the second writer gets the 409 contract, nothing half-written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import FieldProblem, bad_request, conflict, not_found, unprocessable
from chalicelib.core.ids import new_ulid
from chalicelib.core.model import DomainModel
from chalicelib.core.store import Page, versioned
from chalicelib.employers import store as repo
from chalicelib.employers.domain import (
    ContactCreate,
    Contact,
    Contract,
    ContractCreate,
    ContractStatus,
    ContractUpdate,
    EmployerContactUpdate,
    Organization,
    OrganizationCreate,
    OrganizationSummary,
    OrganizationUpdate,
    Worksite,
    WorksiteCreate,
    contract_range_problem,
    normalize_name,
    organization_summary,
    ranges_overlap,
)
from chalicelib.members.domain import name_key

ENTITY = "organization"
Child = Contract | Contact | Worksite


def _iso(ctx: Ctx) -> str:
    return ctx.clock().isoformat()


def org_json(org: Organization) -> dict[str, Any]:
    return org.model_dump(mode="json")


def child_json(child: DomainModel) -> dict[str, Any]:
    return child.model_dump(mode="json")


def create(ctx: Ctx, data: OrganizationCreate) -> Organization:
    prefix = name_key(data.name)
    same = [o for o in repo.search(ctx.store, prefix, None, 20, None).items
            if normalize_name(o.name) == normalize_name(data.name)]
    if same and not data.acknowledge_duplicate_name:
        raise conflict("DUPLICATE_NAME_WARNING",
                       "An organization with the same name exists; acknowledge to create another.",
                       FieldProblem("acknowledge_duplicate_name", "must be true to create a duplicate name"),
                       existing=[{"id": o.id, "name": o.name, "code": o.code} for o in same])
    now = _iso(ctx)
    fields = data.model_dump(exclude={"acknowledge_duplicate_name"})
    org = Organization(id=new_ulid(), created_at=now, updated_at=now, **fields)
    batch = ctx.store.batch()
    if org.code:
        batch.create_unique(repo.org_code_key(org.code), org.id)
    batch.put(org)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, org.id, {}, org_json(org)))
    versioned.commit(batch, duplicates=lambda _: conflict(
        "DUPLICATE_EMPLOYER_CODE", f"Employer code {org.code} is already in use.",
        FieldProblem("code", "already in use")))
    return org


def existing(ctx: Ctx, org_id: str) -> Organization:
    org = repo.get(ctx.store, org_id)
    if org is None or org.deleted_at:
        raise not_found("Employer")
    return org


def get(ctx: Ctx, org_id: str) -> dict[str, Any]:
    org = existing(ctx, org_id)
    ctx.audit_read(ENTITY, org.id)
    out = org_json(org)
    out["contracts"] = [child_json(c) for c in repo.contracts(ctx.store, org.id)]
    # Removed contacts are kept for the audit trail only.
    out["contacts"] = [child_json(c) for c in repo.contacts(ctx.store, org.id) if not c.deleted_at]
    out["worksites"] = [child_json(w) for w in repo.worksites(ctx.store, org.id)]
    return out


def search(ctx: Ctx, q: str | None, contract_code: str | None, limit: int,
           cursor: str | None) -> Page[OrganizationSummary]:
    q = (q or "").strip()
    if q and q.isdigit():
        found = repo.get_by_code(ctx.store, q)
        page: Page[OrganizationSummary] = Page([organization_summary(found)] if found and not found.deleted_at else [])
    else:
        prefix = name_key(q).rstrip("|") if q else None
        page = repo.search(ctx.store, prefix or None, contract_code, limit, cursor)
    ctx.audit_read(ENTITY, "BULK", bulk=True, filters={"q": q, "contract_code": contract_code},
                   row_count=len(page.items))
    return page


def _commit_org_change(ctx: Ctx, before: Organization, after: Organization, expected: int,
                       children: list[tuple[Child, int | None, dict[str, Any]]] | None = None,
                       deleted: frozenset[str] = frozenset()) -> Organization:
    """The organization at its new version, its changed children and every audit entry: one transaction."""
    versioned.require_version(expected, before.version, lambda: org_json(before))
    batch = ctx.store.batch()
    batch.put(after, before.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, ENTITY, after.id, org_json(before), org_json(after)))
    for child, child_version, old in children or []:
        batch.put(child, child_version)
        action = AuditAction.CREATE if child_version is None else AuditAction.UPDATE
        if child.id in deleted:
            action = AuditAction.DELETE
        batch.audit(ctx.audit_entry(action, type(child).__name__.lower(), child.id, old, _audit_view(child)))

    def current() -> dict[str, Any] | None:
        latest = repo.get(ctx.store, before.id)
        return org_json(latest) if latest else None

    versioned.commit(batch, current=current)
    return after.model_copy(update={"version": before.version + 1})


def _touched(org: Organization, now: str) -> Organization:
    return org.model_copy(update={"updated_at": now})


def _audit_view(child: Child) -> dict[str, Any]:
    """What the audit trail records of a child: its fields, without the bookkeeping the parent implies."""
    return child.model_dump(mode="json", exclude={"org_id", "version", "created_at", "updated_at"})


def update(ctx: Ctx, org_id: str, changes: OrganizationUpdate) -> Organization:
    before = existing(ctx, org_id)
    updates = {k: getattr(changes, k) for k in changes.model_fields_set if k != "version"}
    after = before.model_copy(update={**updates, "updated_at": _iso(ctx)})
    return _commit_org_change(ctx, before, after, changes.version)


def add_contract(ctx: Ctx, org_id: str, data: ContractCreate, version: int) -> dict[str, Any]:
    before = existing(ctx, org_id)
    _refuse_overlap(repo.contracts(ctx.store, org_id), data.contract_code.value, data.effective_date,
                    data.expiration_date)
    now = _iso(ctx)
    contract = Contract(id=new_ulid(), org_id=org_id, contract_code=data.contract_code.value,
                        effective_date=data.effective_date, expiration_date=data.expiration_date,
                        created_at=now, updated_at=now)
    codes = sorted(set(before.contract_codes) | {contract.contract_code})
    after = before.model_copy(update={"contract_codes": codes, "updated_at": now})
    _commit_org_change(ctx, before, after, version, [(contract, None, {})])
    return child_json(contract)


def _refuse_overlap(contracts: list[Contract], code: str, effective: date, expiration: date | None,
                    skip_id: str | None = None) -> None:
    """§3: date ranges of one contract code must not overlap (CONTRACT_OVERLAP)."""
    for other in contracts:
        if other.id == skip_id or other.contract_code != code:
            continue
        if ranges_overlap(other.effective_date, other.expiration_date, effective, expiration):
            raise conflict("CONTRACT_OVERLAP", "This contract's dates overlap another of the same code.",
                           FieldProblem("effective_date", "overlaps an existing contract"))


def _contract(ctx: Ctx, org_id: str, contract_id: str) -> tuple[Organization, list[Contract], Contract]:
    before = existing(ctx, org_id)
    contracts = repo.contracts(ctx.store, org_id)
    found = next((c for c in contracts if c.id == contract_id), None)
    if found is None:
        raise not_found("Contract")
    if found.status is ContractStatus.ENDED:
        raise unprocessable("CONTRACT_ENDED", "This contract has ended and can no longer change.")
    return before, contracts, found


def _save_contract(ctx: Ctx, before: Organization, contracts: list[Contract], old: Contract, effective: date,
                   expiration: date | None, version: int, status: ContractStatus) -> dict[str, Any]:
    versioned.require_version(version, before.version, lambda: org_json(before))  # before the rules
    problem = contract_range_problem(effective, expiration)
    if problem:
        raise bad_request("The contract dates are not valid.", FieldProblem("expiration_date", problem))
    _refuse_overlap(contracts, old.contract_code, effective, expiration, skip_id=old.id)
    now = _iso(ctx)
    contract = old.model_copy(update={"effective_date": effective, "expiration_date": expiration, "status": status,
                                      "updated_at": now})
    live = {c.contract_code for c in contracts if c.id != old.id and c.status is not ContractStatus.ENDED}
    if status is not ContractStatus.ENDED:
        live.add(old.contract_code)
    after = before.model_copy(update={"contract_codes": sorted(live), "updated_at": now})
    _commit_org_change(ctx, before, after, version, [(contract, old.version, _audit_view(old))])
    return child_json(contract.model_copy(update={"version": old.version + 1}))


def update_contract(ctx: Ctx, org_id: str, contract_id: str, changes: ContractUpdate, version: int) -> dict[str, Any]:
    """Edit a contract's dates; the overlap rule still holds (§3)."""
    before, contracts, old = _contract(ctx, org_id, contract_id)
    given = changes.model_fields_set
    if not given:
        raise bad_request("Nothing to change.", FieldProblem("effective_date", "give a date to change"))
    if "effective_date" in given and changes.effective_date is None:
        raise bad_request("The effective date is required.", FieldProblem("effective_date", "must not be empty"))
    effective = changes.effective_date or old.effective_date
    expiration = changes.expiration_date if "expiration_date" in given else old.expiration_date
    return _save_contract(ctx, before, contracts, old, effective, expiration, version, old.status)


def end_contract(ctx: Ctx, org_id: str, contract_id: str, expiration_date: date, version: int) -> dict[str, Any]:
    """Named action: the contract ends on `expiration_date` (status `ended`); its code leaves the employer's
    list of held codes unless another live contract holds it."""
    before, contracts, old = _contract(ctx, org_id, contract_id)
    return _save_contract(ctx, before, contracts, old, old.effective_date, expiration_date, version,
                          ContractStatus.ENDED)


def _contact(ctx: Ctx, org_id: str, contact_id: str) -> tuple[Organization, list[Contact], Contact]:
    before = existing(ctx, org_id)
    contacts = repo.contacts(ctx.store, org_id)
    found = next((c for c in contacts if c.id == contact_id and not c.deleted_at), None)
    if found is None:
        raise not_found("Contact")
    return before, contacts, found


def _demote_others(contacts: list[Contact], keep_id: str | None,
                   now: str) -> list[tuple[Child, int | None, dict[str, Any]]]:
    """At most one primary contact: demote every other primary in the same transaction (§3)."""
    return [(c.model_copy(update={"is_primary": False, "updated_at": now}), c.version, _audit_view(c))
            for c in contacts if c.id != keep_id and c.is_primary]


def update_contact(ctx: Ctx, org_id: str, contact_id: str, changes: EmployerContactUpdate,
                   version: int) -> dict[str, Any]:
    before, contacts, old = _contact(ctx, org_id, contact_id)
    given = changes.model_fields_set
    if not given:
        raise bad_request("Nothing to change.", FieldProblem("name", "give at least one field to change"))
    for required in ("name", "is_primary", "may_submit_requests"):
        if required in given and getattr(changes, required) is None:
            raise bad_request("A required field is empty.", FieldProblem(required, "must not be empty"))
    now = _iso(ctx)
    updates = changes.model_dump(mode="json", include=given)
    contact = old.model_copy(update={**updates, "updated_at": now})
    children = _demote_others(contacts, old.id, now) if updates.get("is_primary") else []
    children.append((contact, old.version, _audit_view(old)))
    _commit_org_change(ctx, before, _touched(before, now), version, children)
    return child_json(contact.model_copy(update={"version": old.version + 1}))


def remove_contact(ctx: Ctx, org_id: str, contact_id: str, reason: str, version: int) -> dict[str, Any]:
    """Soft removal (deleted at, by, reason): the contact leaves the employer's list; a removed
    primary stops being primary."""
    before, _, old = _contact(ctx, org_id, contact_id)
    now = _iso(ctx)
    contact = old.model_copy(update={"is_primary": False, "deleted_at": now, "deleted_by": ctx.caller.actor.id,
                                     "delete_reason": reason, "updated_at": now})
    _commit_org_change(ctx, before, _touched(before, now), version,
                       [(contact, old.version, _audit_view(old))], deleted=frozenset({old.id}))
    return child_json(contact.model_copy(update={"version": old.version + 1}))


def add_contact(ctx: Ctx, org_id: str, data: ContactCreate, version: int) -> dict[str, Any]:
    before = existing(ctx, org_id)
    now = _iso(ctx)
    # Marking a new primary demotes the old one in the same transaction (§3 acceptance).
    changes = _demote_others(repo.contacts(ctx.store, org_id), None, now) if data.is_primary else []
    contact = Contact(id=new_ulid(), org_id=org_id, created_at=now, updated_at=now, **data.model_dump(mode="json"))
    changes.append((contact, None, {}))
    _commit_org_change(ctx, before, _touched(before, now), version, changes)
    return child_json(contact)


def add_worksite(ctx: Ctx, org_id: str, data: WorksiteCreate, version: int) -> dict[str, Any]:
    before = existing(ctx, org_id)
    now = _iso(ctx)
    worksite = Worksite(id=new_ulid(), org_id=org_id, created_at=now, updated_at=now, **data.model_dump(mode="json"))
    _commit_org_change(ctx, before, _touched(before, now), version, [(worksite, None, {})])
    return child_json(worksite)
