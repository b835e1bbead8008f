"""After a dispatch: terminate (S5/S6), void (S8.1), report back (R6), read a dispatch and a member's history."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import PAGING, Req
from chalicelib.core.roles import DISPATCHERS, HALL_STAFF, MEMBER_READERS, OFFICERS, Role
from chalicelib.referral.domain.termination import RawReason
from chalicelib.referral.routes import api
from chalicelib.referral.schemas import ReinstateBody, ReregisterBody, TerminationBody, VoidBody
from chalicelib.referral.service import terminations


@api.route(
    "/dispatches/{dispatch_id}",
    "GET",
    roles=HALL_STAFF,
    summary="A dispatch with its decision record and employment record",
)
def dispatches_get(req: Req, dispatch_id: str) -> dict[str, Any]:
    return terminations.dispatch_view(req.auth, dispatch_id)


@api.route(
    "/dispatches/{dispatch_id}/terminate",
    "POST",
    roles=DISPATCHERS,
    body=TerminationBody,
    summary="End a dispatch (S5): classified by S6, the registration moves, the employment record closes",
)
def dispatches_terminate(req: Req, dispatch_id: str) -> dict[str, Any]:
    b = req.body
    data = terminations.TerminationInput(RawReason(b.raw_reason), b.last_day_worked, b.hours, b.end_rate, b.comment)
    return terminations.terminate(req.auth, dispatch_id, data, b.version)


@api.route(
    "/dispatches/{dispatch_id}/void",
    "POST",
    roles=DISPATCHERS,
    body=VoidBody,
    summary="Void a dispatch (S8.1): registration, request counters and employment record revert",
)
def dispatches_void(req: Req, dispatch_id: str) -> dict[str, Any]:
    b = req.body
    return terminations.void(req.auth, dispatch_id, b.version, b.reason, b.entered_in_error)


@api.route(
    "/members/{member_id}/dispatches",
    "GET",
    roles=MEMBER_READERS | {Role.MEMBER},
    own="member_id",
    query=PAGING,
    summary="A member's referral history, newest first",
)
def member_dispatches(req: Req, member_id: str) -> dict[str, Any]:
    return terminations.member_dispatches(req.auth, member_id, req.limit, req.cursor)


@api.route(
    "/members/{member_id}/registrations/{registration_id}/reregister",
    "POST",
    roles=HALL_STAFF | {Role.MEMBER},
    own="member_id",
    body=ReregisterBody,
    summary="Re-register after a termination (R6.3): restore the APN or a new APN, by the deadline",
)
def registrations_reregister(req: Req, member_id: str, registration_id: str) -> dict[str, Any]:
    b = req.body
    data = terminations.ReregisterInput(b.version, b.channel, b.received_at)
    return terminations.reregister(req.auth, member_id, registration_id, data)


@api.route(
    "/members/{member_id}/registrations/{registration_id}/reinstate",
    "POST",
    roles=OFFICERS,
    body=ReinstateBody,
    summary="Reinstate a rolled-off registration with its original APN (S8.2, officers)",
)
def registrations_reinstate(req: Req, member_id: str, registration_id: str) -> dict[str, Any]:
    b = req.body
    return terminations.reinstate(req.auth, member_id, registration_id, b.version, b.reason, b.check_mark_count)
