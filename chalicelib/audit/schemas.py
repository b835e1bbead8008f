"""Query parameters and response bodies of the audit routes."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from chalicelib.core.api import PAGING, QueryParam
from chalicelib.core.audit import AuditEntry
from chalicelib.core.model import DomainModel
from chalicelib.core.schemas import PageOf

AUDIT_FILTERS = (QueryParam("entity_type"), QueryParam("entity_id"), QueryParam("actor_id"), *PAGING)
EXPORT_RANGE = (QueryParam("from", "date"), QueryParam("to", "date"))
INTEGRITY_RANGE = (
    QueryParam("from", "date", "first UTC day (default: 7 days before `to`)"),
    QueryParam("to", "date", "last UTC day (default: yesterday)"),
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
