"""A registration after it is made (referral-rules R7, §3.5.4, S8.3, R10.6): re-sign, resign, tier change,
manual roll-off and check-mark restoration. Each acts on the version the caller saw (`409 CONCURRENT_UPDATE`
with the registration as it is now otherwise), decides with the pure rules (domain/lifecycle.py, the TRANSITIONS
table) and writes one transaction through service/changes.py: the registration, its activity entry (with the
rule-set version in force) and its audit entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, bad_request, not_found
from chalicelib.core.ids import new_ulid
from chalicelib.core.store import Query, versioned
from chalicelib.members.store import member_pk
from chalicelib.referral import store as repo
from chalicelib.referral.domain import Book, Qualification
from chalicelib.referral.domain.lifecycle import (
    mark_restorable,
    re_signed,
    reason_of,
    successor_on_tier,
    tier_problem,
)
from chalicelib.referral.domain.records import CheckMark
from chalicelib.referral.domain.registration import Action, Refused, Registration, RegStatus
from chalicelib.referral.service import changes, context
from chalicelib.referral.service.registrations import confirmation_number, office_hours_note

STAFF_RE_SIGN_CHANNELS = ("in_person", "fax", "email")  # R7.2: staff enter these; "web" is the member's own


def refused(err: Refused) -> AppError:
    """A rule's refusal as the API's error: FORBIDDEN 403, a bad value 400, every other rule 409."""
    status = 403 if err.code == "FORBIDDEN" else 400 if err.code in ("VALIDATION_ERROR", "REASON_TOO_SHORT") else 409
    return AppError(status, err.code, err.message, [FieldProblem(err.field, err.message)] if err.field else [])


def find(ctx: Ctx, member_id: str, registration_id: str) -> Registration:
    reg = next((r for r in repo.registrations_of(ctx.store, member_id) if r.id == registration_id), None)
    if reg is None:
        raise not_found("Registration")
    return reg


def seen(ctx: Ctx, reg: Registration, version: int) -> None:
    versioned.require_version(version, reg.version, lambda: reg.model_dump(mode="json"), "registration")


def commit(ctx: Ctx, batch: Any, reg: Registration) -> None:
    def current() -> Any:
        latest = repo.registration(ctx.store, reg.member_id, reg.book_code, reg.id)
        return latest.model_dump(mode="json") if latest else None

    versioned.commit(batch, current=current, what="registration")


def _book(ctx: Ctx, code: str, at: datetime | None = None) -> Book:
    book = context.books_by_code(ctx.store, at or ctx.now()).get(code)
    if book is None:
        raise not_found("Book")
    return book


def saved(after: Registration, before: Registration) -> dict[str, Any]:
    return after.model_copy(update={"version": before.version + 1}).model_dump(mode="json")


# -- re-sign (R7) ----------------------------------------------------------------------------------------------


def re_sign(
    ctx: Ctx,
    member_id: str,
    registration_id: str,
    version: int,
    channel: str | None = None,
    received_at: datetime | None = None,
    acknowledge_outside_hours: bool = False,
) -> dict[str, Any]:
    """R7.2–R7.4: the member re-signs on the web (their own registration); staff enter an in-person, fax or e-mail
    re-sign with the time it was received, which is the re-sign's instant. Refused `NOT_REGISTERED`,
    `GRACE_EXPIRED`, `CHANNEL_NOT_ALLOWED`. Returns the registration and the confirmation (number, new dates)."""
    now = ctx.now()
    if ctx.caller.is_member_only:
        if channel is not None or received_at is not None:
            raise bad_request(
                "A member re-signs on the web, now; staff enter the other channels.",
                FieldProblem("channel" if channel is not None else "received_at", "not for a member's re-sign"),
            )
        channel = "web"
    elif channel not in STAFF_RE_SIGN_CHANNELS:
        raise bad_request(
            "Staff enter in-person, fax or e-mail re-signs; members re-sign on the web themselves.",
            FieldProblem("channel", f"one of {', '.join(STAFF_RE_SIGN_CHANNELS)}"),
        )
    at = received_at or now
    rules = context.rules_at(ctx.store, now)
    if channel not in rules.local.re_sign_channels:
        raise AppError(
            409,
            "CHANNEL_NOT_ALLOWED",
            f"Re-signs by {channel} are not accepted (R7.2).",
            [FieldProblem("channel", "not an accepted channel")],
        )
    reg = find(ctx, member_id, registration_id)
    if at > now or at < reg.last_re_sign_at:
        raise bad_request(
            "A re-sign is received after the last one and not in the future.",
            FieldProblem("received_at", "between the last re-sign and now"),
        )
    seen(ctx, reg, version)
    try:
        update = re_signed(reg, at, rules.calendar, _book(ctx, reg.book_code))
    except Refused as err:
        raise refused(err) from None
    note = office_hours_note(rules, _book(ctx, reg.book_code), channel, at, acknowledge_outside_hours)
    number = confirmation_number("RS", rules.calendar.local_date(at))
    batch = ctx.store.batch()
    after = changes.stage_update(
        ctx,
        batch,
        rules,
        reg,
        "RE_SIGN",
        reason_code=channel.upper(),
        reason=note,
        entry={"channel": channel, "confirmation": number},
        **update,
    )
    commit(ctx, batch, reg)
    return {
        "registration": saved(after, reg),
        "confirmation": {
            "number": number,
            "book_code": reg.book_code,
            "tier": reg.tier,
            "apn": reg.apn_text,
            "re_signed_at": at.isoformat(),
            "re_sign_due_date": after.re_sign_due_date.isoformat(),
            "grace_end_date": after.grace_end_date.isoformat(),
        },
    }


# -- resign, manual roll-off -------------------------------------------------------------------------------------


def resign(ctx: Ctx, member_id: str, registration_id: str, version: int, reason: str | None = None) -> dict[str, Any]:
    """§8.1: voluntary withdrawal from one book (the member on the web, or a dispatcher): RESIGNED, terminal;
    the member's other books are untouched. To return, the member registers again (new APN, §4.3.6)."""
    reg = find(ctx, member_id, registration_id)
    seen(ctx, reg, version)
    rules = context.rules_at(ctx.store, ctx.now())
    batch = ctx.store.batch()
    try:
        after = changes.stage_transition(
            ctx, batch, rules, reg, Action.RESIGN, reason_code="RESIGNED", reason=(reason or "").strip() or None
        )
    except Refused as err:
        raise refused(err) from None
    commit(ctx, batch, reg)
    return {"registration": saved(after, reg)}


