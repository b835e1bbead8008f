"""Employment history and notes of a member (modules.md §4, §5)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.audit import AuditAction
from chalicelib.domain.employment import EmploymentCreate, NoteCreate, NoteVisibility, can_read_note
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.roles import Role
from chalicelib.errors import DuplicateKey, FieldProblem, conflict, forbidden, not_found
from chalicelib.services import members
from chalicelib.services.context import Ctx
from chalicelib.store import keys
from chalicelib.store.ports import Child


def list_employment(ctx: Ctx, member_id: str) -> list[dict[str, Any]]:
    members.ensure_can_read(ctx, member_id)
    rows = ctx.store.children.list(keys.member_pk(member_id), "employment")
    ctx.store.audit_log.append(ctx.audit_entry(AuditAction.BULK_READ, "employment", member_id, row_count=len(rows)))
    return sorted(({"id": c.id, **c.data} for c in rows), key=lambda r: r["start_date"], reverse=True)


def add_employment(ctx: Ctx, member_id: str, data: EmploymentCreate) -> dict[str, Any]:
    member = ctx.store.members.get(member_id)
    if member is None:
        raise not_found("Member")
    employer = ctx.store.organizations.get(data.employer_id)
    if employer is None:
        raise not_found("Employer")
    now = ctx.clock().isoformat()
    record = {**data.model_dump(mode="json"), "employer_name": employer.name}
    if data.hourly_rate is not None:
        record["hourly_rate"] = f"{data.hourly_rate:.2f}"  # exact decimal, as text
    child = Child(kind="employment", id=new_ulid(), parent_key=keys.member_pk(member_id), data=record,
                  created_at=now, updated_at=now, sort=data.start_date.isoformat(),
                  index_key=f"EMPLOYER#{employer.id}")
    batch = ctx.store.batch()
    if data.end_date is None:
        batch.claim(keys.current_job_key(member_id), child.id)
    batch.child(child, None)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, "employment", child.id, {}, {"member_id": member_id, **record}))
    try:
        batch.commit()
    except DuplicateKey as exc:
        raise conflict("CURRENT_JOB_EXISTS", "This member already has a current job; end it first.",
                       FieldProblem("end_date", "required while another job is current")) from exc
    return {"id": child.id, **record}


def list_notes(ctx: Ctx, member_id: str) -> list[dict[str, Any]]:
    if ctx.caller.is_member_only or not ctx.caller.roles:
        raise forbidden("Notes are not shown to members.")
    rows = ctx.store.children.list(keys.member_pk(member_id), "note")
    visible = [c for c in rows if can_read_note(NoteVisibility(c.data["visibility"]), c.data["author_id"],
                                                ctx.caller.actor.id, ctx.caller.roles)]
    ctx.store.audit_log.append(ctx.audit_entry(AuditAction.BULK_READ, "member_note", member_id,
                                               row_count=len(visible)))
    return [{"id": c.id, "created_at": c.created_at, **c.data} for c in reversed(visible)]


def add_note(ctx: Ctx, member_id: str, data: NoteCreate) -> dict[str, Any]:
    if not ctx.caller.has_any(Role.ADMIN, Role.OFFICER, Role.DISPATCHER, Role.STAFF, Role.ORGANIZER):
        raise forbidden()
    if ctx.store.members.get(member_id) is None:
        raise not_found("Member")
    now = ctx.clock().isoformat()
    record = {**data.model_dump(mode="json"), "author_id": ctx.caller.actor.id,
              "author_email": ctx.caller.actor.email}
    child = Child(kind="note", id=new_ulid(), parent_key=keys.member_pk(member_id), data=record,
                  created_at=now, updated_at=now, sort=now)
    batch = ctx.store.batch()
    batch.child(child, None)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, "member_note", child.id, {}, {"member_id": member_id, **record}))
    batch.commit()
    return {"id": child.id, "created_at": now, **record}
