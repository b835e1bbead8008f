"""Sign-in, MFA, token refresh, sign-out and password reset (modules.md §1) with lockout and rate limits.

Limits are counted in the table, so every Lambda instance shares them (flaw 12 of the earlier system).

MFA (§1.2): every path that ends in tokens goes through `_finish`. A user holding a role in
`mfa_required_roles` gets tokens only after answering Cognito's SOFTWARE_TOKEN_MFA challenge; if
Cognito handed out tokens without one (the user has no TOTP yet), the tokens stay in the table for
5 minutes, sealed (core/sealing.py), behind an opaque set-up session and the caller gets an MFA_SETUP
step instead.

Lockout (§1.3): 5 consecutive failures for one account *from one client address* lock that pair for
30 minutes. Keyed by account and address together: a stranger's failures lock only the stranger out,
never the real user at their own address, and one staff member's typos at the office lock nobody else
behind the same address. A completed password reset (the e-mailed code proves the mailbox) lifts the lock.

Refresh tokens are the API's own rotating session handles (identity/sessions.py); Cognito's stay inside.

Identity-provider trouble is answered for what it is: throttling 429 (Retry-After), out of reach 503
(Retry-After), a parameter Cognito refuses 400 naming the field; 401 only when the credentials or the
session are really not (or no longer) good.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from typing import Any

from chalicelib.core.audit import Actor, AuditAction
from chalicelib.core.context import Caller, Ctx
from chalicelib.core.errors import (
    AppError,
    FieldProblem,
    StaleVersion,
    bad_request,
    conflict,
    too_many,
    unauthorized,
    unavailable,
)
from chalicelib.core.observability import logger
from chalicelib.core.roles import needs_mfa
from chalicelib.core.sealing import BrokenSeal, open_sealed, seal
from chalicelib.core.settings import get_settings
from chalicelib.core.store import Store
from chalicelib.identity import cognito as identity
from chalicelib.identity import sessions
from chalicelib.identity import store as users_repo
from chalicelib.identity.cognito import Challenge, IdentityError, Tokens
from chalicelib.identity.domain import User

LOCKOUT_THRESHOLD = 5
LOCKOUT_SECONDS = 30 * 60
MFA_SETUP_SECONDS = 5 * 60
PROVIDER_RETRY_S = 5


def _limit(bucket: str) -> int:
    s = get_settings()
    return {"login": s.login_rate_per_minute, "refresh": s.login_rate_per_minute,
            "reset": s.reset_rate_per_minute, "signup": s.signup_rate_per_minute}[bucket]


INVALID = "Incorrect email or password."


def client_address(client: Actor) -> str:
    return client.source_ip or "unknown"


def throttle(store: Store, bucket: str, client: str, now: float | None = None, *, account: str | None = None) -> None:
    """Requests per minute. With `account` (an e-mail, a session): the bucket's limit per account *and* address,
    plus a ceiling per address sized for an office whose ~40 staff all sign in at 08:00 behind one address —
    never the small limit on the address alone. Without: the bucket's limit per address."""
    at = time.time() if now is None else now
    key = f"{bucket}#{client}" if account is None else f"{bucket}#{client}#{account.lower()}"
    count, retry = store.counters.hit(key, 60, at)
    if count > _limit(bucket):
        raise too_many("Too many requests; try again shortly.", retry)
    if account is not None:
        count, retry = store.counters.hit(f"{bucket}#{client}", 60, at)
        if count > get_settings().address_rate_per_minute:
            raise too_many("Too many requests from this network; try again shortly.", retry)


def lockout_key(email: str, client: Actor) -> str:
    """Failures are counted per account *and* client address (see the module docstring)."""
    return f"{email}#{client_address(client)}"


