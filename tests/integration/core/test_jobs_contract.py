"""Background jobs on both store twins under real threads, and their results in S3 (moto)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any, TextIO

import pytest
import requests

from chalicelib.core import jobs
from chalicelib.core.store import Store
from chalicelib.core.store.memory import MemoryStore
from factories import ctx_for


def _rows(ctx: Any, job: jobs.Job, progress: jobs.Progress, out: TextIO) -> jobs.Output:
    out.write("name\r\n'=cmd\r\n")
    progress(1, force=True)
    return jobs.Output(1)


jobs.register_kind(jobs.JobKind(name="contract_rows", run=_rows, file_name=lambda job: "rows.csv"))


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore()
    from chalicelib.core.store.dynamo import DynamoStore

    res = request.getfixturevalue("provisioned")
    return DynamoStore(res.table_name, "us-west-2", request.getfixturevalue("moto_endpoint"))


def test_two_identical_requests_at_once_run_one_job(store: Store) -> None:
    """GIVEN 6 threads sending the same request at the same moment WHEN each starts the job THEN exactly one
    job is created and dispatched, and every thread gets that job."""
    requester, params = "admin-" + uuid.uuid4().hex[:8], {"n": uuid.uuid4().hex}
    dispatched: list[str] = []
    got: list[tuple[str, bool]] = []
    barrier = threading.Barrier(6, timeout=30)

    def request() -> None:
        barrier.wait()
        job, created = jobs.start(ctx_for(store, "admin", user_id=requester), "contract_rows", params,
                                  dispatch=dispatched.append)
        got.append((job.id, created))

    threads = [threading.Thread(target=request) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 6 and len({job_id for job_id, _ in got}) == 1
    assert sum(created for _, created in got) == 1 and dispatched == [got[0][0]]


def test_a_job_delivered_to_two_workers_runs_once(store: Store) -> None:
    requester = "admin-" + uuid.uuid4().hex[:8]
    job, _ = jobs.start(ctx_for(store, "admin", user_id=requester), "contract_rows", {}, dispatch=lambda _: None)
    results = jobs.MemoryResults()
    barrier = threading.Barrier(2, timeout=30)

    def work() -> None:
        barrier.wait()
        jobs.run_job(store, job.id, results)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results.files) == 1
    done = jobs.get(store, job.id)
    assert done is not None and done.status is jobs.JobStatus.SUCCEEDED


@pytest.fixture
def s3_env(provisioned: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from chalicelib.core import aws
    from chalicelib.core.settings import reset_settings

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("REPORTS_BUCKET", provisioned.reports_bucket)
    reset_settings()
    aws.s3_client.cache_clear()
    yield provisioned.reports_bucket
    reset_settings()
    aws.s3_client.cache_clear()


def test_a_finished_jobs_file_downloads_through_its_presigned_link(s3_env: str) -> None:
    """GIVEN a job run into the reports bucket WHEN its link is fetched without any credentials THEN the file
    comes back as an attachment; the object is encrypted at rest."""
    store = MemoryStore()
    ctx = ctx_for(store, "admin", user_id="admin-s3")
    job, _ = jobs.start(ctx, "contract_rows", {"s3": True}, dispatch=lambda _: None)
    done = jobs.run_job(store, job.id, jobs.S3Results())
    assert done is not None and done.status is jobs.JobStatus.SUCCEEDED and done.file_bytes == 13
    view = jobs.status(ctx, job.id, "contract_rows")
    assert f"/{s3_env}/jobs/contract_rows/{job.id}/rows.csv?" in view["download_url"]
    assert "X-Amz-Expires=900" in view["download_url"]
    r = requests.get(view["download_url"], timeout=10)
    assert r.status_code == 200 and r.content == b"name\r\n'=cmd\r\n"
    assert r.headers["Content-Disposition"] == 'attachment; filename="rows.csv"'
    from chalicelib.core.aws import s3_client

    head = s3_client().head_object(Bucket=s3_env, Key=done.result_key)
    assert head["ServerSideEncryption"] == "AES256"
