"""Sign-in hardening (issue 7) on the in-memory twin with a fake identity provider: sessions end at a password
reset, rotating refresh tokens, sign-out with the refresh token alone, per-account-and-client lockout, honest
answers for identity-provider trouble, sealed MFA set-up tickets, no tokens for a user disabled here. The e2e
suite (tests/e2e/identity/test_identity_hardening_e2e.py) runs the same flows on the live runtime."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.audit import store as audit_repo
from chalicelib.core.audit import Actor
from chalicelib.core.errors import AppError
from chalicelib.core.settings import reset_settings
from chalicelib.core.store.memory import MemoryStore
from chalicelib.identity import cognito as identity
from chalicelib.identity import sessions
from chalicelib.identity import sign_in as auth
from chalicelib.identity import store as users_repo
from chalicelib.identity.cognito import Challenge, IdentityError, Tokens
from chalicelib.identity.domain import User

PASSWORD = "Portal-Test-2026!x"
HOME = Actor(id="anonymous", source_ip="198.51.100.7", channel="web")
STRANGER = Actor(id="anonymous", source_ip="203.0.113.66", channel="web")


@dataclass
class Idp:
    """Cognito as the API sees it: refresh tokens it honours, calls it was asked to make, errors to raise."""

    live_refresh: set[str] = field(default_factory=set)
    issued: int = 0
    calls: list[tuple[str, Any]] = field(default_factory=list)
    fail: dict[str, list[IdentityError]] = field(default_factory=dict)
    enrolled: set[str] = field(default_factory=set)

    def _maybe_fail(self, name: str) -> None:
        queue = self.fail.get(name)
        if queue:
            raise queue.pop(0)

    def login(self, email: str, password: str) -> Tokens | Challenge:
        self._maybe_fail("login")
        if password != PASSWORD:
            raise IdentityError("invalid_credentials")
        if email in self.enrolled:
            return Challenge("SOFTWARE_TOKEN_MFA", f"session-{email}")
        self.issued += 1
        token = f"cognito-refresh-{self.issued}"
        self.live_refresh.add(token)
        return Tokens(f"access-{email}-{self.issued}", "id", token, 1800)

    def associate_totp(self, access_token: str) -> str:
        return "JBSWY3DPEHPK3PXP"

    def verify_totp(self, access_token: str, code: str) -> None:
        self.calls.append(("verify_totp", access_token))

    def refresh(self, refresh_token: str, username: str) -> Tokens:
        self._maybe_fail("refresh")
        self.calls.append(("refresh", (refresh_token, username)))
        if refresh_token not in self.live_refresh:
            raise IdentityError("invalid_credentials", "Refresh Token has been revoked")
        return Tokens("access-refreshed", "id", None, 1800)

    def revoke(self, refresh_token: str) -> None:
        self.calls.append(("revoke", refresh_token))
        self.live_refresh.discard(refresh_token)

    def sign_out_everywhere(self, email: str) -> None:
        self._maybe_fail("sign_out_everywhere")
        self.calls.append(("sign_out_everywhere", email))
        self.live_refresh.clear()

    def forgot_password(self, email: str) -> None:
        self._maybe_fail("forgot_password")

    def confirm_forgot_password(self, email: str, code: str, new_password: str) -> None:
        self._maybe_fail("confirm_forgot_password")
        self.calls.append(("confirm_forgot_password", email))

    def sync_user(self, email: str, roles: list[str], enabled: bool) -> None:
        self.calls.append(("sync_user", (email, tuple(roles), enabled)))
        self._maybe_fail("sync_user")

    def called(self, name: str) -> list[Any]:
        return [args for n, args in self.calls if n == name]


@pytest.fixture
def idp(monkeypatch: pytest.MonkeyPatch) -> Idp:
    fake = Idp()
    for name in ("login", "associate_totp", "verify_totp", "refresh", "revoke", "sign_out_everywhere",
                 "forgot_password", "confirm_forgot_password", "sync_user"):
        monkeypatch.setattr(identity, name, getattr(fake, name))
    monkeypatch.setattr(auth.time, "sleep", lambda s: None)
    return fake


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


class Clock:
    """time.time for sign_in and sessions, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = time.time()
        monkeypatch.setattr(auth.time, "time", lambda: self.now)


