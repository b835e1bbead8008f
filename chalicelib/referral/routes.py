"""Referral routes: the out-of-work book catalogue."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import Api, Req
from chalicelib.core.roles import HALL_STAFF
from chalicelib.referral import service
from chalicelib.referral.schemas import BookList

api = Api(__name__)


@api.route("/books", "GET", roles=HALL_STAFF, response=BookList,
           summary="The out-of-work book catalogue (tiers are a column)")
def books_list(req: Req) -> dict[str, Any]:
    return {"items": service.books(req.auth)}
