"""Note routes: list the notes the caller may see, add, edit (earlier versions kept), soft delete, history."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import PAGING, Api, Req
from chalicelib.core.roles import ADMINS, MEMBER_READERS
from chalicelib.core.schemas import DeleteBody
from chalicelib.notes import service
from chalicelib.notes.domain import NoteCreate, NoteUpdate
from chalicelib.core.store import Page
from chalicelib.notes.schemas import NoteHistory, NotePage, NoteView

api = Api(__name__)


@api.route("/members/{member_id}/notes", "GET", roles=MEMBER_READERS, query=PAGING, response=NotePage,
           summary="Notes visible to the caller, newest first")
def notes_list(req: Req, member_id: str) -> Page[dict[str, Any]]:
    return service.list_notes(req.auth, member_id, req.limit, req.cursor)


@api.route("/members/{member_id}/notes", "POST", roles=MEMBER_READERS, body=NoteCreate, status=201,
           response=NoteView, summary="Add a note")
def notes_add(req: Req, member_id: str) -> dict[str, Any]:
    return service.add_note(req.auth, member_id, req.body)


@api.route("/members/{member_id}/notes/{note_id}", "PATCH", roles=MEMBER_READERS, body=NoteUpdate,
           response=NoteView, summary="Edit a note (author or admin; the previous version is kept)")
def notes_edit(req: Req, member_id: str, note_id: str) -> dict[str, Any]:
    return service.edit_note(req.auth, member_id, note_id, req.body)


@api.route("/members/{member_id}/notes/{note_id}", "DELETE", roles=MEMBER_READERS, body=DeleteBody,
           response=NoteView, summary="Soft-delete a note (author or admin, reason required)")
def notes_delete(req: Req, member_id: str, note_id: str) -> dict[str, Any]:
    b = req.body
    return service.delete_note(req.auth, member_id, note_id, b.reason, b.version)


@api.route("/members/{member_id}/notes/{note_id}/history", "GET", roles=ADMINS, response=NoteHistory,
           summary="A note as it is now and its earlier versions (admin, audited read)")
def notes_history(req: Req, member_id: str, note_id: str) -> dict[str, Any]:
    return service.note_history(req.auth, member_id, note_id)
