"""Organization use cases (modules.md §3): employers with contracts, contacts and worksites."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from typing import Any

from chalicelib.domain.audit import AuditAction
from chalicelib.domain.employers import (
    ContactCreate,
    ContractCreate,
    OrganizationCreate,
    OrganizationUpdate,
    WorksiteCreate,
    normalize_name,
    ranges_overlap,
)
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.members import name_key
from chalicelib.errors import DuplicateKey, FieldProblem, StaleVersion, conflict, not_found
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
    out["contacts"] = rows("contact")
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
                       children: list[tuple[Child, int | None, dict[str, Any]]] | None = None) -> Organization:
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
    for existing in ctx.store.children.list(pk, "contract"):
        d = existing.data
        if d["contract_code"] != data.contract_code.value:
            continue
        end = date.fromisoformat(d["expiration_date"]) if d.get("expiration_date") else None
        if ranges_overlap(date.fromisoformat(d["effective_date"]), end, data.effective_date, data.expiration_date):
            raise conflict("CONTRACT_OVERLAP", "This contract's dates overlap another of the same code.",
                           FieldProblem("effective_date", "overlaps an existing contract"))
    now = _iso(ctx)
    child = Child(kind="contract", id=new_ulid(), parent_key=pk, created_at=now, updated_at=now,
                  sort=f"{data.contract_code.value}#{data.effective_date.isoformat()}",
                  data={**data.model_dump(mode="json"), "status": "active"})
    codes = sorted(set(before.contract_codes) | {data.contract_code.value})
    after = replace(before, contract_codes=codes, updated_at=now)
    _commit_org_change(ctx, before, after, version, [(child, None, {})])
    return {"id": child.id, "version": 1, **child.data}


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
