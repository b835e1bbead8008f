"""Note edits and deletes on the in-memory twin: earlier versions kept, audit in the same write, stale
versions, refusals naming the field."""

from __future__ import annotations


import pytest

from chalicelib.notes.domain import NoteCreate, NoteUpdate
from chalicelib.core.errors import AppError
from chalicelib.notes import service as member_records
from chalicelib.core.store.memory import MemoryStore
from factories import audit_actions as _audit
from factories import ctx_for
from factories import member_and_employer as _setup
from chalicelib.audit import store as audit_repo


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


# -- notes -----------------------------------------------------------------------------------------

def test_GIVEN_a_note_WHEN_the_author_edits_it_THEN_a_new_version_and_the_old_one_is_kept_for_admins(
        store: MemoryStore) -> None:
    mid, _ = _setup(store)
    author = ctx_for(store, "staff", user_id="author")
    note = member_records.add_note(author, mid, NoteCreate(text="first"))
    edited = member_records.edit_note(author, mid, note["id"], NoteUpdate(version=1, text="second"))
    assert edited["text"] == "second" and edited["version"] == 2 and edited["edited_by"] == "author"
    assert [n["text"] for n in member_records.list_notes(author, mid).items] == ["second"]
    history = member_records.note_history(ctx_for(store, "admin", user_id="boss"), mid, note["id"])
    assert [v["text"] for v in history["versions"]] == ["first"] and history["note"]["text"] == "second"
    assert _audit(store, "member_note", note["id"]) == ["READ", "UPDATE", "CREATE"]
    update = audit_repo.by_entity(store, "member_note", note["id"], 50, None).items[1]
    assert update.old_values["text"] == "first" and update.new_values["text"] == "second"
    with pytest.raises(AppError) as err:
        member_records.note_history(author, mid, note["id"])
    assert err.value.status == 403


def test_GIVEN_a_note_WHEN_edited_from_a_stale_version_THEN_409_with_the_current_note(store: MemoryStore) -> None:
    mid, _ = _setup(store)
    author = ctx_for(store, "staff", user_id="author")
    note = member_records.add_note(author, mid, NoteCreate(text="first"))
    member_records.edit_note(author, mid, note["id"], NoteUpdate(version=1, text="second"))
    with pytest.raises(AppError) as err:
        member_records.edit_note(author, mid, note["id"], NoteUpdate(version=1, text="third"))
    assert err.value.status == 409 and err.value.extra["current"]["text"] == "second"


def test_GIVEN_someone_elses_note_WHEN_a_non_admin_edits_or_deletes_it_THEN_403(store: MemoryStore) -> None:
    mid, _ = _setup(store)
    note = member_records.add_note(ctx_for(store, "staff", user_id="author"), mid,
                                   NoteCreate(text="shared", visibility="all_authorized"))
    other = ctx_for(store, "officer", user_id="officer-1")
    for change in (lambda: member_records.edit_note(other, mid, note["id"], NoteUpdate(version=1, text="x")),
                   lambda: member_records.delete_note(other, mid, note["id"], "no", 1)):
        with pytest.raises(AppError) as err:
            change()
        assert err.value.status == 403
    hidden = member_records.add_note(ctx_for(store, "staff", user_id="author"), mid, NoteCreate(text="mine"))
    with pytest.raises(AppError) as err:  # a note the caller cannot see is not revealed
        member_records.edit_note(other, mid, hidden["id"], NoteUpdate(version=1, text="x"))
    assert err.value.status == 404


def test_GIVEN_a_note_WHEN_an_admin_deletes_it_THEN_hidden_from_lists_but_shown_deleted_in_history(
        store: MemoryStore) -> None:
    mid, _ = _setup(store)
    author = ctx_for(store, "staff", user_id="author")
    admin = ctx_for(store, "admin", user_id="boss")
    note = member_records.add_note(author, mid, NoteCreate(text="oops"))
    gone = member_records.delete_note(admin, mid, note["id"], "wrong member", 1)
    assert gone["deleted_at"] and gone["delete_reason"] == "wrong member" and gone["deleted_by"] == "boss"
    assert member_records.list_notes(author, mid).items == [] and member_records.list_notes(admin, mid).items == []
    assert member_records.note_history(admin, mid, note["id"])["note"]["deleted_at"] == gone["deleted_at"]
    entry = audit_repo.by_entity(store, "member_note", note["id"], 50, None).items[1]
    assert entry.action.value == "DELETE" and entry.extra["reason"] == "wrong member"
    with pytest.raises(AppError) as err:
        member_records.edit_note(admin, mid, note["id"], NoteUpdate(version=2, text="back"))
    assert err.value.status == 404


def test_GIVEN_a_note_edit_WHEN_nothing_is_given_THEN_400_naming_text(store: MemoryStore) -> None:
    mid, _ = _setup(store)
    author = ctx_for(store, "staff", user_id="author")
    note = member_records.add_note(author, mid, NoteCreate(text="first"))
    with pytest.raises(AppError) as err:
        member_records.edit_note(author, mid, note["id"], NoteUpdate(version=1))
    assert err.value.status == 400 and err.value.fields[0].name == "text"
