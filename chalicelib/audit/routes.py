"""Audit routes: entries by record or by actor, the admin CSV export, and the integrity check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalice import Response

from chalicelib.audit import integrity, service
from chalicelib.audit.schemas import AUDIT_FILTERS, EXPORT_RANGE, INTEGRITY_RANGE, AuditPage, IntegrityReportView
from chalicelib.core.api import Api, Req
from chalicelib.core.roles import ADMINS, STAFF_ACCOUNTS

api = Api(__name__)


@api.route("/audit", "GET", roles=STAFF_ACCOUNTS, query=AUDIT_FILTERS,
           response=AuditPage, summary="Audit entries by record or by actor")
def audit_list(req: Req) -> dict[str, Any]:
    q = req.query
    return service.query(req.auth, q.get("entity_type"), q.get("entity_id"), q.get("actor_id"), req.limit,
                         req.cursor)


@api.route("/audit/export", "GET", roles=ADMINS, query=EXPORT_RANGE, content_type="text/csv",
           summary="CSV export of the audit trail (admin)")
def audit_export(req: Req) -> Response:
    today = datetime.now(UTC).date()
    start, end = req.query.get("from", today), req.query.get("to", today)
    csv_text = service.export_csv(req.auth, start, end)
    return Response(body=csv_text, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="audit-{start}-{end}.csv"'})


@api.route("/audit/integrity", "GET", roles=ADMINS, query=INTEGRITY_RANGE, response=IntegrityReportView,
           summary="Verify the audit trail's daily seals and hash chain (admin)")
def audit_integrity_check(req: Req) -> dict[str, Any]:
    end = req.query.get("to", datetime.now(UTC).date() - timedelta(days=1))
    start = req.query.get("from", end - timedelta(days=6) if end.toordinal() > 7 else end)
    return integrity.verify_for_admin(req.auth, start, end)
