"""Member routes: search, create, read (audited), update, status actions, soft delete, my own contact."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import Api, Req
from chalicelib.core.roles import HALL_STAFF, MEMBER_READERS, RECORD_KEEPERS, Role
from chalicelib.core.schemas import DeleteBody, PageOf, VersionBody
from chalicelib.core.store import Page
from chalicelib.members import service
from chalicelib.members.domain import ContactUpdate, Member, MemberCreate, MemberSummary, MemberUpdate
from chalicelib.members.schemas import MEMBER_FILTERS, StatusBody

api = Api(__name__)


@api.route("/members", "GET", roles=MEMBER_READERS, query=MEMBER_FILTERS, response=PageOf[MemberSummary],
           summary="Search members")
def members_list(req: Req) -> Page[MemberSummary]:
    ctx, q = req.auth, req.query
    include_deleted = bool(q.get("include_deleted")) and not ctx.caller.roles.isdisjoint(RECORD_KEEPERS)
    return service.search(ctx, q.get("q"), q.get("status"), q.get("classification"), q.get("card_type"),
                          include_deleted, req.limit, req.cursor)


@api.route("/members", "POST", roles=RECORD_KEEPERS, body=MemberCreate, status=201, response=Member,
           summary="Create a member")
def members_create(req: Req) -> dict[str, Any]:
    return service.view(req.auth, service.create(req.auth, req.body))


@api.route("/members/{member_id}", "GET", roles=MEMBER_READERS | {Role.MEMBER}, own="member_id", response=Member,
           summary="A member's record (audited read)")
def members_get(req: Req, member_id: str) -> dict[str, Any]:
    return service.view(req.auth, service.get(req.auth, member_id))


@api.route("/members/{member_id}", "PATCH", roles=HALL_STAFF, body=MemberUpdate, response=Member,
           summary="Update a member (not status or card number)")
def members_update(req: Req, member_id: str) -> dict[str, Any]:
    return service.view(req.auth, service.update(req.auth, member_id, req.body))


@api.route("/members/{member_id}/status", "POST", roles=RECORD_KEEPERS, body=StatusBody, response=Member,
           summary="Change membership status through a named action")
def members_status(req: Req, member_id: str) -> dict[str, Any]:
    b = req.body
    return service.view(req.auth, service.change_status(req.auth, member_id, b.action, b.reason, b.version))


@api.route("/members/{member_id}", "DELETE", roles=RECORD_KEEPERS, body=DeleteBody, response=Member,
           summary="Soft-delete a member")
def members_delete(req: Req, member_id: str) -> dict[str, Any]:
    return service.view(req.auth, service.soft_delete(req.auth, member_id, req.body.reason, req.body.version))


@api.route("/members/{member_id}/restore", "POST", roles=RECORD_KEEPERS, body=VersionBody, response=Member,
           summary="Restore a soft-deleted member")
def members_restore(req: Req, member_id: str) -> dict[str, Any]:
    return service.view(req.auth, service.restore(req.auth, member_id, req.body.version))


@api.route("/me", "PATCH", roles={Role.MEMBER}, body=ContactUpdate, response=Member,
           summary="Change my contact details")
def me_update(req: Req) -> dict[str, Any]:
    return service.view(req.auth, service.update_own_contact(req.auth, req.body))
