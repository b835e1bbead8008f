"""The dispatcher's board: registrations, labor requests, the morning sheet, rounds and dispatch."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalice import Response

from chalicelib.core.api import Req
from chalicelib.core.errors import AppError, FieldProblem, bad_request
from chalicelib.core.roles import DISPATCHERS, HALL_STAFF
from chalicelib.referral.domain.checkmarks import Outcome
from chalicelib.referral.domain.registration import Registration
from chalicelib.referral.domain.requests import LaborRequest
from chalicelib.referral.routes import api
from chalicelib.referral.schemas import DispatchBody, OutcomeBody, RegistrationCreate, RequestCreate
from chalicelib.referral.service import dispatch as dispatching
from chalicelib.referral.service import intake, requests
from chalicelib.referral.service import sheet as sheet_service


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_request("Not a date.", FieldProblem("referral_date", "must be YYYY-MM-DD")) from None


@api.route(
    "/members/{member_id}/registrations",
    "POST",
    roles=HALL_STAFF,
    body=RegistrationCreate,
    status=201,
    response=Registration,
    summary="Register a member on a book (R5): at once while the wire gate is open, else held (202)",
)
def registrations_create(req: Req, member_id: str) -> Any:
    """Processed now while the wire gate is open (201, the registration); held otherwise (202, the intake)."""
    b = req.body
    got = intake.receive(
        req.auth, member_id, b.book_code, b.tier, b.channel, b.received_at, b.acknowledge_outside_hours
    )
    if got["status"] == "REFUSED":  # refused when processed behind earlier held intakes: recorded, and said
        code, _, message = (got["intake"]["refusal"] or "REFUSED: ").partition(": ")
        raise AppError(409, code, message)
    if not got.get("registration"):
        return Response(body=got, status_code=202, headers={"Content-Type": "application/json"})
    return got["registration"]


@api.route(
    "/labor-requests",
    "POST",
    roles=HALL_STAFF,
    body=RequestCreate,
    status=201,
    response=LaborRequest,
    summary="Enter an employer's labor request (S1, R3)",
)
def labor_requests_create(req: Req) -> LaborRequest:
    return requests.create_request(req.auth, req.body)


@api.route(
    "/rounds/{book_code}/{referral_date}/open", "POST", roles=DISPATCHERS, summary="Open a referral round (S3.1)"
)
def rounds_open(req: Req, book_code: str, referral_date: str) -> dict[str, Any]:
    return dispatching.open_round(req.auth, book_code, _day(referral_date)).model_dump(mode="json")


@api.route(
    "/rounds/{book_code}/{referral_date}/requests/{request_id}/dispatch",
    "POST",
    roles=DISPATCHERS,
    body=DispatchBody,
    status=201,
    summary="Dispatch a candidate (S2, §5.4)",
)
def rounds_dispatch(req: Req, book_code: str, referral_date: str, request_id: str) -> dict[str, Any]:
    b = req.body
    cmd = dispatching.DispatchCommand(
        book_code, _day(referral_date), request_id, b.registration_id, b.pass_above, b.override_reason
    )
    return dispatching.dispatch(req.auth, cmd)


@api.route(
    "/rounds/{book_code}/{referral_date}/requests/{request_id}/outcomes",
    "POST",
    roles=DISPATCHERS,
    body=OutcomeBody,
    summary="Record a candidate's outcome (PASSED, EMPLOYER_REJECTED)",
)
def rounds_outcome(req: Req, book_code: str, referral_date: str, request_id: str) -> dict[str, Any]:
    b = req.body
    return dispatching.record_outcome(
        req.auth, book_code, _day(referral_date), request_id, b.registration_id, Outcome(b.outcome), b.version
    )


@api.route(
    "/rounds/{book_code}/{referral_date}/sheet",
    "GET",
    roles=HALL_STAFF,
    summary="The morning sheet: each request's next candidates and why those above were skipped (MRS)",
)
def rounds_sheet(req: Req, book_code: str, referral_date: str) -> dict[str, Any]:
    return sheet_service.sheet(req.auth, book_code, _day(referral_date))
