"""Sign-in, MFA, token refresh, sign-out and password reset (modules.md §1) with lockout and rate limits.

Limits are counted in the table, so every Lambda instance shares them (flaw 12 of the earlier system).

MFA (§1.2): every path that ends in tokens goes through `_finish`. A user holding a role in
`mfa_required_roles` gets tokens only after answering Cognito's SOFTWARE_TOKEN_MFA challenge; if
Cognito handed out tokens without one (the user has no TOTP yet), the tokens stay in the table for
5 minutes behind an opaque set-up session and the caller gets an MFA_SETUP step instead.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from typing import Any

from chalicelib.core.audit import Actor, AuditAction
from chalicelib.core.context import Caller, Ctx
from chalicelib.core.errors import AppError, FieldProblem, StaleVersion, bad_request, too_many, unauthorized
from chalicelib.core.roles import needs_mfa
from chalicelib.core.settings import get_settings
from chalicelib.core.store import Store
from chalicelib.identity import cognito as identity
from chalicelib.identity import store as users_repo
from chalicelib.identity.cognito import Challenge, IdentityError, Tokens
from chalicelib.identity.domain import User

LOCKOUT_THRESHOLD = 5
LOCKOUT_SECONDS = 30 * 60
MFA_SETUP_SECONDS = 5 * 60


def _limit(bucket: str) -> int:
    s = get_settings()
    return {"login": s.login_rate_per_minute, "refresh": s.login_rate_per_minute,
            "reset": s.reset_rate_per_minute, "signup": s.signup_rate_per_minute}[bucket]


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
    Ctx(store=store, caller=Caller(actor)).audit_event("session", email.lower(), activity=action, **extra)


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
    # The first factor only: `sign_in` is recorded when tokens are handed out (`_finish`).
    _activity(store, client, "password_accepted", email)
    return _finish(store, email, result, client, mfa_answered=False)


def _user_by_email(store: Store, email: str) -> User | None:
    return users_repo.by_email(store, email)


def _finish(store: Store, email: str, result: Tokens | Challenge, client: Actor, *,
            mfa_answered: bool) -> dict[str, Any]:
    """The one gate before tokens leave the API: staff roles never get tokens without a second factor."""
    if isinstance(result, Challenge):
        return {"challenge": result.name, "session": result.session}
    user = _user_by_email(store, email)
    if user is None or not needs_mfa(user.roles, get_settings().mfa_required_roles):
        _activity(store, client, "sign_in", email)
        return _token_body(result)
    if not mfa_answered:
        return _start_mfa_setup(store, user, result, client)
    if not user.mfa_enabled:
        _mark_mfa_enabled(store, user, client, "mfa_challenge_answered")
    _activity(store, client, "sign_in", email)
    return _token_body(result)


def _start_mfa_setup(store: Store, user: User, tokens: Tokens, client: Actor) -> dict[str, Any]:
    try:
        secret = identity.associate_totp(tokens.access_token)
    except IdentityError as exc:
        raise AppError(503, "MFA_UNAVAILABLE", "Two-step sign-in cannot be set up right now; try again.") from exc
    session_id = secrets.token_urlsafe(32)
    store.tickets.put(users_repo.mfa_setup_ticket(session_id), {
        "user_id": user.id, "email": user.email, "access_token": tokens.access_token, "id_token": tokens.id_token,
        "refresh_token": tokens.refresh_token, "expires_in": tokens.expires_in,
    }, int(time.time()) + MFA_SETUP_SECONDS)
    _activity(store, client, "mfa_setup_started", user.email)
    return {"challenge": "MFA_SETUP", "session": session_id, "secret_code": secret,
            "otpauth_uri": identity.otpauth_uri(user.email, secret), "expires_in": MFA_SETUP_SECONDS}


def _mark_mfa_enabled(store: Store, user: User, client: Actor, activity: str) -> None:
    actor = client.model_copy(update={"id": user.id, "email": user.email, "roles": list(user.roles)})
    ctx = Ctx(store=store, caller=Caller(actor))
    for _ in range(3):  # a concurrent change to the user record: read again and retry
        current = users_repo.get(store, user.id) or user
        if current.mfa_enabled:
            return
        batch = store.batch()
        batch.put(replace(current, mfa_enabled=True, updated_at=ctx.clock().isoformat()), current.version)
        batch.audit(ctx.audit_entry(AuditAction.UPDATE, "user", user.id, {"mfa_enabled": False},
                                    {"mfa_enabled": True}, activity=activity))
        try:
            batch.commit()
            return
        except StaleVersion:
            continue


def _session_expired() -> AppError:
    return AppError(401, "INVALID_SESSION", "The sign-in session expired; sign in again.")


def _bad_code(exc: IdentityError) -> AppError:
    return bad_request("The code is not valid.", FieldProblem("code", "does not match the authenticator"))


def complete_mfa_setup(store: Store, session: str, code: str, client: Actor) -> dict[str, Any]:
    """MFA_SETUP step: the first code from the authenticator enrols TOTP, then the held tokens are released."""
    throttle(store, "login", client.source_ip or "unknown")
    key = users_repo.mfa_setup_ticket(session)
    held = store.tickets.get(key, time.time())
    if held is None:
        raise _session_expired()
    try:
        identity.verify_totp(held["access_token"], code)
    except IdentityError as exc:
        if exc.kind in ("invalid_code", "invalid_parameter"):
            raise _bad_code(exc) from exc
        raise _session_expired() from exc
    if store.tickets.take(key, time.time()) is None:  # single use
        raise _session_expired()
    user = users_repo.get(store, held["user_id"])
    if user is None:
        raise _session_expired()
    _mark_mfa_enabled(store, user, client, "mfa_enrolled")
    _activity(store, client, "sign_in", user.email)
    return _token_body(Tokens(held["access_token"], held["id_token"], held.get("refresh_token"),
                              int(held["expires_in"])))


def answer_mfa(store: Store, email: str, session: str, code: str, client: Actor) -> dict[str, Any]:
    """SOFTWARE_TOKEN_MFA step: the 6-digit code for a user who has TOTP."""
    throttle(store, "login", client.source_ip or "unknown")
    email = email.strip().lower()
    try:
        result = identity.answer_totp(email, session, code)
    except IdentityError as exc:
        if exc.kind == "invalid_code":
            raise _bad_code(exc) from exc
        raise _session_expired() from exc
    return _finish(store, email, result, client, mfa_answered=True)


def answer_challenge(store: Store, email: str, session: str, new_password: str, client: Actor) -> dict[str, Any]:
    throttle(store, "login", client.source_ip or "unknown")
    email = email.strip().lower()
    try:
        result = identity.answer_new_password(email, session, new_password)
    except IdentityError as exc:
        if exc.kind == "invalid_parameter":
            raise bad_request("The sign-in session is not valid.",
                              FieldProblem("session", "not a session this service issued")) from exc
        if exc.kind == "invalid_password":
            raise bad_request("The new password does not meet the policy.",
                              FieldProblem("new_password", exc.args[0] if exc.args else "too weak")) from exc
        raise _session_expired() from exc
    return _finish(store, email, result, client, mfa_answered=False)


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
    user = users_repo.get(ctx.store, ctx.caller.actor.id)
    if user is not None:
        cutoff = int(time.time()) + 1
        for _ in range(3):  # a concurrent change to the user record: read again and retry
            current = users_repo.get(ctx.store, user.id) or user
            updated = replace(current, tokens_valid_after=cutoff, updated_at=ctx.clock().isoformat())
            batch = ctx.store.batch()
            batch.put(updated, current.version)
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
