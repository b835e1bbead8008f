"""Employment history routes: list, add, end a current job, correct a record."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import PAGING, Api, Req
from chalicelib.core.roles import MEMBER_READERS, RECORD_KEEPERS, Role
from chalicelib.employment import service
from chalicelib.employment.domain import EmploymentCorrection, EmploymentCreate, EmploymentEnd, EmploymentRecord
from chalicelib.core.store import Page
from chalicelib.employment.schemas import EmploymentPage

api = Api(__name__)


@api.route("/members/{member_id}/employment", "GET", roles=MEMBER_READERS | {Role.MEMBER}, own="member_id",
           query=PAGING, response=EmploymentPage, summary="Employment history, newest first")
def employment_list(req: Req, member_id: str) -> Page[dict[str, Any]]:
    return service.list_employment(req.auth, member_id, req.limit, req.cursor)


@api.route("/members/{member_id}/employment", "POST", roles=RECORD_KEEPERS, body=EmploymentCreate, status=201,
           response=EmploymentRecord, summary="Add a direct-hire or correction employment record")
def employment_add(req: Req, member_id: str) -> dict[str, Any]:
    return service.add_employment(req.auth, member_id, req.body)


@api.route("/members/{member_id}/employment/{employment_id}/end", "POST", roles=RECORD_KEEPERS, body=EmploymentEnd,
           response=EmploymentRecord, summary="End a current job (frees the one-current-job marker)")
def employment_end(req: Req, member_id: str, employment_id: str) -> dict[str, Any]:
    return service.end_employment(req.auth, member_id, employment_id, req.body)


@api.route("/members/{member_id}/employment/{employment_id}/correct", "POST", roles=RECORD_KEEPERS,
           body=EmploymentCorrection, response=EmploymentRecord,
           summary="Correct an employment record (reason required, audited old/new)")
def employment_correct(req: Req, member_id: str, employment_id: str) -> dict[str, Any]:
    return service.correct_employment(req.auth, member_id, employment_id, req.body)
