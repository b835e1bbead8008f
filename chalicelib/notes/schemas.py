"""Response bodies of the note routes (request bodies are the domain's create/update models)."""

from __future__ import annotations

from chalicelib.core.model import DomainModel
from chalicelib.core.schemas import PageOf
from chalicelib.notes.domain import Note, NoteCategory, NoteVisibility


class NoteView(Note):
    editable: bool = False  # the caller may edit or delete it (author or admin)


class NoteVersionView(DomainModel):
    id: str
    note_id: str
    version: int
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


class NoteHistory(DomainModel):
    note: NoteView
    versions: list[NoteVersionView]


NotePage = PageOf[NoteView]