def manual_roll_off(ctx: Ctx, member_id: str, registration_id: str, version: int, reason: str) -> dict[str, Any]:
    """S8.3: a dispatcher rolls a REGISTERED registration off with reason `MANUAL` and a reason of at least 10
    characters (`REASON_TOO_SHORT`). To return, the member makes a new registration (new APN)."""
    try:
        text = reason_of(reason)
    except Refused as err:
        raise refused(err) from None
    reg = find(ctx, member_id, registration_id)
    seen(ctx, reg, version)
    rules = context.rules_at(ctx.store, ctx.now())
    batch = ctx.store.batch()
    try:
        after = changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.MANUAL_ROLL_OFF,
            activity_action="ROLL_OFF",
            reason_code="MANUAL",
            reason=text,
        )
    except Refused as err:
        raise refused(err) from None
    commit(ctx, batch, reg)
    return {"registration": saved(after, reg)}


# -- tier change (§3.5.4) -----------------------------------------------------------------------------------------


def tier_change(ctx: Ctx, member_id: str, registration_id: str, version: int, tier: int, reason: str) -> dict[str, Any]:
    """§3.5.4: a dispatcher moves a REGISTERED registration to another tier with a reason: the row closes
    (`TIER_CHANGE`) and its successor opens on the new tier with the same APN, registered_at, re-sign dates,
    check-mark and restoration counts (and exemptions), linked both ways; the one-live-registration key passes
    to the successor in the same transaction. The new tier is the member's qualified tier (§3.5.2:
    `TIER_NOT_QUALIFIED` — change the qualification first); with no qualification yet, the new tier becomes it."""
    try:
        text = reason_of(reason)
    except Refused as err:
        raise refused(err) from None
    now = ctx.now()
    reg = find(ctx, member_id, registration_id)
    seen(ctx, reg, version)
    rules = context.rules_at(ctx.store, now)
    book = _book(ctx, reg.book_code)
    problem = tier_problem(reg, tier, book)
    if problem:
        raise bad_request("That tier change is not possible.", FieldProblem("tier", problem))
    qualified = repo.qualification(ctx.store, member_id, reg.book_code)
    if qualified is not None and qualified.active and qualified.tier != tier:
        raise AppError(
            409,
            "TIER_NOT_QUALIFIED",
            f"The member is qualified for tier {qualified.tier} on this book: change the qualification first.",
            [FieldProblem("tier", f"qualified tier is {qualified.tier}")],
        )
    if (qualified is None or not qualified.active) and rules.local.require_preexisting_qualification:
        raise AppError(
            409, "NOT_QUALIFIED", "The member has no qualification on this book.", [FieldProblem("tier", "")]
        )
    iso = now.isoformat()
    successor = successor_on_tier(reg, tier, new_ulid(), iso)
    batch = ctx.store.batch()
    try:
        closed = changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.TIER_CHANGE,
            reason_code="TIER_CHANGE",
            reason=text,
            successor_id=successor.id,
        )
    except Refused as err:
        raise refused(err) from None
    batch.put(successor)
    batch.put(
        context.activity(
            ctx,
            rules,
            book_code=reg.book_code,
            member_id=member_id,
            action="TIER_CHANGE",
            registration_id=successor.id,
            new_status=RegStatus.REGISTERED.value,
            previous_apn=reg.apn_text,
            new_apn=successor.apn_text,
            tier=tier,
            registered_at=successor.registered_at,
            reason_code="TIER_CHANGE",
            reason=text,
            registration_version=1,
        )
    )
    batch.audit(
        ctx.audit_entry(
            AuditAction.CREATE,
            "registration",
            successor.id,
            {},
            successor.model_dump(mode="json"),
            predecessor_id=reg.id,
            from_tier=reg.tier,
        )
    )
    if qualified is None or not qualified.active:
        q = Qualification(
            member_id=member_id,
            book_code=reg.book_code,
            tier=tier,
            qualified_on=rules.calendar.local_date(now),
            reason=f"set at tier change: {text}",
            created_at=iso,
            updated_at=iso,
        )
        batch.put(q, qualified.version if qualified else None)
        batch.audit(
            ctx.audit_entry(
                AuditAction.UPDATE if qualified else AuditAction.CREATE,
                "qualification",
                f"{member_id}.{reg.book_code}",
                qualified.model_dump(mode="json") if qualified else {},
                q.model_dump(mode="json"),
            )
        )
    commit(ctx, batch, reg)
    return {"registration": successor.model_dump(mode="json"), "predecessor": saved(closed, reg)}


