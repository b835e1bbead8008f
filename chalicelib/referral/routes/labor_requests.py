"""A labor request after it is entered: list, read with its decisions, edit (S1.2), move its referral date (R3.6),
cancel (§8.2), dispatch a by-name request (R13)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import QueryParam, Req
from chalicelib.core.roles import DISPATCHERS, HALL_STAFF
from chalicelib.referral.domain.requests import LaborRequest
from chalicelib.referral.routes import api
from chalicelib.referral.schemas import ByNameDispatchBody, CancelBody, MoveBody, RequestUpdate
from chalicelib.referral.service import request_lifecycle as lifecycle


@api.route(
    "/labor-requests",
    "GET",
    roles=HALL_STAFF,
    query=(
        QueryParam("book", "string", "book code", max_length=30),
        QueryParam("date", "date", "referral date (required unless status is OPEN or PARTIALLY_FILLED)"),
        QueryParam("status", "string", "request status", enum=lifecycle.STATUSES),
    ),
    summary="Labor requests of a referral date (books in morning order) or the open ones",
)
def labor_requests_list(req: Req) -> dict[str, Any]:
    q = req.query
    return lifecycle.list_requests(req.auth, q.get("book"), q.get("date"), q.get("status"))


@api.route(
    "/labor-requests/{request_id}",
    "GET",
    roles=HALL_STAFF,
    summary="A labor request with its decision records and dispatches",
)
def labor_requests_get(req: Req, request_id: str) -> dict[str, Any]:
    return lifecycle.request_view(req.auth, request_id)


@api.route(
    "/labor-requests/{request_id}",
    "PATCH",
    roles=HALL_STAFF,
    body=RequestUpdate,
    response=LaborRequest,
    summary="Edit a labor request (S1.2: everything before bidding opens; after, comments, report-to, contact, more "
    "positions)",
)
def labor_requests_update(req: Req, request_id: str) -> LaborRequest:
    return lifecycle.update_request(req.auth, request_id, req.body)


@api.route(
    "/labor-requests/{request_id}/referral-date",
    "POST",
    roles=DISPATCHERS,
    body=MoveBody,
    response=LaborRequest,
    summary="Move a request's referral date (R3.6; never before the cutoff allows)",
)
def labor_requests_move(req: Req, request_id: str) -> LaborRequest:
    b = req.body
    return lifecycle.move_referral_date(req.auth, request_id, b.version, b.referral_date, b.reason)


@api.route(
    "/labor-requests/{request_id}/cancel",
    "POST",
    roles=DISPATCHERS,
    body=CancelBody,
    summary="Cancel a labor request (§8.2): bids expire, open dispatches end job_cancelled",
)
def labor_requests_cancel(req: Req, request_id: str) -> dict[str, Any]:
    b = req.body
    return lifecycle.cancel_request(req.auth, request_id, b.version, b.reason, b.last_day_worked)


@api.route(
    "/labor-requests/{request_id}/by-name-dispatch",
    "POST",
    roles=DISPATCHERS,
    body=ByNameDispatchBody,
    status=201,
    summary="Dispatch the member a by-name request names (R13: anti-collusion confirmation and attestation)",
)
def labor_requests_by_name(req: Req, request_id: str) -> dict[str, Any]:
    return lifecycle.dispatch_by_name(req.auth, request_id, req.body)
