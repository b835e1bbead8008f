"""The out-of-work book catalogue and members' book qualifications."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import Req
from chalicelib.core.roles import HALL_STAFF, MEMBER_READERS, Role
from chalicelib.referral import service
from chalicelib.referral.domain import Qualification
from chalicelib.referral.schemas import BookList, QualificationBody, QualificationList

from chalicelib.referral.routes import api


@api.route(
    "/books", "GET", roles=HALL_STAFF, response=BookList, summary="The out-of-work book catalogue (tiers are a column)"
)
def books_list(req: Req) -> dict[str, Any]:
    return {"items": service.books(req.auth)}


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
