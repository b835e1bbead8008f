"""Contact and contract edits on the in-memory twin: one primary, no overlaps, audit in the same write."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.employers.domain import (
    ContactCreate,
    ContractCode,
    ContractCreate,
    ContractUpdate,
    EmployerContactUpdate,
    OrganizationCreate,
)
from chalicelib.core.errors import AppError
from chalicelib.employers import service as employers
from chalicelib.core.store.memory import MemoryStore
from factories import audit_actions as _audit
from factories import ctx_for


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


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
