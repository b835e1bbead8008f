"""Member use cases (modules.md §2): create, read (audited), search, update, status, soft delete."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import (
    AppError,
    FieldProblem,
    bad_request,
    conflict,
    forbidden,
    not_found,
    unprocessable,
)
from chalicelib.core.ids import new_ulid
from chalicelib.core.roles import DEMOGRAPHICS_READERS, RECORD_KEEPERS
from chalicelib.core.store import Page, versioned
from chalicelib.members import store as repo
from chalicelib.members.domain import (
    AUDIT_ENTITY,
    ContactUpdate,
    Member,
    MemberCreate,
    MemberSummary,
    RESTRICTED_FIELDS,
    MemberUpdate,
    StatusAction,
    TransitionRefused,
    birth_date_problem,
    name_key,
    next_status,
    public_view,
    summary_of,
)

ENTITY = AUDIT_ENTITY
_CARD = re.compile(r"^\d{7}$")

# Dispatchers may edit contact and referral fields only (§17); organizers read contact fields.
_DISPATCHER_FIELDS = frozenset({"version", "phone", "email", "address_line1", "address_line2", "city", "state", "zip"})


def view(ctx: Ctx, member: Member) -> dict[str, Any]:
    return public_view(member, ctx.caller.roles, own_record=ctx.caller.member_id == member.id)


def ensure_can_read(ctx: Ctx, member_id: str) -> None:
    """Member scope (invariant): a member reaches only their own record; a refusal is audited."""
    if ctx.caller.is_member_only and ctx.caller.member_id != member_id:
        ctx.audit_read(ENTITY, member_id, refused=True)
        raise forbidden("You can only see your own record.")


def _check_birth_date(ctx: Ctx, member: Member) -> None:
    problem = birth_date_problem(member.date_of_birth, ctx.today())
    if problem:
        raise bad_request("Some fields are not valid.", FieldProblem("date_of_birth", problem))


def _refuse_restricted(ctx: Ctx, fields: set[str]) -> None:
    """Demographics are set and changed by officers only (§2.1), at creation as on update."""
    restricted = sorted(set(RESTRICTED_FIELDS) & fields)
    if restricted and ctx.caller.roles.isdisjoint(DEMOGRAPHICS_READERS):
        raise AppError(403, "FORBIDDEN", "Only officers may change demographics.",
                       [FieldProblem(f, "restricted") for f in restricted])


def create(ctx: Ctx, data: MemberCreate) -> Member:
    _refuse_restricted(ctx, {f for f in data.model_fields_set if getattr(data, f) is not None})
    now = ctx.clock()
    member = Member(id=new_ulid(), created_at=now, updated_at=now, version=1, **data.model_dump())
    _check_birth_date(ctx, member)
    batch = ctx.store.batch()
    batch.create_unique(repo.member_number_key(member.member_number), member.id)
    batch.put(member)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, member.id, {}, member.model_dump(mode="json")))
    versioned.commit(batch, duplicates=lambda _: conflict(
        "DUPLICATE_MEMBER_NUMBER", f"Card number {member.member_number} is already in use.",
        FieldProblem("member_number", "already in use")))
    return member


def get(ctx: Ctx, member_id: str, audit: bool = True) -> Member:
    ensure_can_read(ctx, member_id)
    member = repo.get(ctx.store, member_id)
    can_see_deleted = ctx.caller.has_any(*RECORD_KEEPERS)
    if member is None or (member.deleted_at is not None and not can_see_deleted):
        raise not_found("Member")
    if audit:
        ctx.audit_read(ENTITY, member.id)
    return member


def search(ctx: Ctx, q: str | None, status: str | None, classification: str | None, card_type: str | None,
           include_deleted: bool, limit: int, cursor: str | None) -> Page[MemberSummary]:
    q = (q or "").strip()
    if q and _CARD.match(q):
        found = repo.get_by_number(ctx.store, q)
        items = [found] if found and (include_deleted or found.deleted_at is None) else []
        page: Page[MemberSummary] = Page([summary_of(m) for m in items], None)
    elif "@" in q:
        page = Page([summary_of(m) for m in repo.by_email(ctx.store, q)
                     if include_deleted or m.deleted_at is None][:limit])
    else:
        last, _, first = q.partition(",")
        prefix = name_key(last.strip(), first.strip()) if first.strip() else name_key(q).rstrip("|")
        query = repo.MemberQuery(name_prefix=prefix or None, status=status, classification=classification,
                            card_type=card_type, include_deleted=include_deleted)
        page = repo.search(ctx.store, query, limit, cursor)
    ctx.audit_read(ENTITY, "BULK", bulk=True, row_count=len(page.items),
                   filters={"q": q, "status": status, "classification": classification, "card_type": card_type})
    return page


def _save(ctx: Ctx, before: Member, after: Member, expected_version: int) -> Member:
    versioned.require_version(expected_version, before.version, lambda: view(ctx, before))
    batch = ctx.store.batch()
    batch.put(after, before.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, ENTITY, after.id,
                                before.model_dump(mode="json"), after.model_dump(mode="json")))

    def current() -> dict[str, Any] | None:
        latest = repo.get(ctx.store, before.id)
        return view(ctx, latest) if latest else None

    versioned.commit(batch, current=current)
    return after.model_copy(update={"version": before.version + 1})


def update(ctx: Ctx, member_id: str, changes: MemberUpdate) -> Member:
    fields = changes.model_fields_set
    if ctx.caller.roles.isdisjoint(RECORD_KEEPERS):
        extra = sorted(fields - _DISPATCHER_FIELDS)
        if extra:
            raise AppError(403, "FORBIDDEN", "Dispatchers may change contact fields only.",
                           [FieldProblem(f, "not editable by your role") for f in extra])
    _refuse_restricted(ctx, set(fields))
    before = _existing(ctx, member_id)
    updates = {k: getattr(changes, k) for k in fields if k != "version"}
    after = before.model_copy(update={**updates, "updated_at": ctx.clock()})
    _require_names(after)
    _check_birth_date(ctx, after)
    return _save(ctx, before, after, changes.version)


def _require_names(member: Member) -> None:
    missing = [f for f in ("first_name", "last_name", "date_of_birth", "card_type", "classification")
               if getattr(member, f) in (None, "")]
    if missing:
        raise bad_request("Required fields cannot be cleared.", *(FieldProblem(f, "required") for f in missing))


def update_own_contact(ctx: Ctx, changes: ContactUpdate) -> Member:
    member_id = ctx.caller.member_id
    if not member_id:
        raise forbidden("Your account is not linked to a member record.")
    before = _existing(ctx, member_id)
    if before.deleted_at is not None:
        raise forbidden("Your member record has been removed; please contact the hall.")
    updates = {k: getattr(changes, k) for k in changes.model_fields_set if k != "version"}
    after = before.model_copy(update={**updates, "updated_at": ctx.clock()})
    return _save(ctx, before, after, changes.version)


def _existing(ctx: Ctx, member_id: str) -> Member:
    member = repo.get(ctx.store, member_id)
    if member is None:
        raise not_found("Member")
    return member


def change_status(ctx: Ctx, member_id: str, action: StatusAction, reason: str, version: int) -> Member:
    before = _existing(ctx, member_id)
    if not reason.strip():
        raise bad_request("A reason is required.", FieldProblem("reason", "required"))
    try:
        target = next_status(before.status, action, ctx.caller.roles)
    except TransitionRefused as exc:
        if exc.code == "FORBIDDEN":
            raise forbidden(exc.message) from exc
        raise unprocessable(exc.code, exc.message, FieldProblem("action", exc.message)) from exc
    after = before.model_copy(update={"status": target, "updated_at": ctx.clock()})
    return _save(ctx, before, after, version)


def soft_delete(ctx: Ctx, member_id: str, reason: str, version: int) -> Member:
    before = _existing(ctx, member_id)
    if before.deleted_at is not None:
        raise conflict("ALREADY_DELETED", "This member is already deleted.")
    if not reason.strip():
        raise bad_request("A reason is required.", FieldProblem("reason", "required"))
    now = ctx.clock()
    after = before.model_copy(update={"deleted_at": now, "deleted_by": ctx.caller.actor.id,
                                      "delete_reason": reason.strip(), "updated_at": now})
    return _save(ctx, before, after, version)


def restore(ctx: Ctx, member_id: str, version: int) -> Member:
    before = _existing(ctx, member_id)
    if before.deleted_at is None:
        raise conflict("NOT_DELETED", "This member is not deleted.")
    after = before.model_copy(update={"deleted_at": None, "deleted_by": None, "delete_reason": None,
                                      "updated_at": ctx.clock()})
    return _save(ctx, before, after, version)


__all__ = ["create", "get", "search", "update", "update_own_contact", "change_status",
           "soft_delete", "restore", "view", "ensure_can_read"]
