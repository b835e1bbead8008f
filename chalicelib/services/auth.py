"""Sign-in, token refresh, sign-out and password reset (modules.md §1) with lockout and rate limits.

Limits are counted in the table, so every Lambda instance shares them (flaw 12 of the earlier system).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.audit import Actor, AuditAction
from chalicelib.errors import AppError, FieldProblem, StaleVersion, bad_request, too_many, unauthorized
from chalicelib.integrations import identity
from chalicelib.integrations.identity import Challenge, IdentityError, Tokens
from chalicelib.services.context import Caller, Ctx
from chalicelib.store.ports import Store

LOCKOUT_THRESHOLD = 5
LOCKOUT_SECONDS = 30 * 60


def _limit(bucket: str) -> int:
    s = get_settings()
    return {"login": s.login_rate_per_minute, "refresh": s.login_rate_per_minute,
            "reset": s.reset_rate_per_minute}[bucket]
INVALID = "Incorrect email or password."


def throttle(store: Store, bucket: str, client: str, now: float | None = None) -> None:
    count, retry = store.counters.hit(f"{bucket}#{client}", 60, time.time() if now is None else now)
    if count > _limit(bucket):
        raise too_many("Too many requests; try again shortly.", retry)


def _token_body(t: Tokens) -> dict[str, Any]:
    body = {"access_token": t.access_token, "id_token": t.id_token, "expires_in": t.expires_in,
            "token_type": "Bearer"}
    if t.refresh_token:
        body["refresh_token"] = t.refresh_token
    return body


def _activity(store: Store, actor: Actor, action: str, email: str, **extra: Any) -> None:
    """Sign-in events go to the web activity log (§16.2): audit entries of entity type `session`."""
    ctx = Ctx(store=store, caller=Caller(actor))
    store.audit_log.append(ctx.audit_entry(AuditAction.CREATE, "session", email.lower(), activity=action, **extra))


def login(store: Store, email: str, password: str, client: Actor) -> dict[str, Any]:
    email = email.strip().lower()
    throttle(store, "login", client.source_ip or "unknown")
    now = time.time()
    _, locked_until = store.counters.failures(email)
    if locked_until and locked_until > now:
        raise too_many("Too many failed sign-ins. Try again later.", int(locked_until - now), code="LOCKED_OUT")
    try:
        result = identity.login(email, password)
    except IdentityError as exc:
        if exc.kind != "invalid_credentials":
            raise
        _, until = store.counters.record_failure(email, LOCKOUT_THRESHOLD, LOCKOUT_SECONDS, now)
        _activity(store, client, "sign_in_failed", email)
        if until:
            raise too_many("Too many failed sign-ins. Try again later.", LOCKOUT_SECONDS, code="LOCKED_OUT") from exc
        # Same answer for an unknown e-mail and a wrong password.
        raise AppError(401, "INVALID_CREDENTIALS", INVALID) from exc
    store.counters.clear_failures(email)
    _activity(store, client, "sign_in", email)
    if isinstance(result, Challenge):
        return {"challenge": result.name, "session": result.session}
    return _token_body(result)


def answer_challenge(store: Store, email: str, session: str, new_password: str, client: Actor) -> dict[str, Any]:
    throttle(store, "login", client.source_ip or "unknown")
    try:
        return _token_body(identity.answer_new_password(email.strip().lower(), session, new_password))
    except IdentityError as exc:
        if exc.kind == "invalid_parameter":
            raise bad_request("The sign-in session is not valid.",
                              FieldProblem("session", "not a session this service issued")) from exc
        if exc.kind == "invalid_password":
            raise bad_request("The new password does not meet the policy.",
                              FieldProblem("new_password", exc.args[0] if exc.args else "too weak")) from exc
        raise AppError(401, "INVALID_SESSION", "The sign-in session expired; sign in again.") from exc


def refresh(store: Store, refresh_token: str, client: Actor) -> dict[str, Any]:
    throttle(store, "refresh", client.source_ip or "unknown")
    try:
        return _token_body(identity.refresh(refresh_token))
    except IdentityError as exc:
        raise unauthorized("The session has ended; sign in again.", code="SESSION_ENDED") from exc


def logout(ctx: Ctx, refresh_token: str | None) -> None:
    """Sign-out ends every session of the user (modules.md §1.3 "all at once").

    The cut-off is stored first: access tokens are self-contained JWTs, so from this write on the
    authorizer refuses every token issued up to this second, whatever the identity provider does next.
    """
    user = ctx.store.users.get(ctx.caller.actor.id)
    if user is not None:
        cutoff = int(time.time()) + 1
        for _ in range(3):  # a concurrent change to the user record: read again and retry
            current = ctx.store.users.get(user.id) or user
            updated = replace(current, tokens_valid_after=cutoff, updated_at=ctx.clock().isoformat())
            batch = ctx.store.batch()
            batch.user(updated, current.version)
            batch.audit(ctx.audit_entry(AuditAction.UPDATE, "user", user.id,
                                        {"tokens_valid_after": current.tokens_valid_after},
                                        {"tokens_valid_after": cutoff}, activity="sign_out"))
            try:
                batch.commit()
                break
            except StaleVersion:
                continue
    if refresh_token:
        try:
            identity.revoke(refresh_token)
        except IdentityError:
            pass  # already revoked, not ours, or unsupported by the emulator: sign-out below covers it
    if user is not None:
        try:
            identity.sign_out_everywhere(user.email)
        except IdentityError:
            pass


def forgot_password(store: Store, email: str, client: Actor) -> None:
    throttle(store, "reset", client.source_ip or "unknown")
    try:
        identity.forgot_password(email.strip().lower())
    except IdentityError:
        pass  # never reveal whether the address has an account


def confirm_forgot_password(store: Store, email: str, code: str, new_password: str, client: Actor) -> None:
    throttle(store, "reset", client.source_ip or "unknown")
    try:
        identity.confirm_forgot_password(email.strip().lower(), code, new_password)
    except IdentityError as exc:
        if exc.kind == "invalid_password":
            raise bad_request("The new password does not meet the policy.",
                              FieldProblem("new_password", "does not meet the password policy")) from exc
        raise bad_request("The code is not valid.", FieldProblem("code", "invalid or expired")) from exc