def provider_trouble(exc: IdentityError, field: str | None = None) -> AppError | None:
    """The honest answer for identity-provider errors that are not about the caller's credentials, or None."""
    if exc.kind == "throttled":
        return too_many("The sign-in service is busy; try again in a few seconds.", PROVIDER_RETRY_S,
                        code="IDENTITY_PROVIDER_BUSY")
    if exc.kind == "limit_exceeded":
        return too_many("Too many attempts for this account; wait a few minutes and try again.", 60,
                        code="IDENTITY_PROVIDER_LIMIT")
    if exc.kind == "unavailable":
        return unavailable("The sign-in service cannot be reached right now; try again shortly.",
                           PROVIDER_RETRY_S, code="IDENTITY_PROVIDER_UNAVAILABLE")
    if exc.kind == "invalid_parameter" and field:
        return bad_request("The sign-in service refused this value.",
                           FieldProblem(field, "not accepted by the identity provider"))
    return None


def _token_body(t: Tokens, refresh_token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": t.access_token, "id_token": t.id_token, "expires_in": t.expires_in,
                            "token_type": "Bearer"}
    if refresh_token:
        body["refresh_token"] = refresh_token
    return body


def _activity(store: Store, actor: Actor, action: str, email: str, **extra: Any) -> None:
    """Sign-in events go to the web activity log (§16.2): audit entries of entity type `session`."""
    Ctx(store=store, caller=Caller(actor)).audit_event("session", email.lower(), activity=action, **extra)


def _locked(message: str, seconds: int) -> AppError:
    return too_many(message, seconds, code="LOCKED_OUT")


def login(store: Store, email: str, password: str, client: Actor) -> dict[str, Any]:
    email = email.strip().lower()
    throttle(store, "login", client_address(client), account=email)
    now = time.time()
    key = lockout_key(email, client)
    _, locked_until = store.counters.failures(key)
    if locked_until and locked_until > now and not _unlocked_by_reset(store, email, key, locked_until):
        raise _locked("Too many failed sign-ins. Try again later.", int(locked_until - now))
    try:
        result = identity.login(email, password)
    except IdentityError as exc:
        trouble = provider_trouble(exc, "email")
        if trouble:
            raise trouble from exc
        if exc.kind != "invalid_credentials":
            raise
        _, until = store.counters.record_failure(key, LOCKOUT_THRESHOLD, LOCKOUT_SECONDS, now)
        _activity(store, client, "sign_in_failed", email)
        if until:
            raise _locked("Too many failed sign-ins. Try again later.", LOCKOUT_SECONDS) from exc
        # Same answer for an unknown e-mail and a wrong password.
        raise AppError(401, "INVALID_CREDENTIALS", INVALID) from exc
    store.counters.clear_failures(key)
    # The first factor only: `sign_in` is recorded when tokens are handed out (`_finish`).
    _activity(store, client, "password_accepted", email)
    return _finish(store, email, result, client, mfa_answered=False)


def _unlocked_by_reset(store: Store, email: str, key: str, locked_until: float) -> bool:
    """A password reset completed after the lock began lifts it (the code proved the mailbox)."""
    user = users_repo.by_email(store, email)
    if user is None or user.password_reset_at < int(locked_until - LOCKOUT_SECONDS):  # whole seconds
        return False
    store.counters.clear_failures(key)
    return True


def _finish(store: Store, email: str, result: Tokens | Challenge, client: Actor, *,
            mfa_answered: bool) -> dict[str, Any]:
    """The one gate before tokens leave the API: staff roles never get tokens without a second factor."""
    if isinstance(result, Challenge):
        return {"challenge": result.name, "session": result.session}
    user = users_repo.by_email(store, email)
    if user is None or not user.enabled:
        # Cognito took the password, but there is no usable account here (no user record, or disabled here
        # while Cognito has not caught up yet): the answer of a wrong password, and no tokens.
        _activity(store, client, "sign_in_refused", email)
        raise AppError(401, "INVALID_CREDENTIALS", INVALID)
    if not needs_mfa(user.roles, get_settings().mfa_required_roles):
        _activity(store, client, "sign_in", email)
        return _release(store, user, result)
    if not mfa_answered:
        return _start_mfa_setup(store, user, result, client)
    if not user.mfa_enabled:
        _mark_mfa_enabled(store, user, client, "mfa_challenge_answered")
    _activity(store, client, "sign_in", email)
    return _release(store, user, result)


