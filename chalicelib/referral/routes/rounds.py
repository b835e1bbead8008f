"""The round's completion and its read side: complete (S3.5), walk the rest of the queue (S3.3), the day's
decision chain (§10.3), the morning overview (R2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.core.api import QueryParam, Req
from chalicelib.core.errors import FieldProblem, bad_request
from chalicelib.core.roles import DISPATCHERS, HALL_STAFF
from chalicelib.referral.routes import api
from chalicelib.referral.schemas import VersionBody
from chalicelib.referral.service import rounds


def _day(text: str, name: str = "referral_date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad_request("Not a date.", FieldProblem(name, "must be YYYY-MM-DD")) from None


@api.route(
    "/rounds/{book_code}/{referral_date}/complete",
    "POST",
    roles=DISPATCHERS,
    summary="Complete a referral round: check marks (S4), bids not selected, the day's decisions sealed (S3.5)",
)
def rounds_complete(req: Req, book_code: str, referral_date: str) -> dict[str, Any]:
    return rounds.complete_round(req.auth, book_code, _day(referral_date))


@api.route(
    "/rounds/{book_code}/{referral_date}/requests/{request_id}/pass-remaining",
    "POST",
    roles=DISPATCHERS,
    body=VersionBody,
    summary="Record PASSED for every candidate left without an outcome: the queue has been walked (S3.3, S3.6)",
)
def rounds_pass_remaining(req: Req, book_code: str, referral_date: str, request_id: str) -> dict[str, Any]:
    return rounds.pass_remaining(req.auth, book_code, _day(referral_date), request_id, req.body.version)


@api.route(
    "/rounds/{book_code}/{referral_date}/decisions",
    "GET",
    roles=HALL_STAFF,
    summary="The day's decision records of a book in chain order, with the chain verified (§10.3)",
)
def rounds_decisions(req: Req, book_code: str, referral_date: str) -> dict[str, Any]:
    return rounds.decisions(req.auth, book_code, _day(referral_date))


@api.route(
    "/rounds",
    "GET",
    roles=HALL_STAFF,
    query=(QueryParam("date", "date", "the referral date (required)"),),
    summary="A referral date's books in morning order with their slots and round status (R2.1, R2.5)",
)
def rounds_morning(req: Req) -> dict[str, Any]:
    day = req.query.get("date")
    if day is None:
        raise bad_request("The referral date is required.", FieldProblem("date", "required"))
    return rounds.morning(req.auth, day)
