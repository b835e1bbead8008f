"""Rules that span a member's jobs hold under real concurrency (issue: two corrections at once could create
an overlap). Both threads are held after reading the member's jobs until both have read them, so each
passes the overlap check on its own; the timeline's version condition must stop the second commit."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from chalicelib.core.errors import AppError
from chalicelib.core.store import Store
from chalicelib.core.store.memory import MemoryStore
from chalicelib.employment import service
from chalicelib.employment import store as repo
from chalicelib.employment.domain import EmploymentCorrection, EmploymentCreate, periods_overlap
from factories import ctx_for, member_and_employer


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore()
    from chalicelib.core.store.dynamo import DynamoStore

    res = request.getfixturevalue("provisioned")
    return DynamoStore(res.table_name, "us-west-2", request.getfixturevalue("moto_endpoint"))


def _race(monkeypatch: pytest.MonkeyPatch, actions: list[Callable[[], Any]]) -> list[object]:
    """Run the actions in threads that all read the member's jobs before any of them may commit."""
    gate = threading.Barrier(len(actions), timeout=30)
    read = repo.of_member
    held_once: set[threading.Thread] = set()

    def held(store: Store, member_id: str) -> Any:
        jobs = read(store, member_id)
        if threading.current_thread() not in held_once:  # later reads (the 409's body) go straight through
            held_once.add(threading.current_thread())
            gate.wait()
        return jobs

    monkeypatch.setattr(repo, "of_member", held)
    outcomes: list[object] = [None] * len(actions)

    def run(i: int) -> None:
        try:
            outcomes[i] = actions[i]()
        except AppError as err:
            outcomes[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    monkeypatch.setattr(repo, "of_member", read)
    return outcomes


def _employer_name() -> str:
    return f"RACE {uuid.uuid4().hex[:10].upper()} ELECTRIC"


def _add(store: Store, mid: str, org: str, start: str, end: str) -> dict[str, Any]:
    return service.add_employment(ctx_for(store, "staff"), mid, EmploymentCreate(
        employer_id=org, start_date=date.fromisoformat(start), end_date=date.fromisoformat(end)))


def test_GIVEN_two_staff_adding_overlapping_jobs_at_once_WHEN_both_commit_THEN_one_job_and_one_409(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    mid, org = member_and_employer(store, _employer_name())
    outcomes = _race(monkeypatch, [lambda: _add(store, mid, org, "2026-01-05", "2026-02-27"),
                                   lambda: _add(store, mid, org, "2026-02-01", "2026-03-30")])
    errors = [o for o in outcomes if isinstance(o, AppError)]
    assert len(errors) == 1 and errors[0].status == 409
    assert len(repo.of_member(store, mid)) == 1


def test_GIVEN_two_corrections_that_only_together_overlap_WHEN_made_at_once_THEN_one_saved_and_one_409(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    mid, org = member_and_employer(store, _employer_name())
    first = _add(store, mid, org, "2026-01-05", "2026-01-30")
    second = _add(store, mid, org, "2026-03-02", "2026-03-30")
    staff = ctx_for(store, "staff")
    outcomes = _race(monkeypatch, [
        lambda: service.correct_employment(staff, mid, str(first["id"]), EmploymentCorrection(
            version=1, reason="ended later", end_date=date(2026, 2, 20))),
        lambda: service.correct_employment(staff, mid, str(second["id"]), EmploymentCorrection(
            version=1, reason="started earlier", start_date=date(2026, 2, 10))),
    ])
    errors = [o for o in outcomes if isinstance(o, AppError)]
    assert len(errors) == 1 and errors[0].status == 409 and errors[0].code == "CONCURRENT_UPDATE"
    jobs = repo.of_member(store, mid)
    assert not any(a.id != b.id and periods_overlap(a.start_date, a.end_date, b.start_date, b.end_date)
                   for a in jobs for b in jobs)


def test_GIVEN_a_job_WHEN_an_overlapping_one_is_added_THEN_409_naming_start_date_and_nothing_written(
        store: Store) -> None:
    mid, org = member_and_employer(store, _employer_name())
    _add(store, mid, org, "2026-01-05", "2026-02-27")
    with pytest.raises(AppError) as err:
        _add(store, mid, org, "2026-02-27", "2026-03-30")  # shares the last day
    assert err.value.code == "EMPLOYMENT_OVERLAP" and err.value.fields[0].name == "start_date"
    assert len(repo.of_member(store, mid)) == 1
    assert _add(store, mid, org, "2026-02-28", "2026-03-30")["start_date"] == "2026-02-28"
