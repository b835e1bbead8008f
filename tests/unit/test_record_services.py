"""Note edits/deletes, ending and correcting jobs, contact and contract edits on the in-memory twin:
audit in the same write, stale versions, refusals naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.employers import (
    ContactCreate,
    ContractCode,
    ContractCreate,
    ContractUpdate,
    EmployerContactUpdate,
    OrganizationCreate,
)
from chalicelib.domain.employment import EmploymentCorrection, EmploymentCreate, EmploymentEnd, NoteCreate, NoteUpdate
from chalicelib.errors import AppError
from chalicelib.services import employers, member_records, members
from chalicelib.store import keys
from chalicelib.store.memory import MemoryStore
from factories import ctx_for, member_create


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def _setup(store: MemoryStore) -> tuple[str, str]:
    staff = ctx_for(store, "staff")
    m = members.create(staff, member_create())
    org = employers.create(staff, OrganizationCreate(name="OHM ELECTRIC"))
    return m.id, org.id


def _audit(store: MemoryStore, kind: str, entity_id: str) -> list[str]:
    return [e.action.value for e in store.audit_log.by_entity(kind, entity_id, 50, None).items]


# -- notes -----------------------------------------------------------------------------------------

def test_GIVEN_a_note_WHEN_the_author_edits_it_THEN_a_new_version_and_the_old_one_is_kept_for_admins(
        store: MemoryStore) -> None:
    mid, _ = _setup(store)
    author = ctx_for(store, "staff", user_id="author")
    note = member_records.add_note(author, mid, NoteCreate(text="first"))
    edited = member_records.edit_note(author, mid, note["id"], NoteUpdate(version=1, text="second"))
    assert edited["text"] == "second" and edited["version"] == 2 and edited["edited_by"] == "author"
    assert [n["text"] for n in member_records.list_notes(author, mid)] == ["second"]
    history = member_records.note_history(ctx_for(store, "admin", user_id="boss"), mid, note["id"])
    assert [v["text"] for v in history["versions"]] == ["first"] and history["note"]["text"] == "second"
    assert _audit(store, "member_note", note["id"]) == ["READ", "UPDATE", "CREATE"]
    update = store.audit_log.by_entity("member_note", note["id"], 50, None).items[1]
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
    assert member_records.list_notes(author, mid) == [] and member_records.list_notes(admin, mid) == []
    assert member_records.note_history(admin, mid, note["id"])["note"]["deleted_at"] == gone["deleted_at"]
    entry = store.audit_log.by_entity("member_note", note["id"], 50, None).items[1]
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


# -- employment ------------------------------------------------------------------------------------

def _job(store: MemoryStore, mid: str, org_id: str, start: str = "2026-01-05", end: str | None = None,
         ) -> dict[str, object]:
    return member_records.add_employment(ctx_for(store, "staff"), mid, EmploymentCreate(
        employer_id=org_id, start_date=date.fromisoformat(start),
        end_date=date.fromisoformat(end) if end else None))


def test_GIVEN_a_current_job_WHEN_ended_THEN_the_marker_is_freed_in_the_same_write_and_a_new_job_can_start(
        store: MemoryStore) -> None:
    mid, org_id = _setup(store)
    job = _job(store, mid, org_id)
    staff = ctx_for(store, "staff")
    with pytest.raises(AppError) as err:
        _job(store, mid, org_id, "2026-06-01")
    assert err.value.code == "CURRENT_JOB_EXISTS"
    ended = member_records.end_employment(staff, mid, str(job["id"]), EmploymentEnd(
        version=1, end_date=date(2026, 5, 29), end_hourly_rate="62.50"))
    assert ended["end_date"] == "2026-05-29" and ended["end_hourly_rate"] == "62.50" and ended["version"] == 2
    assert store.users.owner_of(keys.current_job_key(mid)) is None
    assert _audit(store, "employment", str(job["id"])) == ["UPDATE", "CREATE"]
    assert _job(store, mid, org_id, "2026-06-01")["end_date"] is None
    with pytest.raises(AppError) as err:
        member_records.end_employment(staff, mid, str(job["id"]), EmploymentEnd(version=2, end_date=date(2026, 6, 1)))
    assert err.value.status == 422 and err.value.code == "NOT_CURRENT"


def test_GIVEN_a_current_job_WHEN_ended_before_its_start_or_from_a_stale_version_THEN_400_or_409(
        store: MemoryStore) -> None:
    mid, org_id = _setup(store)
    job = _job(store, mid, org_id)
    staff = ctx_for(store, "staff")
    with pytest.raises(AppError) as err:
        member_records.end_employment(staff, mid, str(job["id"]), EmploymentEnd(version=1, end_date=date(2026, 1, 4)))
    assert err.value.status == 400 and err.value.fields[0].name == "end_date"
    with pytest.raises(AppError) as err:
        member_records.end_employment(staff, mid, str(job["id"]), EmploymentEnd(version=7, end_date=date(2026, 2, 1)))
    assert err.value.status == 409 and err.value.extra["current"]["version"] == 1
    assert store.users.owner_of(keys.current_job_key(mid)) == job["id"]  # nothing written


def test_GIVEN_a_job_WHEN_corrected_THEN_old_and_new_values_and_the_reason_are_audited(store: MemoryStore) -> None:
    mid, org_id = _setup(store)
    other_org = employers.create(ctx_for(store, "staff"), OrganizationCreate(name="VOLT BROS"))
    job = _job(store, mid, org_id, "2026-01-05", "2026-02-27")
    fixed = member_records.correct_employment(ctx_for(store, "officer"), mid, str(job["id"]), EmploymentCorrection(
        version=1, reason="wrong employer on the slip", employer_id=other_org.id, hourly_rate="58.10"))
    assert fixed["employer_name"] == "VOLT BROS" and fixed["hourly_rate"] == "58.10"
    entry = store.audit_log.by_entity("employment", str(job["id"]), 50, None).items[0]
    assert entry.extra["reason"] == "wrong employer on the slip"
    assert entry.old_values["employer_name"] == "OHM ELECTRIC" and entry.new_values["employer_name"] == "VOLT BROS"
    assert [c.id for c in store.children.by_index(f"EMPLOYER#{other_org.id}", 10, None).items] == [job["id"]]


def test_GIVEN_two_jobs_WHEN_a_correction_makes_them_overlap_or_ends_before_start_THEN_refused(
        store: MemoryStore) -> None:
    mid, org_id = _setup(store)
    first = _job(store, mid, org_id, "2026-01-05", "2026-02-27")
    _job(store, mid, org_id, "2026-03-02", "2026-04-30")
    staff = ctx_for(store, "staff")
    with pytest.raises(AppError) as err:
        member_records.correct_employment(staff, mid, str(first["id"]), EmploymentCorrection(
            version=1, reason="typo", end_date=date(2026, 3, 5)))
    assert err.value.code == "EMPLOYMENT_OVERLAP" and err.value.fields[0].name == "start_date"
    with pytest.raises(AppError) as err:
        member_records.correct_employment(staff, mid, str(first["id"]), EmploymentCorrection(
            version=1, reason="typo", start_date=date(2026, 3, 1)))
    assert err.value.status == 400 and err.value.fields[0].name == "end_date"


def test_GIVEN_an_ended_job_WHEN_corrected_to_current_THEN_it_claims_the_marker_or_409_if_another_is_current(
        store: MemoryStore) -> None:
    mid, org_id = _setup(store)
    old = _job(store, mid, org_id, "2025-01-06", "2025-03-28")
    staff = ctx_for(store, "staff")
    reopened = member_records.correct_employment(staff, mid, str(old["id"]), EmploymentCorrection(
        version=1, reason="never ended", end_date=None))
    assert reopened["end_date"] is None and store.users.owner_of(keys.current_job_key(mid)) == old["id"]
    member_records.correct_employment(staff, mid, str(old["id"]), EmploymentCorrection(
        version=2, reason="it did end", end_date=date(2025, 3, 28)))
    _job(store, mid, org_id, "2026-01-05")
    with pytest.raises(AppError) as err:
        member_records.correct_employment(staff, mid, str(old["id"]), EmploymentCorrection(
            version=3, reason="again", end_date=None))
    assert err.value.status == 409  # overlaps the current job (and would be a second current one)


def test_GIVEN_a_dispatch_record_WHEN_ended_or_corrected_by_hand_THEN_422(store: MemoryStore) -> None:
    mid, org_id = _setup(store)
    job = _job(store, mid, org_id)
    child = store.children.get(keys.member_pk(mid), "employment", str(job["id"]))
    assert child is not None
    child.data["source"] = "dispatch"
    with pytest.raises(AppError) as err:
        member_records.end_employment(ctx_for(store, "admin"), mid, child.id,
                                      EmploymentEnd(version=1, end_date=date(2026, 2, 1)))
    assert err.value.status == 422 and err.value.code == "DISPATCH_SOURCED"


# -- employers -------------------------------------------------------------------------------------

def test_GIVEN_two_contacts_WHEN_the_second_is_made_primary_THEN_the_first_is_demoted_in_the_same_write(
        store: MemoryStore) -> None:
    staff = ctx_for(store, "staff")
    org = employers.create(staff, OrganizationCreate(name="OHM ELECTRIC"))
    first = employers.add_contact(staff, org.id, ContactCreate(name="ANN", is_primary=True), 1)
    second = employers.add_contact(staff, org.id, ContactCreate(name="BOB"), 2)
    edited = employers.update_contact(staff, org.id, second["id"],
                                      EmployerContactUpdate(is_primary=True, title="Foreman"), 3)
    assert edited["is_primary"] and edited["title"] == "Foreman" and edited["name"] == "BOB"
    contacts = {c["name"]: c for c in employers.get(staff, org.id)["contacts"]}
    assert [n for n, c in contacts.items() if c["is_primary"]] == ["BOB"]
    assert _audit(store, "contact", first["id"]) == ["UPDATE", "CREATE"]
    with pytest.raises(AppError) as err:
        employers.update_contact(staff, org.id, first["id"], EmployerContactUpdate(is_primary=True), 3)
    assert err.value.status == 409 and err.value.code == "CONCURRENT_UPDATE"


def test_GIVEN_a_contact_WHEN_removed_THEN_hidden_from_the_employer_and_audited_as_delete(store: MemoryStore) -> None:
    staff = ctx_for(store, "staff")
    org = employers.create(staff, OrganizationCreate(name="OHM ELECTRIC"))
    c = employers.add_contact(staff, org.id, ContactCreate(name="ANN", is_primary=True), 1)
    removed = employers.remove_contact(staff, org.id, c["id"], "left the company", 2)
    assert removed["deleted_at"] and not removed["is_primary"] and removed["delete_reason"] == "left the company"
    assert employers.get(staff, org.id)["contacts"] == []
    assert _audit(store, "contact", c["id"])[0] == "DELETE"
    with pytest.raises(AppError) as err:
        employers.update_contact(staff, org.id, c["id"], EmployerContactUpdate(title="x"), 3)
    assert err.value.status == 404


def test_GIVEN_two_contracts_of_one_code_WHEN_dates_are_edited_to_overlap_THEN_refused_otherwise_saved(
        store: MemoryStore) -> None:
    staff = ctx_for(store, "staff")
    org = employers.create(staff, OrganizationCreate(name="OHM ELECTRIC"))
    code = ContractCode.WIREPERSON
    old = employers.add_contract(staff, org.id, ContractCreate(contract_code=code, effective_date=date(2024, 1, 1),
                                                               expiration_date=date(2024, 12, 31)), 1)
    employers.add_contract(staff, org.id, ContractCreate(contract_code=code, effective_date=date(2025, 1, 1)), 2)
    with pytest.raises(AppError) as err:
        employers.update_contract(staff, org.id, old["id"], ContractUpdate(expiration_date=date(2025, 1, 1)), 3)
    assert err.value.code == "CONTRACT_OVERLAP"
    with pytest.raises(AppError) as err:
        employers.update_contract(staff, org.id, old["id"], ContractUpdate(effective_date=date(2025, 6, 1)), 3)
    assert err.value.status == 400 and err.value.fields[0].name == "expiration_date"
    moved = employers.update_contract(staff, org.id, old["id"], ContractUpdate(effective_date=date(2023, 7, 1)), 3)
    assert moved["effective_date"] == "2023-07-01" and moved["version"] == 2
    assert len(employers.get(staff, org.id)["contracts"]) == 2  # updated in place, not copied


def test_GIVEN_a_contract_WHEN_ended_THEN_status_ended_code_released_and_no_further_edits(store: MemoryStore) -> None:
    staff = ctx_for(store, "staff")
    org = employers.create(staff, OrganizationCreate(name="OHM ELECTRIC"))
    c = employers.add_contract(staff, org.id, ContractCreate(contract_code=ContractCode.RESIDENTIAL,
                                                             effective_date=date(2025, 1, 1)), 1)
    with pytest.raises(AppError) as err:
        employers.end_contract(staff, org.id, c["id"], date(2024, 12, 31), 2)
    assert err.value.status == 400 and err.value.fields[0].name == "expiration_date"
    ended = employers.end_contract(staff, org.id, c["id"], date(2026, 6, 30), 2)
    assert ended["status"] == "ended" and ended["expiration_date"] == "2026-06-30"
    assert employers.get(staff, org.id)["contract_codes"] == []
    with pytest.raises(AppError) as err:
        employers.end_contract(staff, org.id, c["id"], date(2026, 7, 30), 3)
    assert err.value.status == 422 and err.value.code == "CONTRACT_ENDED"
