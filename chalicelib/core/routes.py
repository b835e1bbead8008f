"""Routes every deployment has: liveness, readiness and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.core.api import Api, Req
from chalicelib.core.openapi import openapi_document
from chalicelib.core.schemas import StatusMessage
from chalicelib.core.store import get_store

api = Api(__name__)


@api.route("/health", "GET", public=True, response=StatusMessage, summary="Liveness")
def health(req: Req) -> dict[str, str]:
    return {"status": "ok"}


@api.route("/health/ready", "GET", public=True, summary="Readiness: the table answers")
def ready(req: Req) -> Any:
    try:
        get_store().ping()
    except Exception:  # noqa: BLE001 - readiness reports, it does not raise
        return Response(body={"status": "unavailable", "checks": {"table": "down"}}, status_code=503)
    return {"status": "ready", "checks": {"table": "ok"}}


@api.route("/openapi.json", "GET", public=True, summary="This API's OpenAPI 3 document")
def openapi(req: Req) -> dict[str, Any]:
    return openapi_document()
