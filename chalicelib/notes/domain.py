"""Member notes (modules.md §5): categories, visibility and who may read or change a note. Pure rules."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.model import DomainModel
from chalicelib.core.roles import MEMBER_READERS, Role


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
