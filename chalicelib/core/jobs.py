"""Background jobs: work too large for a request (the audit export now, every large report later).

An API Gateway request must answer within 29 s and a Lambda response is at most 6 MB, so a large export
is a job: the route writes a job record and answers 202 at once; a worker builds the file into the reports
bucket, writing its progress into the record; the status route shows the progress and, when the job has
finished, a presigned download link valid for `LINK_SECONDS`.

- **Record.** `Job` in the table (`JOB#<id>` / `JOB`, listed per requester under GSI1), versioned: every
  transition is a conditional write, so a worker and a status reader never both decide a job's fate.
  Jobs expire from the table after `JOB_TTL_DAYS` (TTL), their files after as many days (bucket lifecycle).
- **Runner.** On AWS (`JOBS_WORKER_FUNCTION` set) the route invokes the worker Lambda asynchronously
  (`InvocationType=Event`); locally it runs the same worker code in a background thread of the process.
- **One run per request.** Identical requests (same kind, same requester, same parameters) while a job is
  queued or running get that job back: a unique marker item claims the request in the same transaction
  as the job, and is released in the transaction that ends it.
- **A dead worker is visible.** A running job writes a heartbeat at least every `HEARTBEAT_SECONDS`; a job
  without one for `STALE_AFTER` (or queued for `QUEUED_TIMEOUT`) is marked failed by the next status read,
  and the user starts it again. A worker that finds its job no longer running stops.
- **Audited.** The job's creation and its end are audit entries in the same transactions; a kind adds its
  own entry to the end (the export's BULK_READ with its row count); handing out a link is a READ.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import IO, Any, Protocol, TextIO

from pydantic import Field

from chalicelib.core.audit import SYSTEM, Actor, AuditAction, AuditEntry
from chalicelib.core.context import Caller, Ctx, utc_now
from chalicelib.core.errors import AppError, DuplicateKey, StaleVersion, not_found, too_many
from chalicelib.core.ids import new_ulid
from chalicelib.core.model import DomainModel
from chalicelib.core.observability import logger
from chalicelib.core.store import ItemCodec, Query, Store, register

JOB_TTL_DAYS = 7
HEARTBEAT_SECONDS = 5
STALE_AFTER = timedelta(minutes=3)
QUEUED_TIMEOUT = timedelta(minutes=15)
LINK_SECONDS = 15 * 60
MAX_ACTIVE_PER_REQUESTER = 3
RESULT_PREFIX = "jobs/"
LOCAL_WORKERS = 2
# Job results are built in a temporary file that stays in memory up to this size (Lambda: /tmp beyond it).
SPOOL_BYTES = 8 * 1024 * 1024
AUDIT_ENTITY = "job"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


ACTIVE = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})


class Job(DomainModel):
    id: str
    kind: str
    params: dict[str, Any]
    requested_by: str
    requested_by_email: str | None = None
    requested_roles: list[str] = Field(default_factory=list)
    request_id: str | None = None
    status: JobStatus = JobStatus.QUEUED
    rows_done: int = 0
    percent: int | None = None
    truncated: bool = False
    result_key: str | None = None
    file_name: str | None = None
    file_bytes: int | None = None
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    dedup_key: str | None = None
    expires_at: int
    version: int = 1


class JobCodec(ItemCodec[Job]):
    entity = "job"
    record_type = Job

    def keys(self, job: Job) -> dict[str, str]:
        created = job.model_dump(mode="json", include={"created_at"})["created_at"]
        return {"PK": f"JOB#{job.id}", "SK": "JOB", "GSI1PK": f"JOBS#{job.requested_by}",
                "GSI1SK": f"{created}#{job.id}"}


JOBS = register(JobCodec())


class JobView(DomainModel):
    """What the status routes answer."""

    id: str
    kind: str
    status: JobStatus
    params: dict[str, Any]
    rows_done: int
    percent: int | None = None
    truncated: bool = False
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    file_name: str | None = None
    file_bytes: int | None = None
    download_url: str | None = None
    download_expires_at: datetime | None = None


# -- kinds ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    rows: int
    truncated: bool = False


class JobStopped(Exception):
    """The job is no longer running (marked failed by a status read after a stall): stop working on it."""


class Progress:
    """Handed to a kind's `run`: call it as work advances; it writes a heartbeat at most every
    HEARTBEAT_SECONDS, and raises JobStopped once the job has been ended elsewhere."""

    def __init__(self, store: Store, job: Job, clock: Callable[[], datetime]) -> None:
        self._store, self.job, self._clock = store, job, clock
        self._last = clock()

    def __call__(self, rows_done: int, percent: int | None = None, force: bool = False) -> None:
        now = self._clock()
        if not force and (now - self._last).total_seconds() < HEARTBEAT_SECONDS:
            return
        self._last = now
        after = self.job.model_copy(update={"rows_done": rows_done, "percent": percent, "heartbeat_at": now})
        batch = self._store.batch()
        batch.put(after, self.job.version)  # bookkeeping, like a rate-limit counter: not audited
        try:
            batch.commit()
        except StaleVersion:
            raise JobStopped(self.job.id) from None
        self.job = after.model_copy(update={"version": self.job.version + 1})


@dataclass(frozen=True)
class JobKind:
    """One kind of job. `run` writes the result (text) to `out` and reports progress; `file_name` names the
    download; `finished_entry` is the audit entry the finished job adds (e.g. the export's BULK_READ)."""

    name: str
    run: Callable[[Ctx, Job, Progress, TextIO], Output]
    file_name: Callable[[Job], str]
    finished_entry: Callable[[Ctx, Job, Output], AuditEntry] | None = None
    content_type: str = "text/csv; charset=utf-8"


KINDS: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> JobKind:
    existing = KINDS.get(kind.name)
    if existing is not None and existing is not kind:
        raise ValueError(f"job kind {kind.name} is registered twice")
    KINDS[kind.name] = kind
    return kind


# -- where results go -------------------------------------------------------------------------------------


class Results(Protocol):
    def save(self, key: str, body: IO[bytes], content_type: str, file_name: str) -> int:
        """Store a finished job's file; returns its size in bytes."""
        ...

    def link(self, key: str, file_name: str, seconds: int) -> str:
        """A URL that downloads the file for `seconds`, without the API's token."""
        ...


def _disposition(file_name: str) -> str:
    safe = "".join(c for c in file_name if c.isalnum() or c in "-_.") or "download"
    return f'attachment; filename="{safe}"'


class S3Results:
    """The reports bucket (setting REPORTS_BUCKET)."""

    def __init__(self, bucket: str | None = None) -> None:
        from chalicelib.core.settings import get_settings

        self.bucket = bucket or get_settings().reports_bucket

    def save(self, key: str, body: IO[bytes], content_type: str, file_name: str) -> int:
        from chalicelib.core.aws import s3_client

        body.seek(0, io.SEEK_END)
        size = body.tell()
        body.seek(0)
        # Content-Disposition on the object too: an emulator may ignore the presigned override.
        s3_client().upload_fileobj(body, self.bucket, key, ExtraArgs={
            "ContentType": content_type, "ContentDisposition": _disposition(file_name),
            "ServerSideEncryption": "AES256"})
        return size

    def link(self, key: str, file_name: str, seconds: int) -> str:
        from chalicelib.core.aws import s3_client

        # Signed with the caller's (the Lambda role's) credentials: valid for `seconds`, or until those
        # credentials expire if sooner.
        return str(s3_client().generate_presigned_url(
            "get_object", ExpiresIn=seconds,
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentDisposition": _disposition(file_name)}))


class MemoryResults:
    """The in-memory twin of the results bucket (unit tests)."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str, str]] = {}

    def save(self, key: str, body: IO[bytes], content_type: str, file_name: str) -> int:
        data = body.read()
        self.files[key] = (data, content_type, file_name)
        return len(data)

    def link(self, key: str, file_name: str, seconds: int) -> str:
        return f"memory://{key}?expires={seconds}"


# -- reading ----------------------------------------------------------------------------------------------


def get(store: Store, job_id: str) -> Job | None:
    return store.get(JOBS, (f"JOB#{job_id}", "JOB"), consistent=True)


def recent_of(store: Store, requester: str, limit: int = 20) -> list[Job]:
    """A requester's newest jobs (GSI1, eventually consistent)."""
    return list(store.query(JOBS, Query(f"JOBS#{requester}", index="GSI1", newest_first=True), limit).items)


def _stale(job: Job, now: datetime) -> str | None:
    """Why an active job must be considered dead, or None."""
    if job.status is JobStatus.RUNNING:
        beat = job.heartbeat_at or job.started_at or job.created_at
        if now - beat > STALE_AFTER:
            return "The job stopped before finishing (no progress for several minutes). Start it again."
    elif job.status is JobStatus.QUEUED and now - job.created_at > QUEUED_TIMEOUT:
        return "The job never started. Start it again."
    return None


# -- transitions ------------------------------------------------------------------------------------------


def _requester_ctx(store: Store, job: Job, clock: Callable[[], datetime]) -> Ctx:
    """The worker acts for the person who asked: their id and roles (the read rules depend on them), on the
    `job` channel, with the request id of the request that started the job."""
    actor = Actor(id=job.requested_by, email=job.requested_by_email, roles=list(job.requested_roles),
                  request_id=job.request_id, channel="job")
    return Ctx(store=store, caller=Caller(actor), clock=clock)


def _end(ctx: Ctx, job: Job, status: JobStatus, *, error: str | None = None,
         entries: tuple[AuditEntry, ...] = (), **changes: Any) -> Job | None:
    """The one terminal transition (succeeded or failed), conditional on the version seen: it releases the
    request's marker and writes the audit entries in the same transaction. None if someone else ended or
    changed the job first."""
    now = ctx.now()
    after = job.model_copy(update={"status": status, "error": error, "finished_at": now, "heartbeat_at": now,
                                   **changes})
    batch = ctx.store.batch()
    batch.put(after, job.version)
    if job.dedup_key:
        batch.release_unique(job.dedup_key, job.id)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, AUDIT_ENTITY, job.id, _audited(job), _audited(after),
                                kind=job.kind))
    for entry in entries:
        batch.audit(entry)
    try:
        batch.commit()
    except StaleVersion:
        return None
    return after.model_copy(update={"version": job.version + 1})


def _audited(job: Job) -> dict[str, Any]:
    return job.model_dump(mode="json", include={"kind", "params", "status", "rows_done", "truncated", "file_name",
                                                "file_bytes", "error", "result_key"})


def settle(store: Store, job: Job, now: datetime) -> Job:
    """The job as it really is: an active job whose worker died is ended as failed (by SYSTEM)."""
    reason = _stale(job, now)
    if reason is None:
        return job
    ended = _end(Ctx(store=store, caller=Caller(SYSTEM), clock=lambda: now), job, JobStatus.FAILED, error=reason)
    if ended is not None:
        logger.warning("job marked failed", extra={"job_id": job.id, "kind": job.kind, "was": job.status.value})
        return ended
    return get(store, job.id) or job


def _dedup_key(kind: str, requester: str, params: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f"JOBKEY#{kind}#{requester}#{digest[:40]}"


def start(ctx: Ctx, kind_name: str, params: dict[str, Any],
          dispatch: Callable[[str], None] | None = None) -> tuple[Job, bool]:
    """Queue a job and hand it to the runner; (job, True). While an identical request of the same person
    is queued or running, that job is returned instead: (job, False)."""
    if kind_name not in KINDS:
        raise ValueError(f"unknown job kind {kind_name}")
    requester = ctx.caller.id
    key = _dedup_key(kind_name, requester, params)
    for attempt in range(4):
        if attempt:
            time.sleep(0.05 * attempt)  # the marker's owner is read eventually consistent: let it settle
        owner = ctx.store.owner_of(key)
        if owner is not None:
            existing = get(ctx.store, owner)
            if existing is not None:
                existing = settle(ctx.store, existing, ctx.now())
                if existing.status in ACTIVE:
                    return existing, False
            if existing is None:
                # The job item expired (TTL) while its marker stayed: free the marker, then claim afresh.
                release = ctx.store.batch()
                release.release_unique(key, owner)
                try:
                    release.commit()
                except StaleVersion:
                    pass
            continue  # the marker was released meanwhile: claim it below on the next pass
        now = ctx.now()
        active = [j for j in recent_of(ctx.store, requester) if j.status in ACTIVE and _stale(j, now) is None]
        if len(active) >= MAX_ACTIVE_PER_REQUESTER:
            raise too_many(f"You have {len(active)} jobs running; wait for one to finish.", 30,
                           code="TOO_MANY_JOBS")
        a = ctx.caller.actor
        job = Job(id=new_ulid(), kind=kind_name, params=params, requested_by=requester, requested_by_email=a.email,
                  requested_roles=list(a.roles), request_id=a.request_id, created_at=now, dedup_key=key,
                  expires_at=int((now + timedelta(days=JOB_TTL_DAYS)).timestamp()))
        batch = ctx.store.batch()
        batch.put(job)
        batch.create_unique(key, job.id)
        batch.audit(ctx.audit_entry(AuditAction.CREATE, AUDIT_ENTITY, job.id, {}, _audited(job), kind=kind_name))
        try:
            batch.commit()
        except DuplicateKey:
            continue  # an identical request won the race: return its job on the next pass
        try:
            (dispatch or dispatch_job)(job.id)
        except Exception as exc:  # noqa: BLE001 - the job must not stay queued when it cannot start
            logger.exception("job could not be started", extra={"job_id": job.id, "kind": kind_name})
            _end(ctx, job, JobStatus.FAILED, error="The job could not be started. Try again.")
            raise AppError(503, "JOB_NOT_STARTED", "The job could not be started. Try again.") from exc
        return job, True
    raise AppError(503, "JOB_NOT_STARTED", "The job could not be started. Try again.")


def run_job(store: Store, job_id: str, results: Results, clock: Callable[[], datetime] = utc_now) -> Job | None:
    """The worker: claim the queued job, run its kind into a temporary file, store the file, end the job.
    Runs once per job whatever the runner delivers twice: the claim is a conditional write."""
    job = get(store, job_id)
    if job is None or job.status is not JobStatus.QUEUED:
        logger.info("job not claimed", extra={"job_id": job_id, "status": job.status.value if job else None})
        return job
    kind = KINDS[job.kind]
    now = clock()
    running = job.model_copy(update={"status": JobStatus.RUNNING, "started_at": now, "heartbeat_at": now})
    claim = store.batch()
    claim.put(running, job.version)
    try:
        claim.commit()
    except StaleVersion:
        return get(store, job_id)
    job = running.model_copy(update={"version": job.version + 1})
    ctx = _requester_ctx(store, job, clock)
    progress = Progress(store, job, clock)
    try:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            output = kind.run(ctx, job, progress, text)
            text.flush()
            text.detach()  # leave `raw` open for the upload
            raw.seek(0)
            name = kind.file_name(job)
            key = f"{RESULT_PREFIX}{job.kind}/{job.id}/{name}"
            size = results.save(key, raw, kind.content_type, name)
        job = progress.job
        entries = (kind.finished_entry(ctx, job, output),) if kind.finished_entry else ()
        ended = _end(ctx, job, JobStatus.SUCCEEDED, entries=entries, rows_done=output.rows, percent=100,
                     truncated=output.truncated, result_key=key, file_name=name, file_bytes=size)
        if ended is None:
            logger.warning("job ended elsewhere before it finished", extra={"job_id": job.id})
        return ended or get(store, job_id)
    except JobStopped:
        logger.warning("job stopped: it was ended elsewhere", extra={"job_id": job.id})
        return get(store, job_id)
    except Exception:  # noqa: BLE001 - any failure ends the job visibly; details go to the log only
        logger.exception("job failed", extra={"job_id": job.id, "kind": job.kind})
        _end(ctx, progress.job, JobStatus.FAILED, error="The job failed. Try again; if it fails again, report it.")
        return get(store, job_id)


def status(ctx: Ctx, job_id: str, kind_name: str, results: Results | None = None) -> dict[str, Any]:
    """The job as its requester may see it, with a download link once it has succeeded (a link handed out
    is an audited READ). Another person's job, or another kind's, is not found."""
    job = get(ctx.store, job_id)
    if job is None or job.kind != kind_name or job.requested_by != ctx.caller.id:
        raise not_found("Job")
    job = settle(ctx.store, job, ctx.now())
    view = JobView.model_validate(job.model_dump()).model_dump(mode="json")
    if job.status is JobStatus.SUCCEEDED and job.result_key and job.file_name:
        view["download_url"] = (results or S3Results()).link(job.result_key, job.file_name, LINK_SECONDS)
        view["download_expires_at"] = (ctx.now() + timedelta(seconds=LINK_SECONDS)).isoformat()
        ctx.audit_read(AUDIT_ENTITY, job.id, kind=job.kind, link_issued=True, link_seconds=LINK_SECONDS)
    return view


def view_of(job: Job) -> dict[str, Any]:
    return JobView.model_validate(job.model_dump()).model_dump(mode="json")


# -- the runner -------------------------------------------------------------------------------------------

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _local_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=LOCAL_WORKERS, thread_name_prefix="job")
        return _pool


def _run_here(job_id: str) -> None:
    from chalicelib.core.store import get_store

    try:
        run_job(get_store(), job_id, S3Results())
    except Exception:  # noqa: BLE001 - a background thread has no caller to raise to
        logger.exception("job worker crashed", extra={"job_id": job_id})


def dispatch_job(job_id: str) -> None:
    """Start the worker: the worker Lambda (asynchronous invoke) on AWS, a background thread locally."""
    from chalicelib.core.settings import get_settings

    function = get_settings().jobs_worker_function
    if function:
        from chalicelib.core.aws import interactive_client

        interactive_client("lambda").invoke(FunctionName=function, InvocationType="Event",
                                            Payload=json.dumps({"job_id": job_id}).encode())
    else:
        _local_pool().submit(_run_here, job_id)


def handle_worker_event(event: Any) -> dict[str, Any]:
    """The worker Lambda's entry point (app.py registers it): {"job_id": …} from `dispatch_job`."""
    from chalicelib.core.store import get_store

    job_id = str((event or {}).get("job_id") or "")
    if not job_id:
        return {"ok": False, "error": "no job_id"}
    job = run_job(get_store(), job_id, S3Results())
    return {"ok": True, "job_id": job_id, "status": job.status.value if job else None}
