"""Organization use cases (modules.md §3): employers with contracts, contacts and worksites."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from typing import Any

from chalicelib.domain.audit import AuditAction
from chalicelib.domain.employers import (
    ContactCreate,
    ContractCreate,
    ContractUpdate,
    EmployerContactUpdate,
    OrganizationCreate,
    OrganizationUpdate,
    WorksiteCreate,
    contract_range_problem,
    normalize_name,
    ranges_overlap,
)
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.members import name_key
from chalicelib.errors import (
    DuplicateKey,
    FieldProblem,
    StaleVersion,
    bad_request,
    conflict,
    not_found,
    unprocessable,
)
from chalicelib.services.context import Ctx
from chalicelib.store import keys
from chalicelib.store.ports import Child, Organization, OrganizationSummary, Page, organization_summary

ENTITY = "organization"


def _iso(ctx: Ctx) -> str:
    return ctx.clock().isoformat()


def org_json(org: Organization) -> dict[str, Any]:
    return asdict(org)


def create(ctx: Ctx, data: OrganizationCreate) -> Organization:
    prefix = name_key(data.name)
    same = [o for o in ctx.store.organizations.search(prefix, None, 20, None).items
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
        batch.claim(keys.org_code_key(org.code), org.id)
    batch.organization(org, None)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, org.id, {}, org_json(org)))
    try:
        batch.commit()
    except DuplicateKey as exc:
        raise conflict("DUPLICATE_EMPLOYER_CODE", f"Employer code {org.code} is already in use.",
                       FieldProblem("code", "already in use")) from exc
    return org


def _existing(ctx: Ctx, org_id: str) -> Organization:
    org = ctx.store.organizations.get(org_id)
    if org is None or org.deleted_at:
        raise not_found("Employer")
    return org


def get(ctx: Ctx, org_id: str) -> dict[str, Any]:
    org = _existing(ctx, org_id)
    ctx.store.audit_log.append(ctx.audit_entry(AuditAction.READ, ENTITY, org.id))
    pk = keys.org_pk(org.id)
    out = org_json(org)

    def rows(kind: str) -> list[dict[str, Any]]:
        return [{"id": c.id, "version": c.version, **c.data} for c in ctx.store.children.list(pk, kind)]

    out["contracts"] = rows("contract")
    out["contacts"] = [c for c in rows("contact") if not c.get("deleted_at")]  # removed contacts: audit only
    out["worksites"] = rows("worksite")
    return out


def search(ctx: Ctx, q: str | None, contract_code: str | None, limit: int,
           cursor: str | None) -> Page[OrganizationSummary]:
    q = (q or "").strip()
    if q and q.isdigit():
        found = ctx.store.organizations.get_by_code(q)
        page: Page[OrganizationSummary] = Page([organization_summary(found)] if found and not found.deleted_at else [])
    else:
        prefix = name_key(q).rstrip("|") if q else None
        page = ctx.store.organizations.search(prefix or None, contract_code, limit, cursor)
    ctx.store.audit_log.append(ctx.audit_entry(AuditAction.BULK_READ, ENTITY, "BULK",
                                               filters={"q": q, "contract_code": contract_code},
                                               row_count=len(page.items)))
    return page


def _commit_org_change(ctx: Ctx, before: Organization, after: Organization, expected: int,
                       children: list[tuple[Child, int | None, dict[str, Any]]] | None = None,
                       deleted: frozenset[str] = frozenset()) -> Organization:
    """Every change to an organization or its children bumps the organization's version, which
    serializes concurrent edits of rules that span children (one primary contact, no overlaps)."""
    if expected != before.version:
        raise conflict("CONCURRENT_UPDATE", "This record was changed by someone else.", current=org_json(before))
    batch = ctx.store.batch()
    batch.organization(after, before.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, ENTITY, after.id, org_json(before), org_json(after)))
    for child, child_version, old in children or []:
        batch.child(child, child_version)
        action = AuditAction.CREATE if child_version is None else AuditAction.UPDATE
        if child.id in deleted:
            action = AuditAction.DELETE
        batch.audit(ctx.audit_entry(action, child.kind, child.id, old, {"id": child.id, **child.data}))
    try:
        batch.commit()
    except StaleVersion as exc:
        latest = ctx.store.organizations.get(before.id)
        raise conflict("CONCURRENT_UPDATE", "This record was changed by someone else.",
                       current=org_json(latest) if latest else None) from exc
    return replace(after, version=before.version + 1)


def update(ctx: Ctx, org_id: str, changes: OrganizationUpdate) -> Organization:
    before = _existing(ctx, org_id)
    updates = {k: getattr(changes, k) for k in changes.model_fields_set if k != "version"}
    after = replace(before, **updates, updated_at=_iso(ctx))
    return _commit_org_change(ctx, before, after, changes.version)


def add_contract(ctx: Ctx, org_id: str, data: ContractCreate, version: int) -> dict[str, Any]:
    before = _existing(ctx, org_id)
    pk = keys.org_pk(org_id)
    _refuse_overlap(ctx.store.children.list(pk, "contract"), data.contract_code.value, data.effective_date,
                    data.expiration_date)
    now = _iso(ctx)
    child = Child(kind="contract", id=new_ulid(), parent_key=pk, created_at=now, updated_at=now,
                  sort=f"{data.contract_code.value}#{data.effective_date.isoformat()}",
                  data={**data.model_dump(mode="json"), "status": "active"})
    codes = sorted(set(before.contract_codes) | {data.contract_code.value})
    after = replace(before, contract_codes=codes, updated_at=now)
    _commit_org_change(ctx, before, after, version, [(child, None, {})])
    return {"id": child.id, "version": 1, **child.data}


def _refuse_overlap(contracts: list[Child], code: str, effective: date, expiration: date | None,
                    skip_id: str | None = None) -> None:
    """§3: date ranges of one contract code must not overlap (CONTRACT_OVERLAP)."""
    for existing in contracts:
        d = existing.data
        if existing.id == skip_id or d["contract_code"] != code:
            continue
        end = date.fromisoformat(d["expiration_date"]) if d.get("expiration_date") else None
        if ranges_overlap(date.fromisoformat(d["effective_date"]), end, effective, expiration):
            raise conflict("CONTRACT_OVERLAP", "This contract's dates overlap another of the same code.",
                           FieldProblem("effective_date", "overlaps an existing contract"))


def _child_json(child: Child) -> dict[str, Any]:
    return {"id": child.id, "version": child.version, **child.data}


def _contract(ctx: Ctx, org_id: str, contract_id: str) -> tuple[Organization, list[Child], Child]:
    before = _existing(ctx, org_id)
    contracts = ctx.store.children.list(keys.org_pk(org_id), "contract")
    found = next((c for c in contracts if c.id == contract_id), None)
    if found is None:
        raise not_found("Contract")
    if found.data.get("status") == "ended":
        raise unprocessable("CONTRACT_ENDED", "This contract has ended and can no longer change.")
    return before, contracts, found


def _save_contract(ctx: Ctx, before: Organization, contracts: list[Child], old: Child, effective: date,
                   expiration: date | None, version: int, status: str) -> dict[str, Any]:
    if version != before.version:  # checked before the rules so a stale form gets the current record
        raise conflict("CONCURRENT_UPDATE", "This record was changed by someone else.", current=org_json(before))
    problem = contract_range_problem(effective, expiration)
    if problem:
        raise bad_request("The contract dates are not valid.", FieldProblem("expiration_date", problem))
    _refuse_overlap(contracts, old.data["contract_code"], effective, expiration, skip_id=old.id)
    now = _iso(ctx)
    # The sort key (code#original effective date) stays, so the item is updated in place.
    child = replace(old, updated_at=now, data={**old.data, "effective_date": effective.isoformat(),
                                               "expiration_date": expiration.isoformat() if expiration else None,
                                               "status": status})
    live = {c.data["contract_code"] for c in contracts if c.id != old.id and c.data.get("status") != "ended"}
    if status != "ended":
        live.add(old.data["contract_code"])
    after = replace(before, contract_codes=sorted(live), updated_at=now)
    _commit_org_change(ctx, before, after, version, [(child, old.version, _child_json(old))])
    return _child_json(replace(child, version=old.version + 1))


def update_contract(ctx: Ctx, org_id: str, contract_id: str, changes: ContractUpdate, version: int) -> dict[str, Any]:
    """Edit a contract's dates; the overlap rule still holds (§3)."""
    before, contracts, old = _contract(ctx, org_id, contract_id)
    given = changes.model_fields_set
    if not given:
        raise bad_request("Nothing to change.", FieldProblem("effective_date", "give a date to change"))
    if "effective_date" in given and changes.effective_date is None:
        raise bad_request("The effective date is required.", FieldProblem("effective_date", "must not be empty"))
    effective = changes.effective_date or date.fromisoformat(old.data["effective_date"])
    old_exp = old.data.get("expiration_date")
    expiration = changes.expiration_date if "expiration_date" in given else (
        date.fromisoformat(old_exp) if old_exp else None)
    return _save_contract(ctx, before, contracts, old, effective, expiration, version, old.data.get("status", "active"))


