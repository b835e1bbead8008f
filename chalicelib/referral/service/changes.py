"""The one way a registration changes (S8.4, S11, §10.1): a named action staged into a batch together with its
activity entry and its audit entry, the put conditioned on the version that was read.

Every use case that moves a registration — dispatch, termination, re-sign, check mark, roll-off, exemption,
reinstatement, nightly duties — stages its change here and commits the batch itself, so the registration, the
activity log (from which a book is rebuilt as of any instant) and the audit trail can never disagree.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.roles import Role
from chalicelib.core.store.ports import WriteBatch
from chalicelib.referral import store as repo
from chalicelib.referral.domain.registration import Action, Registration, RegStatus, next_status
from chalicelib.referral.domain.rules import RuleSet
from chalicelib.referral.service import context

ENTITY = "registration"


def caller_roles(ctx: Ctx) -> frozenset[Role]:
    return frozenset(Role(r) for r in ctx.caller.actor.roles if r in Role.__members__.values())


def is_system(ctx: Ctx) -> bool:
    return "system" in ctx.caller.actor.roles


def stage_transition(
    ctx: Ctx,
    batch: WriteBatch,
    rules: RuleSet,
    before: Registration,
    action: Action,
    *,
    reason_code: str | None = None,
    reason: str | None = None,
    activity_action: str | None = None,
    system: bool | None = None,
    request_id: str | None = None,
    dispatch_id: str | None = None,
    successor_id: str | None = None,
    entry: dict[str, Any] | None = None,
    **update: Any,
) -> Registration:
    """Stage `action` on `before` (refused by the TRANSITIONS table with `Refused`), with any further field
    `update`s. Leaving the live statuses releases the member's one-live-registration-per-book key — or, when
    the row hands over to a successor opened in the same batch (§3.5.4 tier change), transfers it to that
    successor. `entry`: further fields of the activity entry (channel, confirmation, run id)."""
    target = next_status(before.status, action, caller_roles(ctx), system=is_system(ctx) if system is None else system)
    now = ctx.now()
    after = before.model_copy(
        update={
            "status": target,
            "status_reason": reason_code or action.value,
            "status_changed_at": now,
            "updated_at": now.isoformat(),
            **({"successor_id": successor_id} if successor_id else {}),
            **update,
        }
    )
    _stage(
        ctx,
        batch,
        rules,
        before,
        after,
        activity_action or action.value,
        reason_code,
        reason,
        request_id,
        dispatch_id,
        entry,
    )
    if before.is_live and not after.is_live:
        key = repo.live_registration_key(before.member_id, before.book_code)
        if successor_id is None:
            batch.release_unique(key, before.id)
        else:
            batch.transfer_unique(key, before.id, successor_id)
    return after


def stage_update(
    ctx: Ctx,
    batch: WriteBatch,
    rules: RuleSet,
    before: Registration,
    activity_action: str,
    *,
    reason_code: str | None = None,
    reason: str | None = None,
    request_id: str | None = None,
    dispatch_id: str | None = None,
    entry: dict[str, Any] | None = None,
    **update: Any,
) -> Registration:
    """Stage a change that keeps the status (re-sign, check mark, mark restored, exemption start/end)."""
    after = before.model_copy(update={"updated_at": ctx.now().isoformat(), **update})
    _stage(ctx, batch, rules, before, after, activity_action, reason_code, reason, request_id, dispatch_id, entry)
    return after


def _stage(
    ctx: Ctx,
    batch: WriteBatch,
    rules: RuleSet,
    before: Registration,
    after: Registration,
    activity_action: str,
    reason_code: str | None,
    reason: str | None,
    request_id: str | None,
    dispatch_id: str | None,
    entry: dict[str, Any] | None = None,
) -> None:
    batch.put(after, before.version)
    batch.put(
        context.activity(
            ctx,
            rules,
            book_code=after.book_code,
            member_id=after.member_id,
            action=activity_action,
            registration_id=after.id,
            previous_status=before.status.value,
            new_status=after.status.value,
            previous_apn=before.apn_text,
            new_apn=after.apn_text,
            tier=after.tier,
            registered_at=after.registered_at,
            reason_code=reason_code,
            reason=reason,
            request_id=request_id,
            dispatch_id=dispatch_id,
            registration_version=before.version + 1,
            **(entry or {}),
        )
    )
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE,
            ENTITY,
            after.id,
            before.model_dump(mode="json"),
            after.model_dump(mode="json"),
            activity=activity_action,
        )
    )


__all__ = ["ENTITY", "RegStatus", "caller_roles", "is_system", "stage_transition", "stage_update"]