def _cognito_username(tokens: Tokens, user: User) -> str:
    try:
        return identity.token_username(tokens.access_token)
    except ValueError:
        return user.id  # in our pool the username is the sub


def _release(store: Store, user: User, tokens: Tokens) -> dict[str, Any]:
    """Tokens for the client; Cognito's refresh token stays here behind a rotating session handle."""
    handle = None
    if tokens.refresh_token:
        handle = sessions.start(store, user.id, _cognito_username(tokens, user), tokens.refresh_token, time.time())
    return _token_body(tokens, handle)


def _start_mfa_setup(store: Store, user: User, tokens: Tokens, client: Actor) -> dict[str, Any]:
    try:
        secret = identity.associate_totp(tokens.access_token)
    except IdentityError as exc:
        raise AppError(503, "MFA_UNAVAILABLE", "Two-step sign-in cannot be set up right now; try again.") from exc
    session_id = secrets.token_urlsafe(32)
    key = users_repo.mfa_setup_ticket(session_id)
    # The pre-MFA tokens are sealed: a reader of the table (a backup, an export, a console) cannot use them.
    sealed = seal({"access_token": tokens.access_token, "id_token": tokens.id_token,
                   "refresh_token": tokens.refresh_token, "expires_in": tokens.expires_in}, key)
    store.tickets.put(key, {"user_id": user.id, "sealed": sealed}, int(time.time()) + MFA_SETUP_SECONDS)
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


def _bad_code() -> AppError:
    return bad_request("The code is not valid.", FieldProblem("code", "does not match the authenticator"))


def complete_mfa_setup(store: Store, session: str, code: str, client: Actor) -> dict[str, Any]:
    """MFA_SETUP step: the first code from the authenticator enrols TOTP, then the held tokens are released."""
    throttle(store, "login", client_address(client), account=f"setup:{session[:64]}")
    key = users_repo.mfa_setup_ticket(session)
    held = store.tickets.get(key, time.time())
    if held is None:
        raise _session_expired()
    try:
        tokens = open_sealed(str(held.get("sealed", "")), key)
    except BrokenSeal as exc:  # sealed under another key (e.g. a restarted local runtime): start again
        raise _session_expired() from exc
    try:
        identity.verify_totp(tokens["access_token"], code)
    except IdentityError as exc:
        if exc.kind in ("invalid_code", "invalid_parameter"):
            raise _bad_code() from exc
        trouble = provider_trouble(exc)
        if trouble:
            raise trouble from exc
        raise _session_expired() from exc
    if store.tickets.take(key, time.time()) is None:  # single use
        raise _session_expired()
    user = users_repo.get(store, str(held["user_id"]))
    if user is None or not user.enabled:
        raise _session_expired()
    _mark_mfa_enabled(store, user, client, "mfa_enrolled")
    _activity(store, client, "sign_in", user.email)
    return _release(store, user, Tokens(tokens["access_token"], tokens["id_token"], tokens.get("refresh_token"),
                                        int(tokens["expires_in"])))


def answer_mfa(store: Store, email: str, session: str, code: str, client: Actor) -> dict[str, Any]:
    """SOFTWARE_TOKEN_MFA step: the 6-digit code for a user who has TOTP."""
    email = email.strip().lower()
    throttle(store, "login", client_address(client), account=email)
    try:
        result = identity.answer_totp(email, session, code)
    except IdentityError as exc:
        if exc.kind == "invalid_code":
            raise _bad_code() from exc
        trouble = provider_trouble(exc)
        if trouble:
            raise trouble from exc
        raise _session_expired() from exc
    return _finish(store, email, result, client, mfa_answered=True)