def end_contract(ctx: Ctx, org_id: str, contract_id: str, expiration_date: date, version: int) -> dict[str, Any]:
    """Named action: the contract ends on `expiration_date` (status `ended`); its code leaves the employer's
    list of held codes unless another live contract holds it."""
    before, contracts, old = _contract(ctx, org_id, contract_id)
    effective = date.fromisoformat(old.data["effective_date"])
    return _save_contract(ctx, before, contracts, old, effective, expiration_date, version, "ended")


def _contact(ctx: Ctx, org_id: str, contact_id: str) -> tuple[Organization, list[Child], Child]:
    before = _existing(ctx, org_id)
    contacts = ctx.store.children.list(keys.org_pk(org_id), "contact")
    found = next((c for c in contacts if c.id == contact_id and not c.data.get("deleted_at")), None)
    if found is None:
        raise not_found("Contact")
    return before, contacts, found


def _demote_others(contacts: list[Child], keep_id: str, now: str) -> list[tuple[Child, int | None, dict[str, Any]]]:
    """At most one primary contact: demote every other primary in the same transaction (§3)."""
    return [(replace(c, data={**c.data, "is_primary": False}, updated_at=now), c.version, _child_json(c))
            for c in contacts if c.id != keep_id and c.data.get("is_primary")]


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
    child = replace(old, data={**old.data, **updates}, updated_at=now)
    children = _demote_others(contacts, old.id, now) if updates.get("is_primary") else []
    children.append((child, old.version, _child_json(old)))
    _commit_org_change(ctx, before, replace(before, updated_at=now), version, children)
    return _child_json(replace(child, version=old.version + 1))


