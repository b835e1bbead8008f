"""Ending and correcting jobs on the in-memory twin: the current-job marker, audit in the same write,
stale versions, refusals naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.employers.domain import (
    OrganizationCreate,
)
from chalicelib.employment.domain import EmploymentCorrection, EmploymentCreate, EmploymentEnd
from chalicelib.core.errors import AppError
from chalicelib.employers import service as employers
from chalicelib.employment import service as member_records
from chalicelib.core.store.memory import MemoryStore
from factories import audit_actions as _audit
from factories import ctx_for
from factories import member_and_employer as _setup
from chalicelib.audit import store as audit_repo
from chalicelib.employment import store as employment_repo


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


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
    assert store.owner_of(employment_repo.current_job_key(mid)) is None
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
    assert store.owner_of(employment_repo.current_job_key(mid)) == job["id"]  # nothing written


def test_GIVEN_a_job_WHEN_corrected_THEN_old_and_new_values_and_the_reason_are_audited(store: MemoryStore) -> None:
    mid, org_id = _setup(store)
    other_org = employers.create(ctx_for(store, "staff"), OrganizationCreate(name="VOLT BROS"))
    job = _job(store, mid, org_id, "2026-01-05", "2026-02-27")
    fixed = member_records.correct_employment(ctx_for(store, "officer"), mid, str(job["id"]), EmploymentCorrection(
        version=1, reason="wrong employer on the slip", employer_id=other_org.id, hourly_rate="58.10"))
    assert fixed["employer_name"] == "VOLT BROS" and fixed["hourly_rate"] == "58.10"
    entry = audit_repo.by_entity(store, "employment", str(job["id"]), 50, None).items[0]
    assert entry.extra["reason"] == "wrong employer on the slip"
    assert entry.old_values["employer_name"] == "OHM ELECTRIC" and entry.new_values["employer_name"] == "VOLT BROS"
    assert [c.id for c in employment_repo.by_employer(store, other_org.id, 10, None).items] == [job["id"]]


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
    assert reopened["end_date"] is None and store.owner_of(employment_repo.current_job_key(mid)) == old["id"]
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
    record = employment_repo.get(store, mid, str(job["id"]))
    assert record is not None
    batch = store.batch()
    batch.put(record.model_copy(update={"source": "dispatch"}), record.version)
    batch.commit()
    child = employment_repo.get(store, mid, record.id)
    assert child is not None
    with pytest.raises(AppError) as err:
        member_records.end_employment(ctx_for(store, "admin"), mid, child.id,
                                      EmploymentEnd(version=1, end_date=date(2026, 2, 1)))
    assert err.value.status == 422 and err.value.code == "DISPATCH_SOURCED"
