"""Registrations after they are made, intakes and the wire gate, exemptions, and what the board and the portal read
about books and registrations. Roles per modules §17; a member reaches only their own registrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core.api import CURSOR, PAGING, QueryParam, Req
from chalicelib.core.errors import FieldProblem, bad_request
from chalicelib.core.roles import DISPATCHERS, HALL_STAFF, Role
from chalicelib.referral.domain.exemptions import ExemptionReason
from chalicelib.referral.registration_schemas import (
    ExemptionCreate,
    ExemptionEnd,
    ExemptionExtend,
    IntakeCreate,
    ReasonBody,
    ReSignBody,
    ResignBody,
    TierChangeBody,
)
from chalicelib.referral.routes import api
from chalicelib.referral.service import exemptions, intake, lifecycle, views

REG = "/members/{member_id}/registrations/{registration_id}"


# -- intakes and the wire gate (§4.5) ----------------------------------------------------------------------------


@api.route(
    "/intakes",
    "POST",
    roles=HALL_STAFF,
    body=IntakeCreate,
    status=201,
    summary="Log a registration request (§4.5): processed now while the wire gate is open, else held",
)
def intakes_create(req: Req) -> dict[str, Any]:
    b = req.body
    return intake.receive(
        req.auth, b.member_id, b.book_code, b.tier, b.channel, b.received_at, b.acknowledge_outside_hours
    )


@api.route("/intakes", "GET", roles=HALL_STAFF, summary="Intakes the wire gate holds, in processing order")
def intakes_held(req: Req) -> dict[str, Any]:
    return intake.held(req.auth)


@api.route(
    "/intakes/process",
    "POST",
    roles=DISPATCHERS,
    summary="Process the held intakes in received order once today's wire gate is open (§4.5.3; idempotent)",
)
def intakes_process(req: Req) -> dict[str, Any]:
    return intake.process_held_intakes(req.auth)


# -- a member's registrations ------------------------------------------------------------------------------------


@api.route(
    "/members/{member_id}/registrations",
    "GET",
    roles=HALL_STAFF | {Role.MEMBER},
    own="member_id",
    summary="A member's registrations with live positions, re-sign dates, exemptions; held or refused intakes",
)
def registrations_of_member(req: Req, member_id: str) -> dict[str, Any]:
    return views.member_registrations(req.auth, member_id)


@api.route(
    f"{REG}/re-sign",
    "POST",
    roles=HALL_STAFF | {Role.MEMBER},
    own="member_id",
    body=ReSignBody,
    summary="Re-sign (R7): the member on the web, or staff entering an in-person, fax or e-mail re-sign",
)
def registrations_re_sign(req: Req, member_id: str, registration_id: str) -> dict[str, Any]:
    b = req.body
    return lifecycle.re_sign(
        req.auth, member_id, registration_id, b.version, b.channel, b.received_at, b.acknowledge_outside_hours
    )


@api.route(
    f"{REG}/resign",
    "POST",
    roles=DISPATCHERS | {Role.MEMBER},
    own="member_id",
    body=ResignBody,
    summary="Resign from one book (§8.1): the member on the web, or a dispatcher",
)
def registrations_resign(req: Req, member_id: str, registration_id: str) -> dict[str, Any]:
    return lifecycle.resign(req.auth, member_id, registration_id, req.body.version, req.body.reason)


@api.route(
    f"{REG}/tier-change",
    "POST",
    roles=DISPATCHERS,
    body=TierChangeBody,
    summary="Move a registration to the member's qualified tier (§3.5.4): the row closes, its successor opens",
)
def registrations_tier_change(req: Req, member_id: str, registration_id: str) -> dict[str, Any]:
    b = req.body
    return lifecycle.tier_change(req.auth, member_id, registration_id, b.version, b.tier, b.reason)


@api.route(
    f"{REG}/roll-off",
    "POST",
    roles=DISPATCHERS,
    body=ReasonBody,
    summary="Roll a registration off by hand (S8.3, reason MANUAL)",
)
def registrations_roll_off(req: Req, member_id: str, registration_id: str) -> dict[str, Any]:
    return lifecycle.manual_roll_off(req.auth, member_id, registration_id, req.body.version, req.body.reason)


@api.route(
    f"{REG}/check-marks/{{mark_id}}/restore",
    "POST",
    roles=DISPATCHERS,
    body=ReasonBody,
    summary="Restore one check mark (R10.6): count − 1, the mark kept as RESTORED",
)
def registrations_restore_mark(req: Req, member_id: str, registration_id: str, mark_id: str) -> dict[str, Any]:
    b = req.body
    return lifecycle.restore_check_mark(req.auth, member_id, registration_id, mark_id, b.version, b.reason)


# -- exemptions (R14) ----------------------------------------------------------------------------------------------


@api.route(
    "/members/{member_id}/exemptions",
    "POST",
    roles=DISPATCHERS,
    body=ExemptionCreate,
    status=201,
    summary="Exempt a member on one or several books (R14.2): one exemption per registration",
)
def exemptions_create(req: Req, member_id: str) -> dict[str, Any]:
    b = req.body
    grant = exemptions.Grant(
        tuple(b.registration_ids), ExemptionReason(b.reason), b.start, b.end, b.note, b.bm_approved
    )
    return exemptions.grant(req.auth, member_id, grant)


@api.route(
    f"{REG}/exemptions/{{exemption_id}}",
    "PATCH",
    roles=DISPATCHERS,
    body=ExemptionExtend,
    summary="Extend an exemption (R14.3: time-limited reasons need Business Manager approval)",
)
def exemptions_extend(req: Req, member_id: str, registration_id: str, exemption_id: str) -> dict[str, Any]:
    b = req.body
    return exemptions.extend(req.auth, member_id, registration_id, exemption_id, b.version, b.end, b.bm_approved)


@api.route(
    f"{REG}/exemptions/{{exemption_id}}/end",
    "POST",
    roles=DISPATCHERS,
    body=ExemptionEnd,
    summary="End an exemption early at the member's request (R14.5; R7.8 sets the re-sign due date)",
)
def exemptions_end(req: Req, member_id: str, registration_id: str, exemption_id: str) -> dict[str, Any]:
    b = req.body
    return exemptions.finish(req.auth, member_id, registration_id, exemption_id, b.version, b.reason, revoke=False)


@api.route(
    f"{REG}/exemptions/{{exemption_id}}/revoke",
    "POST",
    roles=DISPATCHERS,
    body=ReasonBody,
    summary="Revoke an exemption with a reason (R14.5; R7.8 sets the re-sign due date)",
)
def exemptions_revoke(req: Req, member_id: str, registration_id: str, exemption_id: str) -> dict[str, Any]:
    b = req.body
    return exemptions.finish(req.auth, member_id, registration_id, exemption_id, b.version, b.reason, revoke=True)


# -- books: the queue and the activity log -----------------------------------------------------------------------

QUEUE_QUERY = (
    QueryParam("limit", "integer", "page size (default 100, max 500)", 1, 500, default=views.FIRST_PAGE),
    CURSOR,
    QueryParam("tier", "integer", "one tier only", 1, 4),
    QueryParam(
        "status",
        description="REGISTERED (the queue, default) or those not in it",
        enum=("REGISTERED", "DISPATCHED", "PENDING_REREGISTRATION"),
    ),
    QueryParam("q", description="a card number or the start of a name (LAST or LAST, FIRST)", max_length=60),
    QueryParam("as_of", description="an instant (ISO 8601; local time if no offset): the queue rebuilt then"),
)


def _instant(req: Req, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise bad_request("Not an instant.", FieldProblem("as_of", "must be ISO 8601, e.g. 2026-03-02T16:00")) from None
    if value.tzinfo is None:
        from chalicelib.referral.service import context

        value = value.replace(tzinfo=context.rules_at(req.auth.store, req.auth.now()).calendar.zone)
    return value


@api.route(
    "/books/{book_code}/queue",
    "GET",
    roles=HALL_STAFF,
    query=QUEUE_QUERY,
    summary="A book's queue in queue order with live positions (B-01), or rebuilt as of an instant",
)
def books_queue(req: Req, book_code: str) -> dict[str, Any]:
    q = req.query
    return views.queue(
        req.auth,
        book_code,
        tier=q.get("tier"),
        status=q.get("status") or "REGISTERED",
        search=q.get("q"),
        limit=req.limit,
        cursor=req.cursor,
        as_of=_instant(req, q.get("as_of")),
    )


@api.route(
    "/books/{book_code}/activity",
    "GET",
    roles=HALL_STAFF,
    query=PAGING,
    summary="A book's activity log, newest first (§10.1)",
)
def books_activity(req: Req, book_code: str) -> Any:
    return views.book_activity(req.auth, book_code, req.limit, req.cursor)
