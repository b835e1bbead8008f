"""Member use cases on the in-memory twin: audit in the same write, conflicts, member scope."""

from __future__ import annotations

import pytest

from chalicelib.members.domain import ContactUpdate, MemberUpdate, StatusAction
from chalicelib.core.errors import AppError
from chalicelib.members import service as members
from chalicelib.core.store.memory import MemoryStore
from factories import ctx_for, member_create
from chalicelib.audit import store as audit_repo


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def test_create_writes_the_member_and_its_audit_entry(store: MemoryStore) -> None:
    ctx = ctx_for(store, "staff")
    m = members.create(ctx, member_create())
    entries = audit_repo.by_entity(store, "member", m.id, 10, None).items
    assert [e.action.value for e in entries] == ["CREATE"]
    assert entries[0].actor_id == "user-1" and "member_number" in entries[0].changed_fields


def test_duplicate_card_number_is_a_409_naming_the_field(store: MemoryStore) -> None:
    ctx = ctx_for(store, "staff")
    m = members.create(ctx, member_create())
    with pytest.raises(AppError) as err:
        members.create(ctx, member_create(member_number=m.member_number))
    assert err.value.status == 409 and err.value.code == "DUPLICATE_MEMBER_NUMBER"
    assert err.value.fields[0].name == "member_number"


def test_update_records_old_and_new_values_and_stale_version_gets_409(store: MemoryStore) -> None:
    ctx = ctx_for(store, "dispatcher")
    m = members.create(ctx_for(store, "staff"), member_create())
    updated = members.update(ctx, m.id, MemberUpdate(version=1, phone="206-555-0199"))
    assert updated.version == 2 and updated.phone == "(206) 555-0199"
    entry = audit_repo.by_entity(store, "member", m.id, 10, None).items[0]
    assert entry.action.value == "UPDATE" and entry.changed_fields == ["phone"]
    assert entry.old_values == {"phone": "(206) 555-0100"} and entry.new_values == {"phone": "(206) 555-0199"}
    with pytest.raises(AppError) as err:
        members.update(ctx, m.id, MemberUpdate(version=1, phone="206-555-0111"))
    assert err.value.status == 409 and err.value.extra["current"]["version"] == 2


def test_dispatcher_cannot_change_non_contact_fields(store: MemoryStore) -> None:
    m = members.create(ctx_for(store, "staff"), member_create())
    with pytest.raises(AppError) as err:
        members.update(ctx_for(store, "dispatcher"), m.id, MemberUpdate(version=1, last_name="X"))
    assert err.value.status == 403 and err.value.fields[0].name == "last_name"


def test_member_reaches_only_their_own_record_and_refusals_are_audited(store: MemoryStore) -> None:
    staff = ctx_for(store, "staff")
    mine = members.create(staff, member_create())
    other = members.create(staff, member_create())
    me = ctx_for(store, "member", member_id=mine.id, user_id="portal-1")
    assert members.get(me, mine.id).id == mine.id
    with pytest.raises(AppError) as err:
        members.get(me, other.id)
    assert err.value.status == 403
    refused = [e for e in audit_repo.by_actor(store, "portal-1", 10, None).items if e.extra.get("refused")]
    assert refused and refused[0].entity_id == other.id


def test_demographics_hidden_from_dispatchers_shown_to_officers_and_self(store: MemoryStore) -> None:
    m = members.create(ctx_for(store, "officer"), member_create(gender="F", ethnicity="WHITE"))
    assert "gender" not in members.view(ctx_for(store, "dispatcher"), m)
    assert members.view(ctx_for(store, "officer"), m)["gender"] == "F"
    assert members.view(ctx_for(store, "member", member_id=m.id), m)["ethnicity"] == "WHITE"


def test_member_edits_own_contact_fields(store: MemoryStore) -> None:
    m = members.create(ctx_for(store, "staff"), member_create())
    me = ctx_for(store, "member", member_id=m.id)
    updated = members.update_own_contact(me, ContactUpdate(version=1, city="TACOMA"))
    assert updated.city == "TACOMA" and updated.version == 2


def test_status_changes_only_through_actions(store: MemoryStore) -> None:
    m = members.create(ctx_for(store, "staff"), member_create())
    with pytest.raises(AppError) as err:
        members.change_status(ctx_for(store, "staff"), m.id, StatusAction.SUSPEND, "arrears", 1)
    assert err.value.status == 403
    s = members.change_status(ctx_for(store, "officer"), m.id, StatusAction.SUSPEND, "arrears decision", 1)
    assert s.status.value == "suspended"
    with pytest.raises(AppError) as err:
        members.change_status(ctx_for(store, "officer"), m.id, StatusAction.RETIRE, "x", 2)
    assert err.value.status == 422


def test_soft_delete_hides_and_restore_brings_back(store: MemoryStore) -> None:
    staff = ctx_for(store, "staff")
    m = members.create(staff, member_create(last_name="GONE"))
    members.soft_delete(staff, m.id, "duplicate entry", 1)
    assert members.search(staff, "GONE", None, None, None, False, 50, None).items == []
    assert [x.id for x in members.search(staff, "GONE", None, None, None, True, 50, None).items] == [m.id]
    restored = members.restore(staff, m.id, 2)
    assert restored.deleted_at is None and restored.version == 3


def test_GIVEN_staff_WHEN_creating_a_member_with_demographics_THEN_403_naming_them_and_nothing_stored(
        store: MemoryStore) -> None:
    """Demographics are officers' to set, at creation as on update (staff could set them at creation)."""
    with pytest.raises(AppError) as err:
        members.create(ctx_for(store, "staff"), member_create(last_name="ZZDEMO", gender="F", ethnicity="WHITE"))
    assert err.value.status == 403 and [f.name for f in err.value.fields] == ["ethnicity", "gender"]
    assert members.search(ctx_for(store, "staff"), "ZZDEMO", None, None, None, True, 50, None).items == []
    assert members.create(ctx_for(store, "staff"), member_create(last_name="ZZDEMO")).gender is None


def test_GIVEN_a_soft_deleted_member_WHEN_they_edit_their_contact_details_THEN_403(store: MemoryStore) -> None:
    staff = ctx_for(store, "staff")
    m = members.create(staff, member_create())
    members.soft_delete(staff, m.id, "duplicate entry", 1)
    with pytest.raises(AppError) as err:
        members.update_own_contact(ctx_for(store, "member", member_id=m.id), ContactUpdate(version=2, city="TACOMA"))
    assert err.value.status == 403