def _user(store: MemoryStore, email: str, roles: list[str], **over: Any) -> User:
    user = User(id=f"sub-{email}", email=email, roles=roles, created_at="t", updated_at="t", **over)
    batch = store.batch()
    batch.create_unique(users_repo.user_email_key(email), user.id)
    batch.put(user)
    batch.commit()
    return user


def _activities(store: MemoryStore, entity: str, entity_id: str) -> list[str]:
    return [str(e.extra.get("activity")) for e in audit_repo.by_entity(store, entity, entity_id, 50, None).items]


# -- a password reset ends every session (item 1) -------------------------------------------------------------

def test_given_a_signed_in_user_when_the_password_is_reset_then_every_earlier_token_and_session_ends(
        store: MemoryStore, idp: Idp) -> None:
    """GIVEN tokens from a sign-in WHEN the password is reset with the e-mailed code
    THEN the cut-off moves (the authorizer refuses the access token), the refresh token is refused, Cognito
    signs the user out everywhere, and the reset is audited."""
    user = _user(store, "org@example.org", ["organizer"])
    tokens = auth.login(store, "org@example.org", PASSWORD, HOME)
    time.sleep(0.01)
    auth.confirm_forgot_password(store, "org@example.org", "123456", "New-Password-2026!", HOME)
    saved = users_repo.get(store, user.id)
    assert saved is not None and saved.tokens_valid_after > time.time() and saved.password_reset_at > 0
    assert idp.called("sign_out_everywhere") == ["org@example.org"]
    assert "password_reset" in _activities(store, "user", user.id)
    with pytest.raises(AppError) as ended:
        auth.refresh(store, tokens["refresh_token"], HOME)
    assert ended.value.status == 401 and ended.value.code == "SESSION_ENDED"


def test_given_cognito_cannot_sign_out_when_the_password_is_reset_then_the_table_cut_off_still_holds(
        store: MemoryStore, idp: Idp) -> None:
    user = _user(store, "org@example.org", ["organizer"])
    tokens = auth.login(store, "org@example.org", PASSWORD, HOME)
    idp.fail["sign_out_everywhere"] = [IdentityError("unavailable")] * 3
    auth.confirm_forgot_password(store, "org@example.org", "123456", "New-Password-2026!", HOME)
    assert users_repo.get(store, user.id).tokens_valid_after > time.time()  # type: ignore[union-attr]
    with pytest.raises(AppError) as ended:
        auth.refresh(store, tokens["refresh_token"], HOME)
    assert ended.value.status == 401


# -- rotating refresh tokens and sign-out with the refresh token (item 4) ---------------------------------------

def test_given_a_session_when_refreshed_then_a_new_refresh_token_replaces_the_old_one(
        store: MemoryStore, idp: Idp) -> None:
    _user(store, "m@example.org", ["member"])
    first = auth.login(store, "m@example.org", PASSWORD, HOME)["refresh_token"]
    assert not first.startswith("cognito-")  # Cognito's own refresh token never leaves the API
    second = auth.refresh(store, first, HOME)
    assert second["access_token"] == "access-refreshed" and second["refresh_token"] != first
    third = auth.refresh(store, second["refresh_token"], HOME)
    assert third["refresh_token"] not in (first, second["refresh_token"])
    # SECRET_HASH for refresh is computed over the Cognito username (the sub), not the e-mail address.
    assert idp.called("refresh")[0] == ("cognito-refresh-1", "sub-m@example.org")


