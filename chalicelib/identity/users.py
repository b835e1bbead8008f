"""User administration (admin only): invite, roles, disable/enable, member link (modules.md §1).

Roles and enable/disable: the user record is the authority and is written FIRST, with its audit entry and
a new token cut-off, in one transaction. From that commit on the authorizer refuses tokens issued before
it and any role the record no longer holds (core/authorizer.py intersects the token's groups with the
stored roles). Only then is Cognito brought in line (`sync_user`: groups, enabled flag, global sign-out),
with bounded retries and backoff. The record carries `identity_sync_pending` from the first write until
Cognito has followed; if Cognito still fails, the change stands (it is already enforced), the flag stays
true in the answer and in `GET /users`, the failure is logged with the `IdentitySyncPending` metric, and
sending the same change again retries it. A version conflict on the first write changes nothing anywhere.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.errors import StaleVersion
from chalicelib.core.observability import logger, metrics
from chalicelib.core.context import Ctx
from chalicelib.core.errors import FieldProblem, bad_request, conflict, not_found
from chalicelib.core.roles import Role
from chalicelib.core.store import Page, versioned
from chalicelib.identity import cognito as identity
from chalicelib.identity import store as users_repo
from chalicelib.identity.cognito import IdentityError
from chalicelib.identity.domain import User, roles_problem
from chalicelib.identity.schemas import RolesUpdate, UserInvite
from chalicelib.members import store as members_repo

ENTITY = "user"
SYNC_ATTEMPTS = 3
SYNC_BACKOFF_S = 0.25
# Permanent answers: retrying them cannot help (no such user in Cognito, a refused value).
_PERMANENT = frozenset({"invalid_credentials", "invalid_parameter", "exists"})
_sleep = time.sleep  # tests replace it


def user_json(user: User) -> dict[str, Any]:
    d = asdict(user)
    d.pop("tokens_valid_after", None)
    d.pop("password_reset_at", None)
    return d


def _validate_roles(roles: list[Role], member_id: str | None) -> None:
    problem = roles_problem(roles, member_id)
    if problem:
        name, what, message = problem
        raise bad_request(message, FieldProblem(name, what))


def _user_exists() -> Any:
    return conflict("USER_EXISTS", "This e-mail or member is already linked.", FieldProblem("email", "already in use"))


def invite(ctx: Ctx, data: UserInvite, password: str | None = None, permanent: bool = False) -> User:
    roles = sorted(set(data.roles))
    _validate_roles(roles, data.member_id)
    email = str(data.email).lower()
    if data.member_id and members_repo.get(ctx.store, data.member_id) is None:
        raise bad_request("No such member.", FieldProblem("member_id", "unknown member"))
    if ctx.store.owner_of(users_repo.user_email_key(email)):
        raise conflict("USER_EXISTS", "A user with this e-mail exists.", FieldProblem("email", "already in use"))
    if data.member_id and ctx.store.owner_of(users_repo.member_link_key(data.member_id)):
        raise conflict("MEMBER_ALREADY_LINKED", "This member already has a portal account.",
                       FieldProblem("member_id", "already linked to another user"))
    try:
        sub = identity.invite(email, [r.value for r in roles], data.member_id, password, permanent)
    except IdentityError as exc:
        if exc.kind == "exists":
            raise conflict("USER_EXISTS", "A user with this e-mail exists.",
                           FieldProblem("email", "already in use")) from exc
        if exc.kind in ("invalid_parameter", "invalid_password"):
            raise bad_request("The identity provider refused these details.",
                              FieldProblem("email", exc.args[0][:200] if exc.args else "not accepted")) from exc
        raise
    now = ctx.clock().isoformat()
    user = User(id=sub, email=email, roles=[r.value for r in roles], member_id=data.member_id,
                display_name=data.display_name, created_at=now, updated_at=now)
    batch = ctx.store.batch()
    batch.create_unique(users_repo.user_email_key(email), user.id)
    if user.member_id:
        batch.create_unique(users_repo.member_link_key(user.member_id), user.id)
    batch.put(user)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, user.id, {}, user_json(user)))
    versioned.commit(batch, duplicates=lambda _: _user_exists())
    return user


def existing(ctx: Ctx, user_id: str) -> User:
    user = users_repo.get(ctx.store, user_id)
    if user is None:
        raise not_found("User")
    return user


def save(ctx: Ctx, before: User, after: User, **extra: Any) -> User:
    """Write a changed user record at the version read; a concurrent change is the 409 contract."""
    batch = ctx.store.batch()
    batch.put(after, before.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, ENTITY, after.id, user_json(before), user_json(after), **extra))

    def current() -> dict[str, Any] | None:
        latest = users_repo.get(ctx.store, before.id)
        return user_json(latest) if latest else None

    versioned.commit(batch, current=current, what="user")
    return replace(after, version=before.version + 1)


def set_roles(ctx: Ctx, user_id: str, data: RolesUpdate) -> User:
    before = existing(ctx, user_id)
    roles = sorted({r.value for r in data.roles})
    _validate_roles([Role(r) for r in roles], before.member_id)
    # New roles take effect at the next sign-in: tokens carrying the old groups are refused from this write.
    saved = save(ctx, before, replace(before, roles=roles, tokens_valid_after=int(time.time()) + 1,
                                      identity_sync_pending=True, updated_at=ctx.clock().isoformat()))
    return sync_identity(ctx, saved)


def set_enabled(ctx: Ctx, user_id: str, enabled: bool) -> User:
    before = existing(ctx, user_id)
    if before.id == ctx.caller.actor.id and not enabled:
        raise bad_request("You cannot disable your own account.", FieldProblem("id", "is your own account"))
    valid_after = before.tokens_valid_after if enabled else int(time.time()) + 1
    saved = save(ctx, before, replace(before, enabled=enabled, tokens_valid_after=valid_after,
                                      identity_sync_pending=True, updated_at=ctx.clock().isoformat()))
    return sync_identity(ctx, saved)


def sync_identity(ctx: Ctx, user: User) -> User:
    """Bring Cognito in line with the saved record, then clear `identity_sync_pending` (audited). If
    Cognito keeps failing, the record is returned with the flag still set (see the module docstring)."""
    failure: IdentityError | None = None
    for attempt in range(SYNC_ATTEMPTS):
        try:
            identity.sync_user(user.email, list(user.roles), user.enabled)
            failure = None
            break
        except IdentityError as exc:
            failure = exc
            if exc.kind in _PERMANENT or attempt + 1 == SYNC_ATTEMPTS:
                break
            _sleep(SYNC_BACKOFF_S * 2**attempt)
    if failure is not None:
        from aws_lambda_powertools.metrics import MetricUnit

        logger.error("identity provider not updated; the user record stands with identity_sync_pending",
                     extra={"user_id": user.id, "kind": failure.kind})
        metrics.add_metric(name="IdentitySyncPending", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
        return user
    return _clear_pending(ctx, user)


def _clear_pending(ctx: Ctx, synced: User) -> User:
    for _ in range(3):  # a concurrent change to the record: read again and retry
        current = users_repo.get(ctx.store, synced.id) or synced
        if not current.identity_sync_pending:
            return current
        if (sorted(current.roles), current.enabled) != (sorted(synced.roles), synced.enabled):
            return current  # a newer change was written meanwhile; its own sync clears the flag
        after = replace(current, identity_sync_pending=False, updated_at=ctx.clock().isoformat())
        batch = ctx.store.batch()
        batch.put(after, current.version)
        batch.audit(ctx.audit_entry(AuditAction.UPDATE, ENTITY, current.id, {"identity_sync_pending": True},
                                    {"identity_sync_pending": False}, activity="identity_provider_updated"))
        try:
            batch.commit()
            return replace(after, version=current.version + 1)
        except StaleVersion:
            continue
    return users_repo.get(ctx.store, synced.id) or synced


def list_users(ctx: Ctx, limit: int, cursor: str | None) -> Page[User]:
    page = users_repo.list_users(ctx.store, limit, cursor)
    ctx.audit_read(ENTITY, "BULK", bulk=True, row_count=len(page.items))
    return page
