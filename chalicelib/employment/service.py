"""Employment history of a member (modules.md §4): list, add, end, correct."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, bad_request, conflict, not_found, unprocessable
from chalicelib.core.ids import new_ulid
from chalicelib.core.store import Page, WriteBatch, versioned
from chalicelib.employers import store as employers_repo
from chalicelib.employment import store as repo
from chalicelib.employment.domain import (
    EmploymentCorrection,
    EmploymentCreate,
    EmploymentEnd,
    EmploymentRecord,
    EmploymentTimeline,
    dispatch_sourced,
    job_dates_problem,
    overlapping,
    rate_text,
)
from chalicelib.members import service as members
from chalicelib.members import store as members_repo

ENTITY = "employment"


def job_json(job: EmploymentRecord) -> dict[str, Any]:
    return job.model_dump(mode="json")


def _audit_view(job: EmploymentRecord) -> dict[str, Any]:
    return job.model_dump(mode="json", exclude={"id", "version", "created_at", "updated_at"})


def _current_job_taken() -> AppError:
    return conflict("CURRENT_JOB_EXISTS", "This member already has a current job; end it first.",
                    FieldProblem("end_date", "required while another job is current"))


def _overlap(other: EmploymentRecord) -> AppError:
    return conflict("EMPLOYMENT_OVERLAP", "These dates overlap another job of this member.",
                    FieldProblem("start_date", "overlaps another employment record"), overlapping=job_json(other))


def _claim_timeline(ctx: Ctx, batch: WriteBatch, member_id: str, now: str) -> None:
    """Write the member's employment timeline at its next version (created on first use): a concurrent
    change to the same member's jobs then fails its condition instead of slipping past the overlap check."""
    current = repo.timeline(ctx.store, member_id)
    if current is None:
        batch.put(EmploymentTimeline(member_id=member_id, updated_at=now))
    else:
        batch.put(current.model_copy(update={"updated_at": now}), current.version)


def _latest_jobs(ctx: Ctx, member_id: str) -> Callable[[], list[dict[str, Any]]]:
    return lambda: [job_json(j) for j in repo.of_member(ctx.store, member_id)]


def list_employment(ctx: Ctx, member_id: str, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
    """A page of the member's employment history, newest start first."""
    members.ensure_can_read(ctx, member_id)
    page = repo.history_page(ctx.store, member_id, limit, cursor)
    ctx.audit_read(ENTITY, member_id, bulk=True, row_count=len(page.items))
    return Page([job_json(j) for j in page.items], page.next_cursor)


def add_employment(ctx: Ctx, member_id: str, data: EmploymentCreate) -> dict[str, Any]:
    if members_repo.get(ctx.store, member_id) is None:
        raise not_found("Member")
    employer = employers_repo.get(ctx.store, data.employer_id)
    if employer is None:
        raise not_found("Employer")
    now = ctx.clock().isoformat()
    job = EmploymentRecord(id=new_ulid(), member_id=member_id, employer_name=employer.name, created_at=now,
                           updated_at=now, **{**data.model_dump(exclude={"hourly_rate"}),
                                              "hourly_rate": rate_text(data.hourly_rate)})
    batch = ctx.store.batch()
    _claim_timeline(ctx, batch, member_id, now)  # read before the jobs: a later change fails our condition
    jobs = repo.of_member(ctx.store, member_id)
    if job.is_current and any(j.is_current for j in jobs):
        raise _current_job_taken()
    other = overlapping(jobs, job.start_date, job.end_date)
    if other is not None:
        raise _overlap(other)
    if job.is_current:
        batch.create_unique(repo.current_job_key(member_id), job.id)
    batch.put(job)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, job.id, {}, _audit_view(job)))
    versioned.commit(batch, current=_latest_jobs(ctx, member_id), what="employment history",
                     duplicates=lambda _: _current_job_taken())
    return job_json(job)