def test_given_a_rotated_refresh_token_when_presented_again_at_once_then_409_and_the_session_lives(
        store: MemoryStore, idp: Idp) -> None:
    """Two tabs refreshing with the same token at once: the second gets 409, nobody is signed out."""
    _user(store, "m@example.org", ["member"])
    first = auth.login(store, "m@example.org", PASSWORD, HOME)["refresh_token"]
    newer = auth.refresh(store, first, HOME)["refresh_token"]
    with pytest.raises(AppError) as raced:
        auth.refresh(store, first, HOME)
    assert raced.value.status == 409 and raced.value.code == "REFRESH_TOKEN_SUPERSEDED"
    assert "access_token" in auth.refresh(store, newer, HOME)


def test_given_a_rotated_refresh_token_when_it_comes_back_later_then_the_session_ends_for_both_holders(
        store: MemoryStore, idp: Idp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reuse detection: an exchanged token presented after the grace means a copy is elsewhere."""
    clock = Clock(monkeypatch)
    _user(store, "m@example.org", ["member"])
    stolen = auth.login(store, "m@example.org", PASSWORD, HOME)["refresh_token"]
    legit = auth.refresh(store, stolen, HOME)["refresh_token"]
    clock.now += sessions.REUSE_GRACE_S + 1
    with pytest.raises(AppError) as reused:
        auth.refresh(store, stolen, STRANGER)
    assert reused.value.status == 401
    with pytest.raises(AppError) as ended:
        auth.refresh(store, legit, HOME)
    assert ended.value.status == 401 and ended.value.code == "SESSION_ENDED"
    assert idp.called("revoke") == ["cognito-refresh-1"]
    assert "refresh_token_reused" in _activities(store, "session", "m@example.org")


def test_given_an_expired_access_token_when_signing_out_with_the_refresh_token_alone_then_everything_ends(
        store: MemoryStore, idp: Idp) -> None:
    user = _user(store, "m@example.org", ["member"])
    tokens = auth.login(store, "m@example.org", PASSWORD, HOME)
    auth.logout(store, "Bearer expired.or.garbage", tokens["refresh_token"], HOME)
    assert idp.called("revoke") == ["cognito-refresh-1"]
    assert idp.called("sign_out_everywhere") == ["m@example.org"]
    assert users_repo.get(store, user.id).tokens_valid_after > time.time()  # type: ignore[union-attr]
    assert "sign_out" in _activities(store, "user", user.id)
    with pytest.raises(AppError) as ended:
        auth.refresh(store, tokens["refresh_token"], HOME)
    assert ended.value.status == 401


def test_given_nothing_valid_when_signing_out_then_nothing_happens(store: MemoryStore, idp: Idp) -> None:
    auth.logout(store, None, None, HOME)
    auth.logout(store, "Bearer x", "not-a-handle", HOME)
    assert idp.calls == []


def test_given_a_malformed_refresh_token_when_refreshing_then_400_naming_it_and_an_unknown_one_401(
        store: MemoryStore, idp: Idp) -> None:
    with pytest.raises(AppError) as bad:
        auth.refresh(store, "cognito-style-opaque-token", HOME)
    assert bad.value.status == 400 and bad.value.fields[0].name == "refresh_token"
    with pytest.raises(AppError) as unknown:
        auth.refresh(store, "A" * 24 + "." + "B" * 43, HOME)
    assert unknown.value.status == 401 and unknown.value.code == "SESSION_ENDED"


# -- identity-provider trouble is answered honestly (item 4) -------------------------------------------------

@pytest.mark.parametrize(("kind", "status", "code"), [
    ("throttled", 429, "IDENTITY_PROVIDER_BUSY"),
    ("unavailable", 503, "IDENTITY_PROVIDER_UNAVAILABLE"),
    ("invalid_parameter", 400, "VALIDATION_ERROR"),
])
def test_given_identity_provider_trouble_at_sign_in_then_429_503_or_400_not_500(
        store: MemoryStore, idp: Idp, kind: str, status: int, code: str) -> None:
    _user(store, "m@example.org", ["member"])
    idp.fail["login"] = [IdentityError(kind)]
    with pytest.raises(AppError) as err:
        auth.login(store, "m@example.org", PASSWORD, HOME)
    assert (err.value.status, err.value.code) == (status, code)
    if status in (429, 503):
        assert int(err.value.headers["Retry-After"]) >= 1
    else:
        assert err.value.fields[0].name == "email"
    assert store.counters.failures(auth.lockout_key("m@example.org", HOME))[0] == 0  # not a wrong password


@pytest.mark.parametrize(("kind", "status"), [("throttled", 429), ("unavailable", 503), ("invalid_parameter", 400)])
def test_given_identity_provider_trouble_at_refresh_then_an_honest_answer_and_the_session_survives(
        store: MemoryStore, idp: Idp, kind: str, status: int) -> None:
    _user(store, "m@example.org", ["member"])
    handle = auth.login(store, "m@example.org", PASSWORD, HOME)["refresh_token"]
    idp.fail["refresh"] = [IdentityError(kind)]
    with pytest.raises(AppError) as err:
        auth.refresh(store, handle, HOME)
    assert err.value.status == status
    assert "access_token" in auth.refresh(store, handle, HOME)  # the same token works once Cognito does


def test_given_cognito_revoked_the_refresh_token_when_refreshing_then_401_session_ended(
        store: MemoryStore, idp: Idp) -> None:
    _user(store, "m@example.org", ["member"])
    handle = auth.login(store, "m@example.org", PASSWORD, HOME)["refresh_token"]
    idp.live_refresh.clear()
    with pytest.raises(AppError) as err:
        auth.refresh(store, handle, HOME)
    assert (err.value.status, err.value.code) == (401, "SESSION_ENDED")


def test_given_botocore_errors_then_the_adapter_names_them_by_kind() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

    def raising(exc: Exception) -> Any:
        def fn() -> None:
            raise exc
        return fn

    def kind(exc: Exception) -> str:
        with pytest.raises(IdentityError) as err:
            identity._call(raising(exc))
        return err.value.kind

    def client_error(code: str, status: int = 400) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                           "InitiateAuth")

    assert kind(client_error("TooManyRequestsException")) == "throttled"
    assert kind(client_error("LimitExceededException")) == "limit_exceeded"
    assert kind(client_error("InvalidParameterException")) == "invalid_parameter"
    assert kind(client_error("InternalErrorException", 500)) == "unavailable"
    assert kind(client_error("SomethingNew", 503)) == "unavailable"
    assert kind(client_error("NotAuthorizedException")) == "invalid_credentials"
    assert kind(EndpointConnectionError(endpoint_url="https://cognito")) == "unavailable"
    assert kind(ReadTimeoutError(endpoint_url="https://cognito")) == "unavailable"


def test_given_forgot_password_trouble_then_only_account_independent_trouble_is_shown(
        store: MemoryStore, idp: Idp) -> None:
    idp.fail["forgot_password"] = [IdentityError("limit_exceeded")]  # per account: would reveal it exists
    auth.forgot_password(store, "m@example.org", HOME)
    idp.fail["forgot_password"] = [IdentityError("throttled")]
    with pytest.raises(AppError) as err:
        auth.forgot_password(store, "m@example.org", HOME)
    assert err.value.status == 429


# -- lockout by account and client (item 4) ------------------------------------------------------------------

def test_given_a_stranger_failing_five_times_then_only_the_strangers_address_is_locked(
        store: MemoryStore, idp: Idp) -> None:
    """GIVEN an admin account WHEN a stranger fails five times THEN the stranger is locked out, and the admin
    signs in from their own address (a colleague behind the same office address is not affected either)."""
    _user(store, "boss@example.org", ["organizer"])
    statuses = []
    for _ in range(5):
        with pytest.raises(AppError) as failed:
            auth.login(store, "boss@example.org", "guess", STRANGER)
        statuses.append(failed.value.status)
    assert statuses == [401, 401, 401, 401, 429]
    with pytest.raises(AppError) as still:
        auth.login(store, "boss@example.org", PASSWORD, STRANGER)  # even the right password, from there
    assert still.value.status == 429 and still.value.code == "LOCKED_OUT"
    assert "access_token" in auth.login(store, "boss@example.org", PASSWORD, HOME)
    colleague = Actor(id="anonymous", source_ip=STRANGER.source_ip, channel="web")  # same office address
    _user(store, "clerk@example.org", ["organizer"])
    assert "access_token" in auth.login(store, "clerk@example.org", PASSWORD, colleague)


def test_given_forty_staff_behind_one_office_address_when_all_sign_in_within_a_minute_then_none_is_refused(
        store: MemoryStore, idp: Idp, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the default limits WHEN 40 people sign in from one address at 08:00 (some twice) THEN no 429;
    one account hammering from there is limited on its own, and the address has a ceiling."""
    monkeypatch.setenv("LOGIN_RATE_PER_MINUTE", "10")
    monkeypatch.setenv("ADDRESS_RATE_PER_MINUTE", "300")
    reset_settings()
    Clock(monkeypatch)  # one fixed-window minute for the whole test
    office = Actor(id="anonymous", source_ip="192.0.2.10", channel="web")
    for i in range(40):
        _user(store, f"staff{i}@example.org", ["organizer"])
        for _ in range(2):
            assert "access_token" in auth.login(store, f"staff{i}@example.org", PASSWORD, office)
    statuses = []
    for _ in range(11):
        try:
            auth.login(store, "staff0@example.org", PASSWORD, office)
            statuses.append(200)
        except AppError as err:
            statuses.append(err.status)
    assert statuses.count(429) >= 1 and statuses[-1] == 429  # that one account, from there
    assert "access_token" in auth.login(store, "staff1@example.org", PASSWORD, office)  # the others still can
    monkeypatch.setenv("ADDRESS_RATE_PER_MINUTE", "5")
    reset_settings()
    crowded = Actor(id="anonymous", source_ip="192.0.2.99", channel="web")
    for i in range(5):
        auth.login(store, f"staff{i}@example.org", PASSWORD, crowded)
    with pytest.raises(AppError) as ceiling:
        auth.login(store, "staff5@example.org", PASSWORD, crowded)
    assert ceiling.value.status == 429 and int(ceiling.value.headers["Retry-After"]) >= 1


def test_given_a_locked_out_user_when_they_reset_the_password_then_the_lock_is_lifted_everywhere(
        store: MemoryStore, idp: Idp) -> None:
    _user(store, "m@example.org", ["member"])
    office = Actor(id="anonymous", source_ip="192.0.2.10", channel="web")
    for _ in range(5):
        with pytest.raises(AppError):
            auth.login(store, "m@example.org", "typo", office)
    with pytest.raises(AppError) as locked:
        auth.login(store, "m@example.org", PASSWORD, office)
    assert locked.value.code == "LOCKED_OUT"
    auth.confirm_forgot_password(store, "m@example.org", "123456", PASSWORD, HOME)  # from the phone
    assert "access_token" in auth.login(store, "m@example.org", PASSWORD, office)


# -- MFA set-up tickets are sealed (item 4) ------------------------------------------------------------------

def test_given_an_mfa_setup_step_then_the_held_tokens_are_not_readable_in_the_table(
        store: MemoryStore, idp: Idp) -> None:
    _user(store, "clerk@example.org", ["staff"])
    setup = auth.login(store, "clerk@example.org", PASSWORD, HOME)
    key = users_repo.mfa_setup_ticket(setup["session"])
    raw = json.dumps(store.tickets.get(key, time.time()))
    assert "access-clerk" not in raw and "cognito-refresh" not in raw and '"v1.' in raw
    released = auth.complete_mfa_setup(store, setup["session"], "123456", HOME)
    assert released["access_token"].startswith("access-clerk@example.org")
    assert idp.called("verify_totp") == [released["access_token"]]


def test_given_a_user_disabled_here_but_not_yet_in_cognito_when_signing_in_then_no_tokens(
        store: MemoryStore, idp: Idp) -> None:
    _user(store, "t@example.org", ["organizer"], enabled=False)
    with pytest.raises(AppError) as err:
        auth.login(store, "t@example.org", PASSWORD, HOME)
    assert err.value.status == 401 and err.value.code == "INVALID_CREDENTIALS"