def answer_challenge(store: Store, email: str, session: str, new_password: str, client: Actor) -> dict[str, Any]:
    email = email.strip().lower()
    throttle(store, "login", client_address(client), account=email)
    try:
        result = identity.answer_new_password(email, session, new_password)
    except IdentityError as exc:
        if exc.kind == "invalid_parameter":
            raise bad_request("The sign-in session is not valid.",
                              FieldProblem("session", "not a session this service issued")) from exc
        if exc.kind == "invalid_password":
            raise bad_request("The new password does not meet the policy.",
                              FieldProblem("new_password", exc.args[0] if exc.args else "too weak")) from exc
        trouble = provider_trouble(exc)
        if trouble:
            raise trouble from exc
        raise _session_expired() from exc
    return _finish(store, email, result, client, mfa_answered=False)


# -- refresh and sign-out -------------------------------------------------------------------------------------

def _session_ended() -> AppError:
    return unauthorized("The session has ended; sign in again.", code="SESSION_ENDED")


def _superseded() -> AppError:
    return conflict("REFRESH_TOKEN_SUPERSEDED",
                    "This refresh token was just exchanged by another request; use the newer one.")


def _revoke_quietly(cognito_refresh_token: str | None) -> None:
    if not cognito_refresh_token:
        return
    try:
        identity.revoke(cognito_refresh_token)
    except IdentityError:
        # The session item is gone and the cut-off/global sign-out cover the rest; Cognito's own copy
        # expires with its 7-day lifetime at the latest.
        logger.warning("refresh token not revoked at the identity provider")


def refresh(store: Store, refresh_token: str, client: Actor) -> dict[str, Any]:
    presented = sessions.parse(refresh_token)
    throttle(store, "refresh", client_address(client), account=f"session:{presented.session_id}")
    now = time.time()
    session = sessions.find(store, presented, now)
    if session is None:
        raise _session_ended()
    if not session.current:
        if session.superseded and now - session.rotated_at <= sessions.REUSE_GRACE_S:
            raise _superseded()  # two tabs refreshing at once: the other one holds the new token
        if session.superseded:
            # An exchanged token came back later: two parties hold this session. End it for both.
            _revoke_quietly(sessions.end(store, session, now))
            user = users_repo.get(store, session.user_id)
            _activity(store, client, "refresh_token_reused", user.email if user else session.user_id)
        raise _session_ended()
    user = users_repo.get(store, session.user_id)
    if user is None or not user.enabled or session.issued_at < user.tokens_valid_after:
        # Signed out, password reset, disabled or roles changed since this session began.
        _revoke_quietly(sessions.end(store, session, now))
        raise _session_ended()
    try:
        inner = session.inner()
    except BrokenSeal as exc:
        sessions.end(store, session, now)
        raise _session_ended() from exc
    try:
        tokens = identity.refresh(str(inner["refresh_token"]), str(inner["username"]))
    except IdentityError as exc:
        trouble = provider_trouble(exc, "refresh_token")
        if trouble:
            raise trouble from exc  # the session stays: the same request may succeed shortly
        if exc.kind != "invalid_credentials":
            raise
        sessions.end(store, session, now)  # Cognito no longer honours it (revoked, expired, disabled)
        raise _session_ended() from exc
    rotated = sessions.rotate(store, presented, now)
    if rotated is None:
        raise _superseded()
    return _token_body(tokens, rotated)


def logout(store: Store, authorization: str | None, refresh_token: str | None, client: Actor) -> None:
    """Sign-out ends every session of the user (modules.md §1.3 "all at once").

    Either credential is enough: a valid access token, or the refresh token alone — so a client whose
    access token has expired can still end its session (and Cognito's refresh token inside it). The
    cut-off is stored first: access tokens are self-contained JWTs, so from this write on the authorizer
    refuses every token issued up to this second, whatever the identity provider does next.
    """
    from chalicelib.core.authorizer import Denied, authorize

    now = time.time()
    user_id: str | None = None
    if authorization:
        try:
            user_id, _ = authorize(authorization, store)
        except Denied:
            pass  # expired or already revoked: the refresh token may still name the session
    if refresh_token:
        try:
            presented: sessions.Presented | None = sessions.parse(refresh_token)
        except AppError:
            presented = None
        session = sessions.find(store, presented, now) if presented else None
        if session and (session.current or session.superseded) and user_id in (None, session.user_id):
            _revoke_quietly(sessions.end(store, session, now))
            user_id = session.user_id
    user = users_repo.get(store, user_id) if user_id else None
    if user is None:
        return  # nothing (left) to end; sign-out is idempotent
    actor = client.model_copy(update={"id": user.id, "email": user.email, "roles": list(user.roles),
                                      "member_id": user.member_id})
    _cut_off(Ctx(store=store, caller=Caller(actor)), user, "sign_out")
    _sign_out_at_provider(user.email)


