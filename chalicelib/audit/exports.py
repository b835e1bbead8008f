"""The admin's CSV export of the audit trail (modules.md §16.4) as a background job (core/jobs.py).

`POST /audit/exports {from, to}` queues the job and answers 202; the worker reads the days of the range
through the by-day index, writes every entry as the requester may see it (`shown_to`, the same read rules
as the other read paths) through the product's one CSV writer (formula cells neutralised), and stores the
file in the reports bucket; `GET /audit/exports/{job_id}` shows progress and, at the end, a link valid for
15 minutes. At most 100,000 rows per export (§16.4): a longer range ends with `truncated: true`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any, TextIO

from chalicelib.audit import store as repo
from chalicelib.audit.service import reader_of
from chalicelib.core import jobs
from chalicelib.core.audit import AuditAction, AuditEntry, shown_to
from chalicelib.core.context import Ctx
from chalicelib.core.csv_export import CsvWriter
from chalicelib.core.errors import FieldProblem, bad_request

KIND = "audit_export"
EXPORT_MAX_ROWS = 100_000
EXPORT_MAX_DAYS = 366
PAGE = 500
COLUMNS = ("occurred_at", "action", "entity_type", "entity_id", "actor_id", "actor_email", "actor_roles",
           "changed_fields", "old_values", "new_values", "request_id", "source_ip", "channel")
_JSON_COLUMNS = ("actor_roles", "changed_fields", "old_values", "new_values")


def _range(job: jobs.Job) -> tuple[date, date]:
    return date.fromisoformat(job.params["from"]), date.fromisoformat(job.params["to"])


def check_range(start: date, end: date) -> None:
    if end < start:
        raise bad_request("The range ends before it starts.", FieldProblem("to", "must not be before from"))
    if (end - start).days >= EXPORT_MAX_DAYS:
        raise bad_request("Export at most 366 days at a time.", FieldProblem("to", "range longer than 366 days"))


def run(ctx: Ctx, job: jobs.Job, progress: jobs.Progress, out: TextIO) -> jobs.Output:
    start, end = _range(job)
    days = (end - start).days + 1
    reader = reader_of(ctx)
    writer = CsvWriter(out, COLUMNS)
    writer.header()
    day = start
    while day <= end:
        cursor = None
        while True:
            page = repo.by_day(ctx.store, day, PAGE, cursor)
            for entry in page.items:
                if writer.rows >= EXPORT_MAX_ROWS:
                    return jobs.Output(writer.rows, truncated=True)
                row = shown_to(entry, reader)
                for column in _JSON_COLUMNS:
                    row[column] = json.dumps(row[column], sort_keys=True, ensure_ascii=False)
                writer.row(row)
            cursor = page.next_cursor
            done_days = (day - start).days + (0 if cursor else 1)
            progress(writer.rows, percent=min(99, done_days * 100 // days))
            if not cursor:
                break
        day += timedelta(days=1)
    return jobs.Output(writer.rows)


def file_name(job: jobs.Job) -> str:
    start, end = _range(job)
    return f"audit-{start.isoformat()}-to-{end.isoformat()}.csv"


def finished_entry(ctx: Ctx, job: jobs.Job, output: jobs.Output) -> AuditEntry:
    """The export is itself audited (§16.4), in the transaction that finishes the job."""
    return ctx.audit_entry(AuditAction.BULK_READ, "audit", "EXPORT", report_code="AUDIT_CSV", format="csv",
                           row_count=output.rows, truncated=output.truncated, job_id=job.id,
                           filters={"from": job.params["from"], "to": job.params["to"]})


EXPORT = jobs.register_kind(jobs.JobKind(name=KIND, run=run, file_name=file_name, finished_entry=finished_entry))


def start(ctx: Ctx, start_day: date, end_day: date) -> dict[str, Any]:
    """POST /audit/exports: the job (a new one, or the identical request's that is still running)."""
    check_range(start_day, end_day)
    job, created = jobs.start(ctx, KIND, {"from": start_day.isoformat(), "to": end_day.isoformat()})
    return {**jobs.view_of(job), "deduplicated": not created}


def status(ctx: Ctx, job_id: str) -> dict[str, Any]:
    """GET /audit/exports/{job_id}: progress, and the download link once finished."""
    return jobs.status(ctx, job_id, KIND)
