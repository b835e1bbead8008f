"""User administration (admin only): invite, roles, disable/enable, member link (modules.md §1)."""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import Any

from pydantic import ConfigDict, EmailStr, Field

from chalicelib.domain.audit import AuditAction
from chalicelib.domain.model import DomainModel
from chalicelib.domain.roles import Role
from chalicelib.errors import DuplicateKey, FieldProblem, bad_request, conflict, not_found
from chalicelib.integrations import identity
from chalicelib.integrations.identity import IdentityError
from chalicelib.services.context import Ctx
from chalicelib.store import keys
from chalicelib.store.ports import Page, User


class UserInvite(DomainModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    roles: list[Role] = Field(min_length=1)
    member_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    display_name: str | None = Field(default=None, max_length=100)


class RolesUpdate(DomainModel):
    model_config = ConfigDict(extra="forbid")
    roles: list[Role] = Field(min_length=1)


def user_json(user: User) -> dict[str, Any]:
    d = asdict(user)
    d.pop("tokens_valid_after", None)
    return d


def _validate_roles(roles: list[Role], member_id: str | None) -> None:
    if Role.MEMBER in roles and not member_id:
        raise bad_request("A member account must be linked to a member record.",
                          FieldProblem("member_id", "required for the member role"))
    if member_id and roles != [Role.MEMBER]:
        raise bad_request("A linked member account holds the member role only.",
                          FieldProblem("roles", "must be exactly ['member'] when member_id is set"))


def invite(ctx: Ctx, data: UserInvite, password: str | None = None, permanent: bool = False) -> User:
    roles = sorted(set(data.roles))
    _validate_roles(roles, data.member_id)
    email = str(data.email).lower()
    if data.member_id and ctx.store.members.get(data.member_id) is None:
        raise bad_request("No such member.", FieldProblem("member_id", "unknown member"))
    if ctx.store.users.owner_of(keys.user_email_key(email)):
        raise conflict("USER_EXISTS", "A user with this e-mail exists.", FieldProblem("email", "already in use"))
    if data.member_id and ctx.store.users.owner_of(keys.member_link_key(data.member_id)):
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
    batch.claim(keys.user_email_key(email), user.id)
    if user.member_id:
        batch.claim(keys.member_link_key(user.member_id), user.id)
    batch.user(user, None)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, "user", user.id, {}, user_json(user)))
    try:
        batch.commit()
    except DuplicateKey as exc:
        raise conflict("USER_EXISTS", "This e-mail or member is already linked.",
                       FieldProblem("email", "already in use")) from exc
    return user


def _existing(ctx: Ctx, user_id: str) -> User:
    user = ctx.store.users.get(user_id)
    if user is None:
        raise not_found("User")
    return user


def _save(ctx: Ctx, before: User, after: User) -> User:
    batch = ctx.store.batch()
    batch.user(after, before.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, "user", after.id, user_json(before), user_json(after)))
    batch.commit()
    return replace(after, version=before.version + 1)


def set_roles(ctx: Ctx, user_id: str, data: RolesUpdate) -> User:
    before = _existing(ctx, user_id)
    roles = sorted({r.value for r in data.roles})
    _validate_roles([Role(r) for r in roles], before.member_id)
    identity.set_groups(before.email, before.roles, roles)
    # New roles take effect at the next sign-in: tokens carrying the old groups are refused.
    return _save(ctx, before, replace(before, roles=roles, tokens_valid_after=int(time.time()) + 1,
                                      updated_at=ctx.clock().isoformat()))


def set_enabled(ctx: Ctx, user_id: str, enabled: bool) -> User:
    before = _existing(ctx, user_id)
    if before.id == ctx.caller.actor.id and not enabled:
        raise bad_request("You cannot disable your own account.", FieldProblem("id", "is your own account"))
    identity.set_enabled(before.email, enabled)
    if not enabled:
        try:
            identity.sign_out_everywhere(before.email)
        except IdentityError:
            pass
    valid_after = before.tokens_valid_after if enabled else int(time.time()) + 1
    return _save(ctx, before, replace(before, enabled=enabled, tokens_valid_after=valid_after,
                                      updated_at=ctx.clock().isoformat()))


def list_users(ctx: Ctx, limit: int, cursor: str | None) -> Page[User]:
    page = ctx.store.users.list(limit, cursor)
    ctx.store.audit_log.append(ctx.audit_entry(AuditAction.BULK_READ, "user", "BULK", row_count=len(page.items)))
    return page
