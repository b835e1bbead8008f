"""MFA for staff roles (§1.2) and member portal self-linking (§1.4) on the in-memory twin, with the identity
provider and the mailer replaced by fakes (the e2e suite runs the same flows against moto)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from chalicelib.core.settings import reset_settings
from chalicelib.core.audit import Actor
from chalicelib.core.roles import needs_mfa
from chalicelib.identity.totp import totp
from chalicelib.core.errors import AppError
from chalicelib.core import mail
from chalicelib.identity import cognito as identity
from chalicelib.identity.cognito import Challenge, IdentityError, Tokens
from chalicelib.identity import portal
from chalicelib.identity import sign_in as auth
from chalicelib.core.store.memory import MemoryStore
from chalicelib.identity.domain import User
from factories import member
from chalicelib.audit import store as audit_repo
from chalicelib.identity import store as users_repo
from chalicelib.members import store as members_repo

CLIENT = Actor(id="anonymous", source_ip="203.0.113.9", channel="web")
PASSWORD = "Portal-Test-2026!x"


@dataclass
class FakeIdp:
    enrolled: set[str] = field(default_factory=set)
    verified: list[str] = field(default_factory=list)
    created: dict[str, str] = field(default_factory=dict)
    activated: list[tuple[str, str]] = field(default_factory=list)

    def login(self, email: str, password: str) -> Tokens | Challenge:
        if email in self.enrolled:
            return Challenge("SOFTWARE_TOKEN_MFA", f"cognito-session-{email}")
        return Tokens(f"access-{email}", "id", "refresh", 1800)

    def answer_totp(self, email: str, session: str, code: str) -> Tokens:
        if session != f"cognito-session-{email}":
            raise IdentityError("invalid_credentials")
        return Tokens(f"access-mfa-{email}", "id", "refresh", 1800)

    def associate_totp(self, access_token: str) -> str:
        return "JBSWY3DPEHPK3PXP"

    def verify_totp(self, access_token: str, code: str) -> None:
        if code == "000000":
            raise IdentityError("invalid_code")
        self.verified.append(access_token)

    def create_pending_member(self, email: str, password: str) -> str:
        self.created[email] = password
        return f"sub-{email}"

    def activate_member(self, email: str, member_id: str) -> None:
        self.activated.append((email, member_id))


@pytest.fixture
def idp(monkeypatch: pytest.MonkeyPatch) -> FakeIdp:
    fake = FakeIdp()
    for name in ("login", "answer_totp", "associate_totp", "verify_totp", "create_pending_member",
                 "activate_member"):
        monkeypatch.setattr(identity, name, getattr(fake, name))
    return fake


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(mail, "send", lambda to, subject, text: sent.append((to, text)))
    return sent


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def roomy(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Tests that walk a whole sign-up exceed 5 calls a minute from one client: raise the limit."""
    monkeypatch.setenv("SIGNUP_RATE_PER_MINUTE", "100")
    reset_settings()
    yield
    monkeypatch.delenv("SIGNUP_RATE_PER_MINUTE")
    reset_settings()


def _user(store: MemoryStore, email: str, roles: list[str], mfa: bool = False) -> User:
    user = User(id=f"sub-{email}", email=email, roles=roles, created_at="t", updated_at="t", mfa_enabled=mfa)
    batch = store.batch()
    batch.create_unique(users_repo.user_email_key(email), user.id)
    batch.put(user)
    batch.commit()
    return user


# -- MFA ------------------------------------------------------------------------------------------------------

def test_given_default_settings_when_checking_roles_then_staff_roles_need_mfa_and_members_do_not() -> None:
    from chalicelib.core.settings import get_settings

    required = get_settings().mfa_required_roles
    assert required == {"admin", "officer", "dispatcher", "staff"}
    assert needs_mfa(["dispatcher"], required) and needs_mfa(["member", "officer"], required)
    assert not needs_mfa(["member"], required) and not needs_mfa(["organizer", "instructor"], required)


def test_given_an_unknown_role_in_the_setting_when_the_service_starts_then_it_refuses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from chalicelib.core.settings import Settings

    monkeypatch.setenv("MFA_REQUIRED_ROLES", "admin,superuser")
    with pytest.raises(ValidationError):
        Settings.from_env()


