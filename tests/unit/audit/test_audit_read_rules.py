"""The audit trail shows no caller what the record's own read rules would not (docs/audit.md "Read rules"):
notes' visibility levels, restricted demographics and sensitive keys, on every read path, on the twin."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.audit import service as audit_service
from chalicelib.audit.domain import canonical_json, entry_digest
from chalicelib.core.audit import REDACTED, AuditAction, AuditEntry, Reader, read_rule_for, shown_to
from chalicelib.core.roles import Role
from chalicelib.core.store.memory import MemoryStore
from chalicelib.members import service as members
from chalicelib.notes import service as notes
from chalicelib.notes.domain import NoteCreate, NoteUpdate
from factories import ctx_for, member_and_employer, member_create

SECRET = "Grievance: steward says the foreman threatened him"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def _entries_by(store: MemoryStore, reader_roles: str, actor: str, reader_id: str = "reader") -> list[dict[str, Any]]:
    ctx = ctx_for(store, reader_roles, user_id=reader_id)
    return audit_service.query(ctx, None, None, actor, 50, None)["items"]


def _note_entries(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in items if e["entity_type"] == "member_note" and e["action"] in ("CREATE", "UPDATE", "DELETE")]


def test_rules_for_notes_and_members_are_registered_wherever_the_audit_service_is_used() -> None:
    assert read_rule_for("member_note") is not None and read_rule_for("member") is not None


def test_GIVEN_a_dispatchers_staff_only_note_WHEN_an_officer_lists_the_dispatchers_actions_THEN_no_note_text(
        store: MemoryStore) -> None:
    mid, _ = member_and_employer(store)
    dispatcher = ctx_for(store, "dispatcher", user_id="disp-1")
    note = notes.add_note(dispatcher, mid, NoteCreate(text=SECRET, category="grievance"))
    notes.edit_note(dispatcher, mid, note["id"], NoteUpdate(version=1, text=SECRET + " (second visit)"))

    seen = _entries_by(store, "officer", "disp-1")
    assert [e["action"] for e in _note_entries(seen)] == ["UPDATE", "CREATE"]
    assert SECRET not in json.dumps(seen)
    for e in _note_entries(seen):
        assert set(e["new_values"].values()) == {REDACTED} and e["read_rule"] is None
        assert "text" in e["changed_fields"]  # what changed is still shown, not the contents

    admin = _entries_by(store, "admin", "disp-1")
    update, create = _note_entries(admin)
    assert create["new_values"]["text"] == SECRET
    assert update["old_values"]["text"] == SECRET and update["new_values"]["text"] == SECRET + " (second visit)"
    assert update["read_rule"] == {"visibility_before": "staff_only", "visibility_after": "staff_only",
                                   "author_id": "disp-1"}


def test_GIVEN_an_officers_note_WHEN_another_officer_reads_its_history_THEN_the_current_side_not_the_replaced_text(
        store: MemoryStore) -> None:
    mid, _ = member_and_employer(store)
    author = ctx_for(store, "officer", user_id="officer-a")
    note = notes.add_note(author, mid, NoteCreate(text="first words", visibility="officers"))
    notes.edit_note(author, mid, note["id"], NoteUpdate(version=1, text="second words"))
    officer = ctx_for(store, "officer", user_id="officer-b")
    update, create = audit_service.query(officer, "member_note", note["id"], None, 50, None)["items"][:2]
    assert create["new_values"]["text"] == "first words" and create["new_values"]["visibility"] == "officers"
    assert update["new_values"]["text"] == "second words"
    assert update["old_values"]["text"] == REDACTED  # an earlier version: admins only (§5)
    # A staff member who is not the author may not read an officers' note: nothing of it.
    staff_view = shown_to(audit_service.repo.by_entity(store, "member_note", note["id"], 5, None).items[1],
                          Reader("staff-9", frozenset({Role.STAFF})))
    assert set(staff_view["new_values"].values()) == {REDACTED}


def test_GIVEN_a_note_made_visible_to_all_WHEN_read_THEN_each_side_follows_the_visibility_it_had(
        store: MemoryStore) -> None:
    mid, _ = member_and_employer(store)
    author = ctx_for(store, "staff", user_id="staff-a")
    note = notes.add_note(author, mid, NoteCreate(text="private", category="dues"))
    notes.edit_note(author, mid, note["id"], NoteUpdate(version=1, visibility="all_authorized", category="general"))
    update = audit_service.query(ctx_for(store, "officer", user_id="o"), "member_note", note["id"], None, 5,
                                 None)["items"][0]
    assert update["new_values"]["visibility"] == "all_authorized" and update["new_values"]["category"] == "general"
    assert set(update["old_values"].values()) == {REDACTED}  # it was staff_only: not the officer's


def test_GIVEN_the_author_WHEN_reading_their_own_staff_only_note_entries_THEN_shown_except_replaced_text(
        store: MemoryStore) -> None:
    mid, _ = member_and_employer(store)
    author = ctx_for(store, "staff", user_id="staff-a")
    note = notes.add_note(author, mid, NoteCreate(text="mine"))
    notes.edit_note(author, mid, note["id"], NoteUpdate(version=1, text="mine too"))
    notes.delete_note(author, mid, note["id"], "written on the wrong member", 2)
    deleted, update, create = _note_entries(_entries_by(store, "staff", "staff-a", reader_id="staff-a"))
    assert create["new_values"]["text"] == "mine" and update["new_values"]["text"] == "mine too"
    assert update["old_values"]["text"] == REDACTED
    assert deleted["extra"]["reason"] == "written on the wrong member"


def test_GIVEN_entries_written_before_the_rule_data_existed_WHEN_read_THEN_what_the_values_do_not_say_is_withheld(
        store: MemoryStore) -> None:
    """An old UPDATE of the text alone says neither visibility nor author: fail closed. An old CREATE
    carries both in its values: the rule applies."""
    at = datetime(2026, 1, 5, 12, tzinfo=UTC)
    old_update = AuditEntry(id="e1", occurred_at=at, action=AuditAction.UPDATE, entity_type="member_note",
                            entity_id="n1", actor_id="disp-1", changed_fields=["text"],
                            old_values={"text": "a"}, new_values={"text": "b"})
    old_create = AuditEntry(id="e2", occurred_at=at, action=AuditAction.CREATE, entity_type="member_note",
                            entity_id="n2", actor_id="disp-1", changed_fields=["text", "visibility", "author_id"],
                            new_values={"text": "open", "visibility": "all_authorized", "author_id": "disp-1"})
    officer = Reader("o", frozenset({Role.OFFICER}))
    assert shown_to(old_update, officer)["new_values"] == {"text": REDACTED}
    assert shown_to(old_create, officer)["new_values"]["text"] == "open"
    assert shown_to(old_update, Reader("a", frozenset({Role.ADMIN})))["new_values"] == {"text": "b"}


def test_GIVEN_a_member_created_with_demographics_WHEN_staff_read_their_own_actions_THEN_demographics_masked(
        store: MemoryStore) -> None:
    """Only officers enter demographics; a user who entered them as an officer and is staff now no longer sees
    them in the entries about their own actions."""
    as_officer_then = ctx_for(store, "officer", user_id="staff-a")
    m = members.create(as_officer_then, member_create(gender="F", ethnicity="HISPANIC"))
    own = [e for e in _entries_by(store, "staff", "staff-a", reader_id="staff-a")
           if e["entity_type"] == "member" and e["entity_id"] == m.id and e["action"] == "CREATE"][0]
    assert own["new_values"]["gender"] == own["new_values"]["ethnicity"] == REDACTED
    assert own["new_values"]["last_name"] == "SPARKS"
    officer = audit_service.query(ctx_for(store, "officer", user_id="o"), "member", m.id, None, 5, None)["items"]
    assert officer[-1]["new_values"]["gender"] == "F"


def test_GIVEN_a_read_rule_WHEN_the_digest_is_taken_THEN_it_is_covered_and_older_entries_keep_their_digest() -> None:
    """Entries without the post-v1 field hash exactly as v1 did; a recorded read rule is hashed."""
    entry = AuditEntry(id="e1", occurred_at=datetime(2026, 1, 5, 12, tzinfo=UTC), action=AuditAction.CREATE,
                       entity_type="member", entity_id="m1", actor_id="u1")
    v1 = entry.model_dump(mode="json")
    v1.pop("read_rule")
    expected = hashlib.sha256(b"unioncore.audit.entry.v1\n" + canonical_json(v1).encode()).hexdigest()
    assert entry_digest(entry) == expected
    ruled = entry.model_copy(update={"read_rule": {"author_id": "u1"}})
    assert entry_digest(ruled) != expected
    assert entry_digest(ruled) != entry_digest(entry.model_copy(update={"read_rule": {"author_id": "u2"}}))
