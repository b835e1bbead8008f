"""Notes on a member (modules.md §5): visibility levels, edits that keep earlier versions, soft delete."""

from __future__ import annotations

from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import FieldProblem, bad_request, forbidden, not_found
from chalicelib.core.ids import new_ulid
from chalicelib.core.roles import Role
from chalicelib.core.store import Page, versioned
from chalicelib.members import store as members_repo
from chalicelib.notes import store as repo
from chalicelib.notes.domain import (
    AUDIT_ENTITY,
    NOTE_EDITABLE,
    Note,
    NoteCreate,
    NoteUpdate,
    NoteVersion,
    audit_read_rule_data,
    can_change_note,
    can_read_note,
    earlier_version,
)

ENTITY = AUDIT_ENTITY


def _can_read(ctx: Ctx, note: Note) -> bool:
    return can_read_note(note.visibility, note.author_id, ctx.caller.id, ctx.caller.roles)


def note_json(ctx: Ctx, note: Note) -> dict[str, Any]:
    editable = not note.deleted_at and can_change_note(note.author_id, ctx.caller.id, ctx.caller.roles)
    return {**note.model_dump(mode="json"), "editable": editable}


def _version_json(v: NoteVersion) -> dict[str, Any]:
    out = v.model_dump(mode="json", exclude={"note_version", "version", "member_id"})
    return {**out, "version": v.note_version}


def _audit_view(note: Note) -> dict[str, Any]:
    return note.model_dump(mode="json", exclude={"id", "version", "created_at", "updated_at"})


def _refuse_members(ctx: Ctx) -> None:
    if ctx.caller.is_member_only or not ctx.caller.roles:
        raise forbidden("Notes are not shown to members.")


def list_notes(ctx: Ctx, member_id: str, limit: int = 50, cursor: str | None = None) -> Page[dict[str, Any]]:
    """A page of the notes the caller may read, newest first. Visibility depends on the reader, so it is
    applied to each page read: a page can hold fewer notes than `limit` and still have a next one."""
    _refuse_members(ctx)
    page = repo.page_of_member(ctx.store, member_id, limit, cursor)
    visible = [n for n in page.items if _can_read(ctx, n)]
    ctx.audit_read(ENTITY, member_id, bulk=True, row_count=len(visible))
    return Page([note_json(ctx, n) for n in visible], page.next_cursor)


def _note_for_change(ctx: Ctx, member_id: str, note_id: str, version: int) -> Note:
    """A live note the caller may see and change (author or admin, §5), at the version the caller saw."""
    _refuse_members(ctx)
    note = repo.get(ctx.store, member_id, note_id)
    if note is None or note.deleted_at or not _can_read(ctx, note):
        raise not_found("Note")  # a note the caller may not see is not revealed
    if not can_change_note(note.author_id, ctx.caller.id, ctx.caller.roles):
        raise forbidden("Only the author or an admin may change a note.")
    versioned.require_version(version, note.version, lambda: note_json(ctx, note), what="note")
    return note


def _commit_note(ctx: Ctx, before: Note, after: Note, action: AuditAction, kept: NoteVersion | None = None,
                 **extra: Any) -> dict[str, Any]:
    batch = ctx.store.batch()
    batch.put(after, before.version)
    if kept is not None:
        batch.put(kept)
    batch.audit(ctx.audit_entry(action, ENTITY, after.id, _audit_view(before), _audit_view(after),
                                read_rule=audit_read_rule_data(before, after), **extra))

    def current() -> dict[str, Any] | None:
        latest = repo.get(ctx.store, before.member_id, before.id)
        return note_json(ctx, latest) if latest else None

    versioned.commit(batch, current=current, what="note")
    return note_json(ctx, after.model_copy(update={"version": before.version + 1}))


def edit_note(ctx: Ctx, member_id: str, note_id: str, data: NoteUpdate) -> dict[str, Any]:
    """An edit creates a new version; the previous one is kept (visible to admins, §5)."""
    note = _note_for_change(ctx, member_id, note_id, data.version)
    changes = {k: getattr(data, k) for k in data.model_fields_set
               if k in NOTE_EDITABLE and getattr(data, k) is not None}
    if not changes:
        raise bad_request("Nothing to change.", FieldProblem("text", "give the new text, category or visibility"))
    now = ctx.clock().isoformat()
    a = ctx.caller.actor
    after = note.model_copy(update={**changes, "edited_at": now, "edited_by": a.id, "edited_by_email": a.email,
                                    "updated_at": now})
    return _commit_note(ctx, note, after, AuditAction.UPDATE, earlier_version(note, new_ulid(), now, a.id))


def delete_note(ctx: Ctx, member_id: str, note_id: str, reason: str, version: int) -> dict[str, Any]:
    """Soft delete by the author or an admin, with a reason (§5); hidden from lists, kept for admins."""
    note = _note_for_change(ctx, member_id, note_id, version)
    now = ctx.clock().isoformat()
    a = ctx.caller.actor
    after = note.model_copy(update={"deleted_at": now, "deleted_by": a.id, "deleted_by_email": a.email,
                                    "delete_reason": reason, "updated_at": now})
    return _commit_note(ctx, note, after, AuditAction.DELETE, reason=reason)


def note_history(ctx: Ctx, member_id: str, note_id: str) -> dict[str, Any]:
    """Admins only: the note as it is now (deleted or not) and every earlier version, oldest first."""
    if not ctx.caller.has_any(Role.ADMIN):
        raise forbidden("Only admins see earlier versions of a note.")
    note = repo.get(ctx.store, member_id, note_id)
    if note is None:
        raise not_found("Note")
    versions = repo.versions(ctx.store, member_id, note_id)
    ctx.audit_read(ENTITY, note_id, member_id=member_id, versions=len(versions))
    return {"note": note_json(ctx, note), "versions": [_version_json(v) for v in versions]}


def add_note(ctx: Ctx, member_id: str, data: NoteCreate) -> dict[str, Any]:
    if members_repo.get(ctx.store, member_id) is None:
        raise not_found("Member")
    now = ctx.clock().isoformat()
    note = Note(id=new_ulid(), member_id=member_id, author_id=ctx.caller.id, author_email=ctx.caller.actor.email,
                created_at=now, updated_at=now, **data.model_dump())
    batch = ctx.store.batch()
    batch.put(note)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, note.id, {}, _audit_view(note),
                                read_rule=audit_read_rule_data(None, note)))
    batch.commit()
    return note_json(ctx, note)