def test_given_a_staff_user_without_mfa_when_signing_in_then_mfa_setup_and_no_tokens(
        store: MemoryStore, idp: FakeIdp) -> None:
    _user(store, "clerk@example.org", ["staff"])
    body = auth.login(store, "clerk@example.org", PASSWORD, CLIENT)
    assert body["challenge"] == "MFA_SETUP"
    assert not {"access_token", "id_token", "refresh_token"} & set(body)
    assert body["secret_code"] == "JBSWY3DPEHPK3PXP"
    assert body["otpauth_uri"] == ("otpauth://totp/UnionCore:clerk%40example.org?secret=JBSWY3DPEHPK3PXP"
                                   "&issuer=UnionCore&digits=6&period=30")


def test_given_the_setup_step_when_the_first_code_is_confirmed_then_tokens_and_the_user_is_enrolled_once(
        store: MemoryStore, idp: FakeIdp) -> None:
    user = _user(store, "clerk@example.org", ["staff"])
    setup = auth.login(store, "clerk@example.org", PASSWORD, CLIENT)
    with pytest.raises(AppError) as wrong:
        auth.complete_mfa_setup(store, setup["session"], "000000", CLIENT)
    assert wrong.value.status == 400 and wrong.value.fields[0].name == "code"
    tokens = auth.complete_mfa_setup(store, setup["session"], "123456", CLIENT)
    assert tokens["access_token"] == "access-clerk@example.org" and idp.verified == ["access-clerk@example.org"]
    saved = users_repo.get(store, user.id)
    assert saved is not None and saved.mfa_enabled and saved.version == 2
    entry = audit_repo.by_entity(store, "user", user.id, 10, None).items[0]
    assert entry.changed_fields == ["mfa_enabled"] and entry.actor_id == user.id
    with pytest.raises(AppError) as again:
        auth.complete_mfa_setup(store, setup["session"], "123456", CLIENT)
    assert again.value.status == 401 and again.value.code == "INVALID_SESSION"


def _activities(store: MemoryStore, email: str) -> list[str]:
    entries = audit_repo.by_entity(store, "session", email, 50, None).items
    return sorted(str(e.extra.get("activity")) for e in entries)


def test_given_staff_when_only_the_password_is_right_then_the_activity_log_has_no_sign_in_until_the_code(
        store: MemoryStore, idp: FakeIdp) -> None:
    """GIVEN a staff user WHEN the password is accepted THEN `password_accepted` only; the sign-in is
    recorded when the second step hands out tokens (web activity log, §16.2)."""
    _user(store, "clerk@example.org", ["staff"])
    setup = auth.login(store, "clerk@example.org", PASSWORD, CLIENT)
    assert "sign_in" not in _activities(store, "clerk@example.org")
    auth.complete_mfa_setup(store, setup["session"], "123456", CLIENT)
    assert _activities(store, "clerk@example.org").count("sign_in") == 1


def test_given_an_expired_setup_session_when_confirming_then_401(store: MemoryStore, idp: FakeIdp) -> None:
    _user(store, "clerk@example.org", ["staff"])
    setup = auth.login(store, "clerk@example.org", PASSWORD, CLIENT)
    held = store.tickets.get(users_repo.mfa_setup_ticket(setup["session"]), time.time())
    assert held is not None
    store.tickets.put(users_repo.mfa_setup_ticket(setup["session"]), held, int(time.time()) - 1)
    with pytest.raises(AppError) as err:
        auth.complete_mfa_setup(store, setup["session"], "123456", CLIENT)
    assert err.value.status == 401


def test_given_an_enrolled_staff_user_when_signing_in_then_a_totp_challenge_then_tokens(
        store: MemoryStore, idp: FakeIdp) -> None:
    _user(store, "boss@example.org", ["admin"], mfa=True)
    idp.enrolled.add("boss@example.org")
    challenge = auth.login(store, "boss@example.org", PASSWORD, CLIENT)
    assert challenge == {"challenge": "SOFTWARE_TOKEN_MFA", "session": "cognito-session-boss@example.org"}
    tokens = auth.answer_mfa(store, "boss@example.org", challenge["session"], "123456", CLIENT)
    assert tokens["access_token"] == "access-mfa-boss@example.org"
    with pytest.raises(AppError) as err:
        auth.answer_mfa(store, "boss@example.org", "forged", "123456", CLIENT)
    assert err.value.status == 401


