"""Exemptions (referral-rules R14, R7.8): dated, per-book excuses from check marks and re-sign that keep the
member's place in line; an exempt member is skipped as a candidate.

One staff action may exempt the member on several books (R14.2): everything is checked first — nothing is written
if any book refuses — then each registration gets its exemption in its own transaction (S11), re-read and
re-checked if it changed meanwhile. Extending, ending and revoking act on one registration and the version the
caller saw. Every change writes its activity entry (EXEMPT_START, EXEMPT_EXTEND, EXEMPT_END) and audit entry
(R14.7) through service/changes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, StaleVersion, bad_request, forbidden, not_found
from chalicelib.core.ids import new_ulid
from chalicelib.core.roles import Role
from chalicelib.core.store.ports import WriteBatch
from chalicelib.referral import store as repo
from chalicelib.referral.domain.exemptions import (
    ExemptionReason,
    check_period,
    default_end,
    ended,
    extension_check,
    overlapping,
    under_scale,
)
from chalicelib.referral.domain.lifecycle import reason_of
from chalicelib.referral.domain.records import Dispatch
from chalicelib.referral.domain.registration import Exemption, Refused, Registration, RegStatus
from chalicelib.referral.domain.rules import RuleSet
from chalicelib.referral.service import changes, context
from chalicelib.referral.service.lifecycle import commit, find, refused, saved, seen

ATTEMPTS = 3
# The Business Manager approval capability (modules §17) is held by officers; until capabilities are grants of
# their own, an officer's or admin's approval stands for it and is recorded on the exemption.
BM_APPROVERS = frozenset({Role.ADMIN, Role.OFFICER})


@dataclass(frozen=True)
class Grant:
    registration_ids: tuple[str, ...]
    reason: ExemptionReason
    start: date | None = None
    end: date | None = None
    note: str | None = None
    bm_approved: bool = False


def _approval(ctx: Ctx, asked: bool) -> str | None:
    if not asked:
        return None
    if ctx.caller.roles.isdisjoint(BM_APPROVERS):
        raise forbidden("Only an officer holding Business Manager approval approves an exemption past the limit.")
    return ctx.caller.id


def _officer(ctx: Ctx) -> bool:
    return not ctx.caller.roles.isdisjoint(BM_APPROVERS)


def _new_exemption(
    reg: Registration, g: Grant, start: date, end: date, approved_by: str | None, today: date
) -> Exemption:
    if reg.status is not RegStatus.REGISTERED:
        raise Refused(
            "NOT_REGISTERED", f"The {reg.book_code} registration is {reg.status.value.lower()}.", "registration_ids"
        )
    clash = overlapping(reg, start, end)
    if clash is not None:
        raise Refused(
            "EXEMPTION_OVERLAPS",
            f"{reg.book_code} is already exempt ({clash.reason}) {clash.start.isoformat()} … {clash.end.isoformat()}.",
            "registration_ids",
        )
    return Exemption(id=new_ulid(), reason=g.reason.value, start=start, end=end, approved_by=approved_by)


def grant(ctx: Ctx, member_id: str, g: Grant) -> dict[str, Any]:
    """R14.1–R14.3: exempt the member on one or several books. `other` needs an officer (403); a time-limited
    reason past start + 180 days needs Business Manager approval (`BM_APPROVAL_REQUIRED`); default end = start +
    exemption_default_days. Returns each registration with its new exemption."""
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    today = rules.calendar.local_date(now)
    start = g.start or today
    end = g.end or default_end(start, rules.local)
    if end < today:
        raise bad_request("An exemption that has already ended excuses nothing.", FieldProblem("end", "in the past"))
    approved_by = _approval(ctx, g.bm_approved)
    try:
        check_period(g.reason, start, end, rules.local, officer=_officer(ctx), bm_approved=approved_by is not None)
    except Refused as err:
        raise refused(err) from None
    mine = {r.id: r for r in repo.registrations_of(ctx.store, member_id)}
    unknown = [rid for rid in g.registration_ids if rid not in mine]
    if unknown:
        raise not_found(f"Registration {', '.join(unknown)}")
    try:  # every book first: one that refuses stops the whole action before anything is written
        for rid in g.registration_ids:
            _new_exemption(mine[rid], g, start, end, approved_by, today)
    except Refused as err:
        raise refused(err) from None
    done = []
    for rid in dict.fromkeys(g.registration_ids):
        reg = mine[rid]
        for attempt in range(ATTEMPTS):
            try:
                ex = _new_exemption(reg, g, start, end, approved_by, today)
                batch = ctx.store.batch()
                after = changes.stage_update(
                    ctx,
                    batch,
                    rules,
                    reg,
                    "EXEMPT_START",
                    reason_code=g.reason.value,
                    reason=g.note,
                    exemptions=[*reg.exemptions, ex],
                )
                batch.commit()
            except Refused as err:
                raise refused(err) from None
            except StaleVersion:
                if attempt == ATTEMPTS - 1:
                    raise
                reg = find(ctx, member_id, rid)
                continue
            done.append({"registration": saved(after, reg), "exemption": ex.model_dump(mode="json")})
            break
    return {"items": done}


def _exemption(reg: Registration, exemption_id: str) -> Exemption:
    ex = next((e for e in reg.exemptions if e.id == exemption_id), None)
    if ex is None:
        raise not_found("Exemption")
    return ex


def extend(
    ctx: Ctx, member_id: str, registration_id: str, exemption_id: str, version: int, end: date, bm_approved: bool
) -> dict[str, Any]:
    """R14.3: a later end date. Extending a time-limited exemption (`under_scale`, `traveling`) always needs
    Business Manager approval, and so does any end past start + the limit (`BM_APPROVAL_REQUIRED`)."""
    reg = find(ctx, member_id, registration_id)
    seen(ctx, reg, version)
    ex = _exemption(reg, exemption_id)
    if ex.status != "ACTIVE":
        raise AppError(409, "EXEMPTION_NOT_ACTIVE", "This exemption is not active.", [FieldProblem("exemption_id", "")])
    rules = context.rules_at(ctx.store, ctx.now())
    approved_by = _approval(ctx, bm_approved)
    try:
        extension_check(ex, end, rules.local, bm_approved=approved_by is not None)
        if overlapping(reg, ex.start, end, except_id=ex.id) is not None:
            raise Refused("EXEMPTION_OVERLAPS", "The longer period overlaps another exemption.", "end")
    except Refused as err:
        raise refused(err) from None
    longer = ex.model_copy(update={"end": end, "approved_by": approved_by or ex.approved_by})
    batch = ctx.store.batch()
    after = changes.stage_update(
        ctx,
        batch,
        rules,
        reg,
        "EXEMPT_EXTEND",
        reason_code=ex.reason,
        reason=f"end {ex.end.isoformat()} → {end.isoformat()}",
        exemptions=[longer if e.id == ex.id else e for e in reg.exemptions],
    )
    commit(ctx, batch, reg)
    return {"registration": saved(after, reg), "exemption": longer.model_dump(mode="json")}


def finish(
    ctx: Ctx, member_id: str, registration_id: str, exemption_id: str, version: int, reason: str | None, *, revoke: bool
) -> dict[str, Any]:
    """R14.5: staff end an exemption early at the member's request (`ENDED`) or revoke it with a reason of at
    least 10 characters (`REVOKED`). Today is the first free day (yesterday its last exempt day); if it had
    started, R7.8 sets re-sign due = today + post_exemption_resign_days unless the due date is later."""
    text = None
    if revoke:
        try:
            text = reason_of(reason)
        except Refused as err:
            raise refused(err) from None
    reg = find(ctx, member_id, registration_id)
    seen(ctx, reg, version)
    ex = _exemption(reg, exemption_id)
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    book = context.books_by_code(ctx.store, now)[reg.book_code]
    today = rules.calendar.local_date(now)
    status = "REVOKED" if revoke else "ENDED"
    try:
        update = ended(reg, ex.id, today - timedelta(days=1), status, rules.local, book.grace_period_days)
    except Refused as err:
        raise refused(err) from None
    batch = ctx.store.batch()
    after = changes.stage_update(
        ctx,
        batch,
        rules,
        reg,
        "EXEMPT_END",
        reason_code=status,
        reason=text or ((reason or "").strip() or None),
        **update,
    )
    commit(ctx, batch, reg)
    return {
        "registration": saved(after, reg),
        "exemption": next(e for e in after.exemptions if e.id == ex.id).model_dump(mode="json"),
    }


# -- R14.6: under-scale dispatches ------------------------------------------------------------------------------


def exempt_for_under_scale(
    ctx: Ctx, batch: WriteBatch, rules: RuleSet, reg: Registration, dispatch: Dispatch
) -> Registration | None:
    """R14.6: when `under_scale_auto_exempt` holds and `dispatch` is under-scale, stage an `under_scale` exemption
    on `reg` — one of the member's other REGISTERED registrations — from the dispatch's referral date to the
    180-day limit (the termination ends it earlier). None when nothing applies or it already exists (so a retried
    follow-up does not add a second). The caller commits `batch` (one transaction per registration)."""
    if not rules.local.under_scale_auto_exempt or not dispatch.under_scale:
        return None
    if reg.member_id != dispatch.member_id or reg.id == dispatch.registration_id:
        return None
    if reg.status is not RegStatus.REGISTERED or any(e.dispatch_id == dispatch.id for e in reg.exemptions):
        return None
    ex = under_scale(new_ulid(), dispatch.referral_date, rules.local, dispatch.id)
    return changes.stage_update(
        ctx,
        batch,
        rules,
        reg,
        "EXEMPT_START",
        reason_code=ex.reason,
        reason="under-scale dispatch (R14.6)",
        request_id=dispatch.request_id,
        dispatch_id=dispatch.id,
        exemptions=[*reg.exemptions, ex],
    )


def exempt_other_books_for_under_scale(ctx: Ctx, dispatch: Dispatch) -> list[str]:
    """R14.6 for every other book of the member, one transaction per registration, re-read after a lost race;
    safe to repeat. Returns the registrations exempted now."""
    rules = context.rules_at(ctx.store, ctx.now())
    exempted = []
    for reg in repo.registrations_of(ctx.store, dispatch.member_id):
        for _ in range(ATTEMPTS):
            batch = ctx.store.batch()
            if exempt_for_under_scale(ctx, batch, rules, reg, dispatch) is None:
                break
            try:
                batch.commit()
            except StaleVersion:
                latest = repo.registration(ctx.store, reg.member_id, reg.book_code, reg.id)
                if latest is None:
                    break
                reg = latest
                continue
            exempted.append(reg.id)
            break
    return exempted