def _job(ctx: Ctx, batch: WriteBatch, member_id: str, employment_id: str, version: int) -> EmploymentRecord:
    """The record to change: it exists, is not dispatch-sourced (§4.3) and is at the version the caller saw.
    The member's timeline goes into `batch` first, so every job read after it is covered by its condition."""
    if members_repo.get(ctx.store, member_id) is None:
        raise not_found("Member")
    _claim_timeline(ctx, batch, member_id, ctx.clock().isoformat())
    job = repo.get(ctx.store, member_id, employment_id)
    if job is None:
        raise not_found("Employment record")
    if dispatch_sourced(job):
        raise unprocessable("DISPATCH_SOURCED", "Dispatch records change only through dispatch actions.")
    versioned.require_version(version, job.version, lambda: job_json(job))
    return job


def _commit_job(ctx: Ctx, batch: WriteBatch, before: EmploymentRecord, after: EmploymentRecord,
                **extra: Any) -> dict[str, Any]:
    """Write the record, move the one-current-job marker (§4.2) and audit old/new, in one transaction.
    `batch` already holds the member's timeline, claimed before the jobs were read."""
    marker = repo.current_job_key(before.member_id)
    if before.is_current and not after.is_current and ctx.store.owner_of(marker) == before.id:
        batch.release_unique(marker, before.id)  # imports may hold a second current job that never owned it
    if after.is_current and not before.is_current:
        batch.create_unique(marker, after.id)
    batch.put(after, before.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, ENTITY, after.id, _audit_view(before), _audit_view(after), **extra))

    def current() -> dict[str, Any] | None:
        latest = repo.get(ctx.store, before.member_id, before.id)
        return job_json(latest) if latest else None

    versioned.commit(batch, current=current, duplicates=lambda _: _current_job_taken())
    return job_json(after.model_copy(update={"version": before.version + 1}))


def end_employment(ctx: Ctx, member_id: str, employment_id: str, data: EmploymentEnd) -> dict[str, Any]:
    """End the current job (§4): end date ≥ start; frees the current-job marker in the same transaction."""
    batch = ctx.store.batch()
    job = _job(ctx, batch, member_id, employment_id, data.version)
    if not job.is_current:
        raise unprocessable("NOT_CURRENT", "This job has already ended.", FieldProblem("end_date", "already set"))
    problem = job_dates_problem(job.start_date, data.end_date)
    if problem:
        raise bad_request("The end date is not valid.", FieldProblem("end_date", problem))
    updates: dict[str, Any] = {"end_date": data.end_date, "updated_at": ctx.clock().isoformat()}
    if data.end_hourly_rate is not None:
        updates["end_hourly_rate"] = rate_text(data.end_hourly_rate)
    return _commit_job(ctx, batch, job, job.model_copy(update=updates))


def correct_employment(ctx: Ctx, member_id: str, employment_id: str, data: EmploymentCorrection) -> dict[str, Any]:
    """Correct a direct-hire or imported record with a reason (§4.3); dates keep the §4.2 invariants."""
    batch = ctx.store.batch()
    job = _job(ctx, batch, member_id, employment_id, data.version)
    given = data.model_fields_set - {"version", "reason"}
    if not given:
        raise bad_request("Nothing to correct.", FieldProblem("start_date", "give at least one field to correct"))
    updates: dict[str, Any] = {}
    if "employer_id" in given:
        if data.employer_id is None:
            raise bad_request("The employer is required.", FieldProblem("employer_id", "must not be empty"))
        employer = employers_repo.get(ctx.store, data.employer_id)
        if employer is None or employer.deleted_at:
            raise bad_request("No such employer.", FieldProblem("employer_id", "no employer with this id"))
        updates.update(employer_id=employer.id, employer_name=employer.name)
    if "start_date" in given:
        if data.start_date is None:
            raise bad_request("The start date is required.", FieldProblem("start_date", "must not be empty"))
        updates["start_date"] = data.start_date
    if "end_date" in given:
        updates["end_date"] = data.end_date
    if "job_class" in given:
        updates["job_class"] = data.job_class
    if "hourly_rate" in given:
        updates["hourly_rate"] = rate_text(data.hourly_rate)
    start, end = updates.get("start_date", job.start_date), updates.get("end_date", job.end_date)
    problem = job_dates_problem(start, end)
    if problem:
        raise bad_request("The end date is not valid.", FieldProblem("end_date", problem))
    if (start, end) != (job.start_date, job.end_date):
        # Checked against the jobs read after the timeline was claimed: a change committed meanwhile moved
        # the timeline on, and this batch's condition fails with the 409.
        other = overlapping(repo.of_member(ctx.store, member_id), start, end, skip_id=job.id)
        if other is not None:
            raise _overlap(other)
    now = ctx.clock().isoformat()
    after = job.model_copy(update={**updates, "corrected_at": now, "correction_reason": data.reason,
                                   "updated_at": now})
    return _commit_job(ctx, batch, job, after, reason=data.reason)


