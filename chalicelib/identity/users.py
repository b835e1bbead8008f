"""User administration (admin only): invite, roles, disable/enable, member link (modules.md §1)."""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import Any

from chalicelib.core.audit import AuditAction
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


def user_json(user: User) -> dict[str, Any]:
    d = asdict(user)
    d.pop("tokens_valid_after", None)
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
    identity.set_groups(before.email, before.roles, roles)
    # New roles take effect at the next sign-in: tokens carrying the old groups are refused.
    return save(ctx, before, replace(before, roles=roles, tokens_valid_after=int(time.time()) + 1,
                                     updated_at=ctx.clock().isoformat()))


def set_enabled(ctx: Ctx, user_id: str, enabled: bool) -> User:
    before = existing(ctx, user_id)
    if before.id == ctx.caller.actor.id and not enabled:
        raise bad_request("You cannot disable your own account.", FieldProblem("id", "is your own account"))
    identity.set_enabled(before.email, enabled)
    if not enabled:
        try:
            identity.sign_out_everywhere(before.email)
        except IdentityError:
            pass
    valid_after = before.tokens_valid_after if enabled else int(time.time()) + 1
    return save(ctx, before, replace(before, enabled=enabled, tokens_valid_after=valid_after,
                                     updated_at=ctx.clock().isoformat()))


def list_users(ctx: Ctx, limit: int, cursor: str | None) -> Page[User]:
    page = users_repo.list_users(ctx.store, limit, cursor)
    ctx.audit_read(ENTITY, "BULK", bulk=True, row_count=len(page.items))
    return page