def _cut_off(ctx: Ctx, user: User, activity: str, **changes: Any) -> None:
    """Refuse every token issued up to this second (the authorizer and refresh check it), audited."""
    cutoff = int(time.time()) + 1
    for _ in range(3):  # a concurrent change to the user record: read again and retry
        current = users_repo.get(ctx.store, user.id) or user
        updated = replace(current, tokens_valid_after=cutoff, updated_at=ctx.clock().isoformat(), **changes)
        batch = ctx.store.batch()
        batch.put(updated, current.version)
        before = {"tokens_valid_after": current.tokens_valid_after,
                  **{name: getattr(current, name) for name in changes}}
        batch.audit(ctx.audit_entry(AuditAction.UPDATE, "user", user.id, before,
                                    {"tokens_valid_after": cutoff, **changes}, activity=activity))
        try:
            batch.commit()
            return
        except StaleVersion:
            continue
    raise AppError(409, "CONCURRENT_UPDATE", "The account was being changed at the same moment; try again.")


def _sign_out_at_provider(email: str) -> None:
    """Cognito's global sign-out (its refresh tokens and the access tokens it still tracks). Best effort:
    the cut-off already refuses every earlier token here; a failure is logged, not shown."""
    for attempt in range(3):
        try:
            identity.sign_out_everywhere(email)
            return
        except IdentityError as exc:
            if exc.kind not in ("throttled", "unavailable") or attempt == 2:
                logger.warning("global sign-out at the identity provider failed", extra={"kind": exc.kind})
                return
            time.sleep(0.2 * 2**attempt)


# -- password reset ------------------------------------------------------------------------------------------

def forgot_password(store: Store, email: str, client: Actor) -> None:
    throttle(store, "reset", client_address(client))
    try:
        identity.forgot_password(email.strip().lower())
    except IdentityError as exc:
        # Never reveal whether the address has an account; only trouble that has nothing to do with the
        # account (the service is busy or unreachable) is said as it is.
        if exc.kind in ("throttled", "unavailable"):
            trouble = provider_trouble(exc)
            assert trouble is not None
            raise trouble from exc


def confirm_forgot_password(store: Store, email: str, code: str, new_password: str, client: Actor) -> None:
    """A new password with the e-mailed code. Then every session of the account ends (a reset is what a
    person does when they think someone else knows the password) and a sign-in lockout is lifted."""
    throttle(store, "reset", client_address(client))
    email = email.strip().lower()
    try:
        identity.confirm_forgot_password(email, code, new_password)
    except IdentityError as exc:
        if exc.kind == "invalid_password":
            raise bad_request("The new password does not meet the policy.",
                              FieldProblem("new_password", "does not meet the password policy")) from exc
        trouble = provider_trouble(exc)
        if trouble and exc.kind != "invalid_parameter":
            raise trouble from exc
        raise bad_request("The code is not valid.", FieldProblem("code", "invalid or expired")) from exc
    store.counters.clear_failures(lockout_key(email, client))
    user = users_repo.by_email(store, email)
    if user is None:
        return
    actor = client.model_copy(update={"id": user.id, "email": user.email, "roles": list(user.roles),
                                      "member_id": user.member_id})
    _cut_off(Ctx(store=store, caller=Caller(actor)), user, "password_reset", password_reset_at=int(time.time()))
    _sign_out_at_provider(user.email)
