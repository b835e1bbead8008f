"""Member notes (modules.md §5): categories, visibility and who may read or change a note. Pure rules."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.audit import EntryView, Reader, audit_read_rule
from chalicelib.core.model import DomainModel
from chalicelib.core.roles import MEMBER_READERS, Role

# The entity type of notes in the audit trail.
AUDIT_ENTITY = "member_note"


class NoteCategory(StrEnum):
    CONTACT = "contact"
    DUES = "dues"
    GRIEVANCE = "grievance"
    REFERRAL = "referral"
    BENEVOLENCE = "benevolence"
    GENERAL = "general"


class NoteVisibility(StrEnum):
    STAFF_ONLY = "staff_only"
    OFFICERS = "officers"
    ALL_AUTHORIZED = "all_authorized"


class NoteCreate(DomainModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    category: NoteCategory = NoteCategory.GENERAL
    visibility: NoteVisibility = NoteVisibility.STAFF_ONLY


_NOTE_READERS = MEMBER_READERS


def can_read_note(visibility: NoteVisibility, author_id: str, reader_id: str, roles: frozenset[Role]) -> bool:
    """Visibility matrix of §5: notes are never shown to members or instructors."""
    if Role.ADMIN in roles:
        return True
    if not roles & _NOTE_READERS:
        return False
    if visibility is NoteVisibility.ALL_AUTHORIZED:
        return True
    if visibility is NoteVisibility.OFFICERS:
        return Role.OFFICER in roles
    return author_id == reader_id


def _visibility(value: Any) -> NoteVisibility | None:
    try:
        return NoteVisibility(value)
    except ValueError:
        return None


def audit_read_rule_data(before: Note | None, after: Note) -> dict[str, Any]:
    """What the audit read rule below needs, recorded with the entry of a note change (its values hold
    only the changed fields, so an edit of the text alone would not say who may read it)."""
    return {
        "visibility_before": before.visibility.value if before else None,
        "visibility_after": after.visibility.value,
        "author_id": after.author_id,
    }


@audit_read_rule(AUDIT_ENTITY)
def note_values_in_the_audit_trail(view: EntryView, reader: Reader) -> None:
    """§5 applied to the audit trail (admins never get here: they see everything).

    A side of the change (old values, new values) is shown only to a reader who may read the note with
    the visibility it had on that side (`can_read_note`); the replaced text is an earlier version of the
    note, which §5 shows to admins only, so old `text` is always masked; a deletion's reason is shown only
    to a reader of both sides. An entry written without the recorded data (before it existed) falls back
    to what its values say and, where they do not say, is treated as unreadable (fail closed)."""
    data = view.get("read_rule") or {}
    old, new = view.get("old_values") or {}, view.get("new_values") or {}
    author = str(data.get("author_id") or new.get("author_id") or old.get("author_id") or "")
    after = _visibility(data.get("visibility_after") or new.get("visibility"))
    before = _visibility(data.get("visibility_before") or old.get("visibility") or (None if new else after))

    def readable(visibility: NoteVisibility | None) -> bool:
        return visibility is not None and bool(author) and can_read_note(visibility, author, reader.id, reader.roles)

    if not readable(before):
        view.mask("old_values")
    view.mask("old_values", ["text"])
    if not readable(after):
        view.mask("new_values")
    if not (readable(before) and readable(after)):
        view.mask("extra", ["reason"])


def can_change_note(author_id: str, caller_id: str, roles: frozenset[Role]) -> bool:
    """§5: a note is edited or (soft) deleted by its author or by an admin."""
    return Role.ADMIN in roles or (bool(roles & _NOTE_READERS) and author_id == caller_id)


class NoteUpdate(DomainModel):
    """An edit of a note: the previous text, category and visibility are kept as a version (§5)."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)] | None = None
    category: NoteCategory | None = None
    visibility: NoteVisibility | None = None


NOTE_EDITABLE = ("text", "category", "visibility")


class Note(DomainModel):
    """A note on a member (§5). Edits keep the earlier text as `NoteVersion`s; deletion is soft."""

    id: str
    member_id: str
    text: str
    category: NoteCategory = NoteCategory.GENERAL
    visibility: NoteVisibility = NoteVisibility.STAFF_ONLY
    author_id: str
    author_email: str | None = None
    edited_at: str | None = None
    edited_by: str | None = None
    edited_by_email: str | None = None
    deleted_at: str | None = None
    deleted_by: str | None = None
    deleted_by_email: str | None = None
    delete_reason: str | None = None
    created_at: str
    updated_at: str
    version: int = 1


class NoteVersion(DomainModel):
    """A note as it was before an edit: written once, shown to admins only."""

    id: str
    member_id: str
    note_id: str
    note_version: int  # the note's version this text had
    saved_at: str
    replaced_at: str
    replaced_by: str
    text: str
    category: NoteCategory
    visibility: NoteVisibility
    author_id: str
    author_email: str | None = None
    edited_by: str | None = None
    edited_by_email: str | None = None
    version: int = 1


def earlier_version(note: Note, version_id: str, now: str, replaced_by: str) -> NoteVersion:
    """What an edit keeps of the note it replaces."""
    return NoteVersion(
        id=version_id,
        member_id=note.member_id,
        note_id=note.id,
        note_version=note.version,
        saved_at=note.updated_at,
        replaced_at=now,
        replaced_by=replaced_by,
        text=note.text,
        category=note.category,
        visibility=note.visibility,
        author_id=note.author_id,
        author_email=note.author_email,
        edited_by=note.edited_by,
        edited_by_email=note.edited_by_email,
    )
