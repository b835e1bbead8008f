"""Query parameters and response bodies of the audit routes."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict, Field

from chalicelib.core.api import PAGING, QueryParam
from chalicelib.core.audit import AuditEntry
from chalicelib.core.jobs import JobView
from chalicelib.core.model import DomainModel
from chalicelib.core.schemas import PageOf

AUDIT_FILTERS = (QueryParam("entity_type"), QueryParam("entity_id"), QueryParam("actor_id"), *PAGING)
INTEGRITY_RANGE = (
    QueryParam("from", "date", "first UTC day (default: 7 days before `to`)"),
    QueryParam("to", "date", "last UTC day (default: yesterday)"),
    QueryParam("archive", "boolean", "also compare the table with the write-once archive (docs/audit.md)"),
)

AuditPage = PageOf[AuditEntry]


class IntegrityReportView(DomainModel):
    """What `GET /audit/integrity` reports (docs/audit.md)."""

    model_config = ConfigDict(extra="allow")
    ok: bool
    chain_start: str | None = None
    sealed_through: str | None = None
    days_verified: int
    entries_checked: int
    findings: list[dict[str, Any]]
    days: list[dict[str, Any]]
    archive: dict[str, Any]


class ExportRequest(DomainModel):
    """`POST /audit/exports`: the UTC days to export, both included (at most 366)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: date = Field(alias="from")
    to: date


class ExportJobView(JobView):
    """An export job: `status` queued → running → succeeded | failed, `rows_done`, `percent`, and once it
    has succeeded `download_url` (valid until `download_expires_at`, 15 minutes)."""

    deduplicated: bool = False  # POST only: an identical request of yours was still running; this is it
