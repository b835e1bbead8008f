"""Background jobs (core/jobs.py) on the in-memory twin: queue, run, progress, link, dedup, dead workers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import pytest

from chalicelib.audit import store as audit_repo
from chalicelib.core import jobs
from chalicelib.core.errors import AppError
from chalicelib.core.store.memory import MemoryStore
from factories import ctx_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _kind(name: str, body: Any) -> jobs.JobKind:
    return jobs.register_kind(jobs.JobKind(name=name, run=body, file_name=lambda job: f"{name}.csv"))


def _write_rows(ctx: Any, job: jobs.Job, progress: jobs.Progress, out: TextIO) -> jobs.Output:
    out.write("n\r\n")
    for n in range(int(job.params["rows"])):
        out.write(f"{n}\r\n")
        progress(n + 1, force=True)
    return jobs.Output(int(job.params["rows"]))


ROWS = _kind("test_rows", _write_rows)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def _ctx(store: MemoryStore, clock: Clock, user: str = "admin-1") -> Any:
    ctx = ctx_for(store, "admin", user_id=user)
    ctx.clock = clock
    return ctx


def test_GIVEN_a_request_WHEN_the_worker_runs_THEN_the_job_succeeds_with_its_file_a_link_and_audit_entries(
        store: MemoryStore) -> None:
    clock, results, started = Clock(), jobs.MemoryResults(), []
    ctx = _ctx(store, clock)
    job, created = jobs.start(ctx, "test_rows", {"rows": 3}, dispatch=started.append)
    assert created and job.status is jobs.JobStatus.QUEUED and started == [job.id]

    clock.now += timedelta(seconds=1)  # entries of one instant would sort by their random ULID part
    done = jobs.run_job(store, job.id, results, clock)
    assert done is not None and done.status is jobs.JobStatus.SUCCEEDED
    assert (done.rows_done, done.percent, done.file_name) == (3, 100, "test_rows.csv")
    assert results.files[done.result_key or ""] == (b"n\r\n0\r\n1\r\n2\r\n", "text/csv; charset=utf-8",
                                                     "test_rows.csv")
    clock.now += timedelta(seconds=1)
    view = jobs.status(ctx, job.id, "test_rows", results)
    assert view["status"] == "succeeded" and view["download_url"].startswith("memory://jobs/test_rows/")
    assert view["download_expires_at"] == (clock.now + timedelta(minutes=15)).isoformat()
    actions = [e.action.value for e in audit_repo.by_entity(store, "job", job.id, 10, None).items]
    assert actions == ["READ", "UPDATE", "CREATE"]  # link handed out, finished, requested
    # A second delivery of the same job (the runner may deliver twice) changes nothing.
    assert jobs.run_job(store, job.id, results, clock) == jobs.get(store, job.id)


def test_GIVEN_identical_requests_at_once_WHEN_started_THEN_one_job_runs_and_both_get_it(store: MemoryStore) -> None:
    clock, dispatched = Clock(), []
    barrier = threading.Barrier(8)
    got: list[tuple[str, bool]] = []

    def request() -> None:
        barrier.wait()
        job, created = jobs.start(_ctx(store, clock), "test_rows", {"rows": 1}, dispatch=dispatched.append)
        got.append((job.id, created))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({job_id for job_id, _ in got}) == 1 and sum(created for _, created in got) == 1
    assert len(dispatched) == 1
    # Another person's identical request is their own job; and once the job has ended, a new request runs.
    other, created = jobs.start(_ctx(store, clock, "admin-2"), "test_rows", {"rows": 1}, dispatch=dispatched.append)
    assert created and other.id != got[0][0]
    jobs.run_job(store, got[0][0], jobs.MemoryResults(), clock)
    again, created = jobs.start(_ctx(store, clock), "test_rows", {"rows": 1}, dispatch=dispatched.append)
    assert created and again.id != got[0][0]


def test_GIVEN_a_worker_that_died_halfway_WHEN_the_status_is_read_THEN_failed_and_the_request_can_run_again(
        store: MemoryStore) -> None:
    """GIVEN a running job whose worker stopped writing heartbeats WHEN its requester reads the status
    more than STALE_AFTER later THEN it is failed with a message to start again, the identical request
    starts a new job, and the old worker, should it wake up, stops without overwriting anything."""
    clock, results = Clock(), jobs.MemoryResults()
    ctx = _ctx(store, clock)
    woke_up: list[str] = []

    def stalls(run_ctx: Any, job: jobs.Job, progress: jobs.Progress, out: TextIO) -> jobs.Output:
        progress(10, force=True)
        clock.now += jobs.STALE_AFTER + timedelta(seconds=1)  # the worker hangs ...
        view = jobs.status(ctx, job.id, "test_stalls", results)  # ... and the admin looks meanwhile
        assert view["status"] == "failed" and "Start it again" in view["error"]
        woke_up.append("yes")
        progress(11, force=True)  # ... then it wakes up
        return jobs.Output(11)

    _kind("test_stalls", stalls)
    job, _ = jobs.start(ctx, "test_stalls", {}, dispatch=lambda _: None)
    ended = jobs.run_job(store, job.id, results, clock)
    assert woke_up and ended is not None and ended.status is jobs.JobStatus.FAILED and ended.rows_done == 10
    assert results.files == {}
    retry, created = jobs.start(ctx, "test_stalls", {}, dispatch=lambda _: None)
    assert created and retry.id != job.id


def test_GIVEN_a_job_never_picked_up_WHEN_read_after_the_queue_timeout_THEN_failed(store: MemoryStore) -> None:
    clock = Clock()
    ctx = _ctx(store, clock)
    job, _ = jobs.start(ctx, "test_rows", {"rows": 1}, dispatch=lambda _: None)
    assert jobs.status(ctx, job.id, "test_rows")["status"] == "queued"
    clock.now += jobs.QUEUED_TIMEOUT + timedelta(seconds=1)
    assert jobs.status(ctx, job.id, "test_rows")["error"] == "The job never started. Start it again."


def test_GIVEN_a_failing_kind_WHEN_run_THEN_failed_with_a_plain_message_and_no_file(store: MemoryStore) -> None:
    def breaks(*_: Any) -> jobs.Output:
        raise RuntimeError("table unreachable at 10.0.0.7")  # details stay in the log

    _kind("test_breaks", breaks)
    clock, results = Clock(), jobs.MemoryResults()
    job, _ = jobs.start(_ctx(store, clock), "test_breaks", {}, dispatch=lambda _: None)
    ended = jobs.run_job(store, job.id, results, clock)
    assert ended is not None and ended.status is jobs.JobStatus.FAILED and "10.0.0.7" not in (ended.error or "")
    assert results.files == {}


def test_GIVEN_a_runner_that_cannot_start_WHEN_requested_THEN_503_and_the_job_is_not_left_queued(
        store: MemoryStore) -> None:
    def broken(_: str) -> None:
        raise ConnectionError("lambda unreachable")

    clock = Clock()
    with pytest.raises(AppError) as err:
        jobs.start(_ctx(store, clock), "test_rows", {"rows": 2}, dispatch=broken)
    assert err.value.status == 503
    (job,) = jobs.recent_of(store, "admin-1")
    assert job.status is jobs.JobStatus.FAILED
    assert jobs.start(_ctx(store, clock), "test_rows", {"rows": 2}, dispatch=lambda _: None)[1]


def test_GIVEN_someone_elses_job_or_another_kind_WHEN_read_THEN_not_found(store: MemoryStore) -> None:
    clock = Clock()
    job, _ = jobs.start(_ctx(store, clock), "test_rows", {"rows": 1}, dispatch=lambda _: None)
    for ctx, kind in ((_ctx(store, clock, "admin-2"), "test_rows"), (_ctx(store, clock), "test_breaks")):
        with pytest.raises(AppError) as err:
            jobs.status(ctx, job.id, kind)
        assert err.value.status == 404


def test_GIVEN_three_active_jobs_WHEN_a_fourth_is_requested_THEN_429(store: MemoryStore) -> None:
    clock = Clock()
    for n in range(jobs.MAX_ACTIVE_PER_REQUESTER):
        jobs.start(_ctx(store, clock), "test_rows", {"rows": n}, dispatch=lambda _: None)
    with pytest.raises(AppError) as err:
        jobs.start(_ctx(store, clock), "test_rows", {"rows": 99}, dispatch=lambda _: None)
    assert err.value.status == 429 and err.value.code == "TOO_MANY_JOBS"