def add_dispatch_job(ctx: Ctx, batch: WriteBatch, job: EmploymentRecord, timeline: EmploymentTimeline | None) -> None:
    """A dispatch's employment record (referral S2.1, S7), written in the dispatch's own transaction: the record
    (source `dispatch`), the member's timeline at its next version and the one-current-job marker. The caller
    read `timeline` with the rest of its reads, so this adds writes only."""
    if timeline is None:
        batch.put(EmploymentTimeline(member_id=job.member_id, updated_at=job.created_at))
    else:
        batch.put(timeline.model_copy(update={"updated_at": job.created_at}), timeline.version)
    batch.create_unique(repo.current_job_key(job.member_id), job.id)
    batch.put(job)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, job.id, {}, _audit_view(job)))


def _dispatch_job_change(ctx: Ctx, batch: WriteBatch, before: EmploymentRecord, after: EmploymentRecord,
                         timeline: EmploymentTimeline | None, **extra: Any) -> None:
    """Stage a dispatch-sourced record's change (§4.3: only through dispatch actions) into the dispatch action's
    own transaction: the member's timeline at its next version, the record under its version, the
    one-current-job marker released when this record held it, and the audit entry with old and new values."""
    now = after.updated_at
    if timeline is None:
        batch.put(EmploymentTimeline(member_id=before.member_id, updated_at=now))
    else:
        batch.put(timeline.model_copy(update={"updated_at": now}), timeline.version)
    marker = repo.current_job_key(before.member_id)
    if before.is_current and not after.is_current and ctx.store.owner_of(marker) == before.id:
        batch.release_unique(marker, before.id)
    batch.put(after, before.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, ENTITY, after.id, _audit_view(before), _audit_view(after),
                                **extra))


def end_dispatch_job(ctx: Ctx, batch: WriteBatch, job: EmploymentRecord, timeline: EmploymentTimeline | None, *,
                     last_day_worked: Any, end_rate: str | None, raw_reason: str, classification: str,
                     working_days: int, calendar_days: int, hours: str | None, comment: str | None
                     ) -> EmploymentRecord:
    """Referral S5/S7: a dispatch's termination ends its employment record (end date = last day worked; a job
    cancelled before it started ends on its start date with 0 days), staged into the termination's batch."""
    if not dispatch_sourced(job):
        raise unprocessable("NOT_DISPATCH_SOURCED", "Only a dispatch's own record ends with its termination.")
    end = max(last_day_worked, job.start_date)
    after = job.model_copy(update={
        "end_date": end, "end_hourly_rate": end_rate, "termination_reason": raw_reason,
        "classification": classification, "working_days": working_days, "calendar_days": calendar_days,
        "hours": hours, "termination_comment": comment, "updated_at": ctx.clock().isoformat()})
    _dispatch_job_change(ctx, batch, job, after, timeline, source_action="TERMINATE")
    return after


def void_dispatch_job(ctx: Ctx, batch: WriteBatch, job: EmploymentRecord, timeline: EmploymentTimeline | None,
                      reason: str) -> EmploymentRecord:
    """Referral S8.1: a voided dispatch's record is marked voided (kept for the trail, never a job: not current,
    never overlapping another), staged into the void's batch."""
    if not dispatch_sourced(job):
        raise unprocessable("NOT_DISPATCH_SOURCED", "Only a dispatch's own record is voided with it.")
    now = ctx.clock().isoformat()
    after = job.model_copy(update={"voided_at": now, "void_reason": reason, "updated_at": now})
    _dispatch_job_change(ctx, batch, job, after, timeline, source_action="VOID", reason=reason)
    return after
