"""Audit routes: entries by record or by actor, the admin CSV export (a background job), and the integrity
check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.audit import exports, integrity, service
from chalicelib.audit.schemas import (
    AUDIT_FILTERS,
    INTEGRITY_RANGE,
    AuditPage,
    ExportJobView,
    ExportRequest,
    IntegrityReportView,
)
from chalicelib.core.api import Api, Req
from chalicelib.core.roles import ADMINS, STAFF_ACCOUNTS

api = Api(__name__)


@api.route("/audit", "GET", roles=STAFF_ACCOUNTS, query=AUDIT_FILTERS,
           response=AuditPage, summary="Audit entries by record or by actor")
def audit_list(req: Req) -> dict[str, Any]:
    q = req.query
    return service.query(req.auth, q.get("entity_type"), q.get("entity_id"), q.get("actor_id"), req.limit,
                         req.cursor)


@api.route("/audit/exports", "POST", roles=ADMINS, body=ExportRequest, status=202, response=ExportJobView,
           summary="Start a CSV export of the audit trail (admin; a background job)")
def audit_export_start(req: Req) -> dict[str, Any]:
    body: ExportRequest = req.body
    return exports.start(req.auth, body.from_, body.to)


@api.route("/audit/exports/{job_id}", "GET", roles=ADMINS, response=ExportJobView,
           summary="An export job: progress, and the download link once finished (admin, own jobs)")
def audit_export_status(req: Req, job_id: str) -> dict[str, Any]:
    return exports.status(req.auth, job_id)


@api.route("/audit/integrity", "GET", roles=ADMINS, query=INTEGRITY_RANGE, response=IntegrityReportView,
           summary="Verify the audit trail's daily seals and hash chain (admin)")
def audit_integrity_check(req: Req) -> dict[str, Any]:
    end = req.query.get("to", datetime.now(UTC).date() - timedelta(days=1))
    start = req.query.get("from", end - timedelta(days=6) if end.toordinal() > 7 else end)
    return integrity.verify_for_admin(req.auth, start, end, with_archive=bool(req.query.get("archive")))
