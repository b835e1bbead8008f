"""Employment history and notes of a member (modules.md §4, §5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from chalicelib.domain.audit import AuditAction
from chalicelib.domain.employment import (
    NOTE_EDITABLE,
    EmploymentCorrection,
    EmploymentCreate,
    EmploymentEnd,
    NoteCreate,
    NoteUpdate,
    NoteVisibility,
    can_change_note,
    can_read_note,
    dispatch_sourced,
    job_dates_problem,
    periods_overlap,
)
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.roles import Role
from chalicelib.errors import (
    DuplicateKey,
    FieldProblem,
    StaleVersion,
    bad_request,
    conflict,
    forbidden,
    not_found,
    unprocessable,
)
from chalicelib.services import members
from chalicelib.services.context import Ctx
from chalicelib.store import keys
from chalicelib.store.ports import Child


def list_employment(ctx: Ctx, member_id: str) -> list[dict[str, Any]]:
    members.ensure_can_read(ctx, member_id)
    rows = ctx.store.children.list(keys.member_pk(member_id), "employment")
    ctx.store.audit_log.append(ctx.audit_entry(AuditAction.BULK_READ, "employment", member_id, row_count=len(rows)))
    return sorted((_job_json(c) for c in rows), key=lambda r: r["start_date"], reverse=True)


def _job_json(c: Child) -> dict[str, Any]:
    return {"id": c.id, "version": c.version, **c.data}


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
    return {"id": child.id, "version": 1, **record}


def _job(ctx: Ctx, member_id: str, employment_id: str, version: int) -> Child:
    """The record to change: it exists, is not dispatch-sourced (§4.3) and is at the version the caller saw."""
    if ctx.store.members.get(member_id) is None:
        raise not_found("Member")
    job = ctx.store.children.get(keys.member_pk(member_id), "employment", employment_id)
    if job is None:
        raise not_found("Employment record")
    if dispatch_sourced(job.data):
        raise unprocessable("DISPATCH_SOURCED", "Dispatch records change only through dispatch actions.")
    if job.version != version:
        raise conflict("CONCURRENT_UPDATE", "This record was changed by someone else.", current=_job_json(job))
    return job


def _commit_job(ctx: Ctx, member_id: str, before: Child, after: Child, **extra: Any) -> dict[str, Any]:
    """Write the record, move the one-current-job marker (§4.2) and audit old/new, in one transaction."""
    batch = ctx.store.batch()
    was_current, is_current = before.data.get("end_date") is None, after.data.get("end_date") is None
    marker = keys.current_job_key(member_id)
    if was_current and not is_current and ctx.store.users.owner_of(marker) == before.id:
        batch.release(marker, before.id)  # imports may hold a second current job that never owned the marker
    if is_current and not was_current:
        batch.claim(marker, after.id)
    batch.child(after, before.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, "employment", after.id, {"member_id": member_id, **before.data},
                                {"member_id": member_id, **after.data}, **extra))
    try:
        batch.commit()
    except DuplicateKey as exc:
        raise conflict("CURRENT_JOB_EXISTS", "This member already has a current job; end it first.",
                       FieldProblem("end_date", "required while another job is current")) from exc
    except StaleVersion as exc:
        latest = ctx.store.children.get(before.parent_key, "employment", before.id)
        raise conflict("CONCURRENT_UPDATE", "This record was changed by someone else.",
                       current=_job_json(latest) if latest else None) from exc
    return _job_json(replace(after, version=before.version + 1))


def end_employment(ctx: Ctx, member_id: str, employment_id: str, data: EmploymentEnd) -> dict[str, Any]:
    """End the current job (§4): end date ≥ start; frees the current-job marker in the same transaction."""
    job = _job(ctx, member_id, employment_id, data.version)
    if job.data.get("end_date") is not None:
        raise unprocessable("NOT_CURRENT", "This job has already ended.", FieldProblem("end_date", "already set"))
    problem = job_dates_problem(date.fromisoformat(job.data["start_date"]), data.end_date)
    if problem:
        raise bad_request("The end date is not valid.", FieldProblem("end_date", problem))
    record = {**job.data, "end_date": data.end_date.isoformat()}
    if data.end_hourly_rate is not None:
        record["end_hourly_rate"] = f"{data.end_hourly_rate:.2f}"
    after = replace(job, data=record, updated_at=ctx.clock().isoformat())
    return _commit_job(ctx, member_id, job, after)


def correct_employment(ctx: Ctx, member_id: str, employment_id: str, data: EmploymentCorrection) -> dict[str, Any]:
    """Correct a direct-hire or imported record with a reason (§4.3); dates keep the §4.2 invariants."""
    job = _job(ctx, member_id, employment_id, data.version)
    given = data.model_fields_set - {"version", "reason"}
    if not given:
        raise bad_request("Nothing to correct.", FieldProblem("start_date", "give at least one field to correct"))
    record = dict(job.data)
    index_key = job.index_key
    if "employer_id" in given:
        if data.employer_id is None:
            raise bad_request("The employer is required.", FieldProblem("employer_id", "must not be empty"))
        employer = ctx.store.organizations.get(data.employer_id)
        if employer is None or employer.deleted_at:
            raise bad_request("No such employer.", FieldProblem("employer_id", "no employer with this id"))
        record.update(employer_id=employer.id, employer_name=employer.name)
        index_key = f"EMPLOYER#{employer.id}"
    if "start_date" in given:
        if data.start_date is None:
            raise bad_request("The start date is required.", FieldProblem("start_date", "must not be empty"))
        record["start_date"] = data.start_date.isoformat()
    if "end_date" in given:
        record["end_date"] = data.end_date.isoformat() if data.end_date else None
    if "job_class" in given:
        record["job_class"] = data.job_class
    if "hourly_rate" in given:
        record["hourly_rate"] = f"{data.hourly_rate:.2f}" if data.hourly_rate is not None else None
    start = date.fromisoformat(record["start_date"])
    end = date.fromisoformat(record["end_date"]) if record.get("end_date") else None
    problem = job_dates_problem(start, end)
    if problem:
        raise bad_request("The end date is not valid.", FieldProblem("end_date", problem))
    if (record["start_date"], record.get("end_date")) != (job.data["start_date"], job.data.get("end_date")):
        for other in ctx.store.children.list(job.parent_key, "employment"):
            o_end = other.data.get("end_date")
            if other.id != job.id and periods_overlap(start, end, date.fromisoformat(other.data["start_date"]),
                                                      date.fromisoformat(o_end) if o_end else None):
                raise conflict("EMPLOYMENT_OVERLAP", "These dates overlap another job of this member.",
                               FieldProblem("start_date", "overlaps another employment record"),
                               overlapping=_job_json(other))
    now = ctx.clock().isoformat()
    record.update(corrected_at=now, correction_reason=data.reason)
    # The sort key (original start date) stays: changing it would move the item; lists sort by start_date.
    after = replace(job, data=record, updated_at=now, index_key=index_key)
    return _commit_job(ctx, member_id, job, after, reason=data.reason)


def list_notes(ctx: Ctx, member_id: str) -> list[dict[str, Any]]:
    if ctx.caller.is_member_only or not ctx.caller.roles:
        raise forbidden("Notes are not shown to members.")
    rows = ctx.store.children.list(keys.member_pk(member_id), "note")
    visible = [c for c in rows if not c.data.get("deleted_at") and _can_read(ctx, c)]
    ctx.store.audit_log.append(ctx.audit_entry(AuditAction.BULK_READ, "member_note", member_id,
                                               row_count=len(visible)))
    return [_note_json(ctx, c) for c in reversed(visible)]


def _can_read(ctx: Ctx, note: Child) -> bool:
    return can_read_note(NoteVisibility(note.data["visibility"]), note.data["author_id"], ctx.caller.actor.id,
                         ctx.caller.roles)


def _note_json(ctx: Ctx, c: Child) -> dict[str, Any]:
    editable = not c.data.get("deleted_at") and can_change_note(c.data["author_id"], ctx.caller.actor.id,
                                                                 ctx.caller.roles)
    return {"id": c.id, "created_at": c.created_at, "updated_at": c.updated_at, "version": c.version,
            **c.data, "editable": editable}


def _note_for_change(ctx: Ctx, member_id: str, note_id: str, version: int) -> Child:
    """A live note the caller may see and change (author or admin, §5), at the version the caller saw."""
    if ctx.caller.is_member_only or not ctx.caller.roles:
        raise forbidden("Notes are not shown to members.")
    note = ctx.store.children.get(keys.member_pk(member_id), "note", note_id)
    if note is None or note.data.get("deleted_at") or not _can_read(ctx, note):
        raise not_found("Note")  # a note the caller may not see is not revealed
    if not can_change_note(note.data["author_id"], ctx.caller.actor.id, ctx.caller.roles):
        raise forbidden("Only the author or an admin may change a note.")
    if note.version != version:
        raise conflict("CONCURRENT_UPDATE", "This note was changed by someone else.", current=_note_json(ctx, note))
    return note


def _commit_note(ctx: Ctx, member_id: str, before: Child, after: Child, action: AuditAction,
                 extra_children: list[Child], **extra: Any) -> dict[str, Any]:
    batch = ctx.store.batch()
    batch.child(after, before.version)
    for child in extra_children:
        batch.child(child, None)
    batch.audit(ctx.audit_entry(action, "member_note", after.id, {"member_id": member_id, **before.data},
                                {"member_id": member_id, **after.data}, **extra))
    try:
        batch.commit()
    except StaleVersion as exc:
        latest = ctx.store.children.get(before.parent_key, "note", before.id)
        raise conflict("CONCURRENT_UPDATE", "This note was changed by someone else.",
                       current=_note_json(ctx, latest) if latest else None) from exc
    return _note_json(ctx, replace(after, version=before.version + 1))


def edit_note(ctx: Ctx, member_id: str, note_id: str, data: NoteUpdate) -> dict[str, Any]:
    """An edit creates a new version; the previous one is kept (visible to admins, §5)."""
    note = _note_for_change(ctx, member_id, note_id, data.version)
    changes = {k: getattr(data, k) for k in data.model_fields_set
               if k in NOTE_EDITABLE and getattr(data, k) is not None}
    if not changes:
        raise bad_request("Nothing to change.", FieldProblem("text", "give the new text, category or visibility"))
    now = ctx.clock().isoformat()
    record = {**note.data, **{k: str(v) for k, v in changes.items()}, "edited_at": now,
              "edited_by": ctx.caller.actor.id, "edited_by_email": ctx.caller.actor.email}
    previous = Child(kind="note_version", id=new_ulid(), parent_key=note.parent_key, created_at=now, updated_at=now,
                     sort=f"{note.id}#{note.version:06d}",
                     data={"note_id": note.id, "version": note.version, "saved_at": note.updated_at,
                           "replaced_at": now, "replaced_by": ctx.caller.actor.id,
                           **{k: note.data.get(k) for k in (*NOTE_EDITABLE, "author_id", "author_email",
                                                            "edited_by", "edited_by_email")}})
    after = replace(note, data=record, updated_at=now)
    return _commit_note(ctx, member_id, note, after, AuditAction.UPDATE, [previous])


def delete_note(ctx: Ctx, member_id: str, note_id: str, reason: str, version: int) -> dict[str, Any]:
    """Soft delete by the author or an admin, with a reason (§5); hidden from lists, kept for admins."""
    note = _note_for_change(ctx, member_id, note_id, version)
    now = ctx.clock().isoformat()
    record = {**note.data, "deleted_at": now, "deleted_by": ctx.caller.actor.id,
              "deleted_by_email": ctx.caller.actor.email, "delete_reason": reason}
    after = replace(note, data=record, updated_at=now)
    return _commit_note(ctx, member_id, note, after, AuditAction.DELETE, [], reason=reason)


def note_history(ctx: Ctx, member_id: str, note_id: str) -> dict[str, Any]:
    """Admins only: the note as it is now (deleted or not) and every earlier version, oldest first."""
    if not ctx.caller.has_any(Role.ADMIN):
        raise forbidden("Only admins see earlier versions of a note.")
    pk = keys.member_pk(member_id)
    note = ctx.store.children.get(pk, "note", note_id)
    if note is None:
        raise not_found("Note")
    versions = ctx.store.children.list(pk, "note_version", f"{note_id}#")
    ctx.store.audit_log.append(ctx.audit_entry(AuditAction.READ, "member_note", note_id, member_id=member_id,
                                               versions=len(versions)))
    return {"note": _note_json(ctx, note), "versions": [{"id": v.id, **v.data} for v in versions]}


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
