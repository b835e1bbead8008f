"""The out-of-work book catalogue and members' book qualifications."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import QueryParam, Req
from chalicelib.core.roles import HALL_STAFF, MEMBER_READERS, Role
from chalicelib.referral import service
from chalicelib.referral.domain import Qualification
from chalicelib.referral.registration_schemas import BookCountsList
from chalicelib.referral.schemas import QualificationBody, QualificationList
from chalicelib.referral.service import views

from chalicelib.referral.routes import api


@api.route(
    "/books",
    "GET",
    roles=HALL_STAFF,
    query=(QueryParam("on", "date", "the settings in force that day (default now)"),),
    response=BookCountsList,
    summary="The books in morning order with tier counts of live registrations (tiers are a column)",
)
def books_list(req: Req) -> dict[str, Any]:
    return {"items": views.books(req.auth, req.query.get("on"))}


@api.route(
    "/members/{member_id}/qualifications",
    "GET",
    roles=MEMBER_READERS | {Role.MEMBER},
    own="member_id",
    response=QualificationList,
    summary="The books and tiers a member qualifies for",
)
def qualifications_list(req: Req, member_id: str) -> dict[str, Any]:
    return {"items": service.qualifications(req.auth, member_id)}


@api.route(
    "/members/{member_id}/qualifications/{book_code}",
    "PUT",
    roles=HALL_STAFF,
    body=QualificationBody,
    response=Qualification,
    summary="Record or change the tier a member qualifies for on a book (audited)",
)
def qualifications_set(req: Req, member_id: str, book_code: str) -> Qualification:
    return service.set_qualification(req.auth, member_id, book_code, req.body)