def test_given_staff_whose_cognito_mfa_vanished_when_signing_in_then_setup_again_not_tokens(
        store: MemoryStore, idp: FakeIdp) -> None:
    """The flag on the user record never replaces the challenge: no challenge from Cognito means set-up."""
    _user(store, "boss@example.org", ["admin"], mfa=True)
    assert auth.login(store, "boss@example.org", PASSWORD, CLIENT)["challenge"] == "MFA_SETUP"


def test_given_a_member_or_organizer_when_signing_in_then_tokens_without_a_second_step(
        store: MemoryStore, idp: FakeIdp) -> None:
    _user(store, "m@example.org", ["member"])
    _user(store, "o@example.org", ["organizer"])
    assert "access_token" in auth.login(store, "m@example.org", PASSWORD, CLIENT)
    assert "access_token" in auth.login(store, "o@example.org", PASSWORD, CLIENT)


def test_given_the_setting_without_staff_when_a_clerk_signs_in_then_tokens(
        store: MemoryStore, idp: FakeIdp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MFA_REQUIRED_ROLES", "admin")
    reset_settings()
    try:
        _user(store, "clerk@example.org", ["staff"])
        assert "access_token" in auth.login(store, "clerk@example.org", PASSWORD, CLIENT)
    finally:
        monkeypatch.delenv("MFA_REQUIRED_ROLES")
        reset_settings()


def test_given_the_rfc_6238_test_secret_when_computing_a_code_then_the_published_value() -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890"
    assert totp(secret, at=59, digits=8) == "94287082"
    assert totp(secret, at=1111111109, digits=8) == "07081804"
    assert totp("asdfasdfasdf", at=0).isdigit()  # moto's fixed secret decodes too


# -- member portal self-linking -------------------------------------------------------------------------------

def _member(store: MemoryStore, **over: Any) -> Any:
    m = member(last_name="O'BRIEN", date_of_birth=date(1980, 1, 1), **over)
    batch = store.batch()
    batch.create_unique(members_repo.member_number_key(m.member_number), m.id)
    batch.put(m)
    batch.commit()
    return m


def _signup(m: Any, email: str = "pat@example.org", **over: Any) -> portal.SignUp:
    data = {"card_number": m.member_number, "last_name": "o'brien", "date_of_birth": "1980-01-01",
            "email": email, "password": PASSWORD, **over}
    return portal.SignUp.model_validate(data)


def _code(outbox: list[tuple[str, str]]) -> str:
    return next(w for w in outbox[-1][1].replace(".", " ").split() if w.isdigit() and len(w) == 6)


def test_given_matching_details_when_signing_up_then_a_code_is_mailed_and_confirming_links_the_member(
        store: MemoryStore, idp: FakeIdp, outbox: list[tuple[str, str]]) -> None:
    m = _member(store)
    assert portal.sign_up(store, _signup(m, email="Pat@Example.org"), CLIENT) == portal.SENT
    assert idp.created == {"pat@example.org": PASSWORD} and outbox[0][0] == "pat@example.org"
    linked = portal.confirm(store, portal.SignUpConfirm(email="pat@example.org", code=_code(outbox)), CLIENT)
    user = users_repo.get(store, linked["user"]["id"])
    assert user is not None and user.member_id == m.id and user.roles == ["member"] and not user.mfa_enabled
    assert store.owner_of(users_repo.member_link_key(m.id)) == user.id
    assert store.owner_of(users_repo.user_email_key("pat@example.org")) == user.id
    assert idp.activated == [("pat@example.org", m.id)]
    entry = audit_repo.by_entity(store, "user", user.id, 10, None).items[0]
    assert entry.action.value == "CREATE" and entry.extra["activity"] == "portal_self_link"


@pytest.mark.parametrize("over", [{"last_name": "OBRIAN"}, {"date_of_birth": "1980-01-02"},
                                  {"card_number": "0000001"}])
def test_given_details_that_do_not_match_when_signing_up_then_the_same_answer_and_nothing_is_sent(
        store: MemoryStore, idp: FakeIdp, outbox: list[tuple[str, str]], over: dict[str, str]) -> None:
    m = _member(store)
    assert portal.sign_up(store, _signup(m, **over), CLIENT) == portal.SENT
    assert outbox == [] and idp.created == {}


def test_given_a_deleted_or_already_linked_member_when_signing_up_then_nothing_is_sent(
        store: MemoryStore, idp: FakeIdp, outbox: list[tuple[str, str]]) -> None:
    deleted = _member(store, deleted_at=None)
    gone = deleted.model_copy(update={"deleted_at": deleted.created_at, "version": 1})
    batch = store.batch()
    batch.put(gone, 1)
    batch.commit()
    linked = _member(store)
    batch = store.batch()
    batch.create_unique(users_repo.member_link_key(linked.id), "someone")
    batch.commit()
    assert portal.sign_up(store, _signup(deleted), CLIENT) == portal.SENT
    assert portal.sign_up(store, _signup(linked, email="x@example.org"), CLIENT) == portal.SENT
    assert outbox == []


def test_given_a_weak_password_when_signing_up_then_400_before_any_lookup() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as err:
        portal.SignUp.model_validate({"card_number": "1234567", "last_name": "X", "date_of_birth": "1980-01-01",
                                      "email": "a@example.org", "password": "alllowercase12"})
    assert err.value.errors()[0]["loc"] == ("password",)


def test_given_a_code_when_confirmed_twice_or_wrong_then_400_and_one_user_per_member(
        store: MemoryStore, idp: FakeIdp, outbox: list[tuple[str, str]], roomy: Any) -> None:
    m = _member(store)
    portal.sign_up(store, _signup(m, email="a@example.org"), CLIENT)
    code_a = _code(outbox)
    portal.sign_up(store, _signup(m, email="b@example.org"), CLIENT)  # a second address, before either confirms
    code_b = _code(outbox)
    with pytest.raises(AppError) as wrong:
        portal.confirm(store, portal.SignUpConfirm(email="a@example.org", code=f"{(int(code_a) + 1) % 10**6:06d}"),
                       CLIENT)
    assert wrong.value.status == 400 and wrong.value.fields[0].name == "code"
    portal.confirm(store, portal.SignUpConfirm(email="a@example.org", code=code_a), CLIENT)
    with pytest.raises(AppError) as reused:
        portal.confirm(store, portal.SignUpConfirm(email="a@example.org", code=code_a), CLIENT)
    assert reused.value.status == 400
    with pytest.raises(AppError) as taken:
        portal.confirm(store, portal.SignUpConfirm(email="b@example.org", code=code_b), CLIENT)
    assert taken.value.status == 409 and taken.value.code == "MEMBER_ALREADY_LINKED"


def test_given_too_many_wrong_codes_when_the_right_one_comes_then_it_is_spent(
        store: MemoryStore, idp: FakeIdp, outbox: list[tuple[str, str]], roomy: Any) -> None:
    m = _member(store)
    portal.sign_up(store, _signup(m), CLIENT)
    code = _code(outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(portal.MAX_CODE_ATTEMPTS):
        with pytest.raises(AppError):
            portal.confirm(store, portal.SignUpConfirm(email="pat@example.org", code=wrong), CLIENT)
    with pytest.raises(AppError) as err:
        portal.confirm(store, portal.SignUpConfirm(email="pat@example.org", code=code), CLIENT)
    assert err.value.status == 400 and store.owner_of(users_repo.member_link_key(m.id)) is None


def test_given_five_sign_ups_in_a_minute_when_a_sixth_comes_then_429_with_retry_after(
        store: MemoryStore, idp: FakeIdp, outbox: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    # The default limit, whatever the process environment says (the browser tests' live runtime sets 15).
    monkeypatch.setenv("SIGNUP_RATE_PER_MINUTE", "5")
    m = _member(store)
    for _ in range(5):
        portal.sign_up(store, _signup(m, date_of_birth="1901-01-01"), CLIENT)
    with pytest.raises(AppError) as err:
        portal.sign_up(store, _signup(m, date_of_birth="1901-01-01"), CLIENT)
    assert err.value.status == 429 and int(err.value.headers["Retry-After"]) >= 1


def test_given_a_ticket_when_taken_twice_or_expired_then_only_the_first_take_gets_it(store: MemoryStore) -> None:
    store.tickets.put("TICKET#X#1", {"a": 1}, int(time.time()) + 60)
    assert store.tickets.take("TICKET#X#1", time.time()) == {"a": 1}
    assert store.tickets.take("TICKET#X#1", time.time()) is None
    store.tickets.put("TICKET#X#2", {"a": 2}, int(time.time()) + 60)
    assert store.tickets.get("TICKET#X#2", time.time() + 61) is None