def remove_contact(ctx: Ctx, org_id: str, contact_id: str, reason: str, version: int) -> dict[str, Any]:
    """Soft removal (deleted at, by, reason): the contact leaves the employer's list; a removed
    primary stops being primary."""
    before, _, old = _contact(ctx, org_id, contact_id)
    now = _iso(ctx)
    child = replace(old, updated_at=now, data={**old.data, "is_primary": False, "deleted_at": now,
                                               "deleted_by": ctx.caller.actor.id, "delete_reason": reason})
    _commit_org_change(ctx, before, replace(before, updated_at=now), version,
                       [(child, old.version, _child_json(old))], deleted=frozenset({old.id}))
    return _child_json(replace(child, version=old.version + 1))


def add_contact(ctx: Ctx, org_id: str, data: ContactCreate, version: int) -> dict[str, Any]:
    before = _existing(ctx, org_id)
    pk = keys.org_pk(org_id)
    now = _iso(ctx)
    changes: list[tuple[Child, int | None, dict[str, Any]]] = []
    if data.is_primary:
        # Marking a new primary demotes the old one in the same transaction (§3 acceptance).
        for old in ctx.store.children.list(pk, "contact"):
            if old.data.get("is_primary"):
                demoted = replace(old, data={**old.data, "is_primary": False}, updated_at=now)
                changes.append((demoted, old.version, {"id": old.id, **old.data}))
    child = Child(kind="contact", id=new_ulid(), parent_key=pk, created_at=now, updated_at=now,
                  sort=name_key(data.name), data=data.model_dump(mode="json"))
    changes.append((child, None, {}))
    _commit_org_change(ctx, before, replace(before, updated_at=now), version, changes)
    return {"id": child.id, "version": 1, **child.data}


def add_worksite(ctx: Ctx, org_id: str, data: WorksiteCreate, version: int) -> dict[str, Any]:
    before = _existing(ctx, org_id)
    now = _iso(ctx)
    child = Child(kind="worksite", id=new_ulid(), parent_key=keys.org_pk(org_id), created_at=now, updated_at=now,
                  sort=name_key(data.name), data=data.model_dump(mode="json"))
    _commit_org_change(ctx, before, replace(before, updated_at=now), version, [(child, None, {})])
    return {"id": child.id, "version": 1, **child.data}