# -- check-mark restoration (R10.6) ------------------------------------------------------------------------------


def _marks_of_cycle(ctx: Ctx, reg: Registration) -> list[CheckMark]:
    """The registration's marks, with those of the rows it continues after tier changes (§3.5.4 carries the
    count, so its marks come along)."""
    rows = {r.id: r for r in repo.registrations_of(ctx.store, reg.member_id)}
    ids = {reg.id}
    here = reg
    while here.predecessor_id and here.predecessor_id in rows:
        here = rows[here.predecessor_id]
        if here.status_reason != "TIER_CHANGE":
            break
        ids.add(here.id)
    marks = ctx.store.query_all(repo.CHECK_MARKS, Query(member_pk(reg.member_id), begins_with="MARK#"))
    return [m for m in marks if m.registration_id in ids]


def restore_check_mark(
    ctx: Ctx, member_id: str, registration_id: str, mark_id: str, version: int, reason: str
) -> dict[str, Any]:
    """R10.6: a dispatcher restores one mark (count − 1) on a REGISTERED registration with a reason of at least
    10 characters (`REASON_TOO_SHORT`); the mark is kept with status RESTORED, who and why; the activity entry
    is `CHECK_MARK_RESTORED`. A rolled-off registration is corrected by reinstatement instead (`NOT_REGISTERED`)."""
    try:
        text = reason_of(reason)
    except Refused as err:
        raise refused(err) from None
    reg = find(ctx, member_id, registration_id)
    seen(ctx, reg, version)
    mark = next((m for m in _marks_of_cycle(ctx, reg) if m.id == mark_id), None)
    if mark is None:
        raise not_found("Check mark")
    try:
        mark_restorable(reg, mark)
    except Refused as err:
        raise refused(err) from None
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    restored = mark.model_copy(
        update={
            "status": "RESTORED",
            "restored_by": ctx.caller.id,
            "restore_reason": text,
            "updated_at": now.isoformat(),
        }
    )
    batch = ctx.store.batch()
    after = changes.stage_update(
        ctx,
        batch,
        rules,
        reg,
        "CHECK_MARK_RESTORED",
        reason_code="CHECK_MARK_RESTORED",
        reason=text,
        request_id=mark.request_id,
        check_mark_count=reg.check_mark_count - 1,
    )
    batch.put(restored, mark.version)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE, "check_mark", mark.id, mark.model_dump(mode="json"), restored.model_dump(mode="json")
        )
    )
    commit(ctx, batch, reg)
    return {
        "registration": saved(after, reg),
        "check_mark": restored.model_copy(update={"version": mark.version + 1}).model_dump(mode="json"),
    }
