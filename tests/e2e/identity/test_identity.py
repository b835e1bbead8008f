"""MFA for staff roles (modules.md §1.2) and member portal self-linking (§1.4) against the live runtime.

What these prove locally: the flow (challenge, set-up, tokens only at the end), the enforcement (no tokens
for staff before the second factor, by our API; none at all by calling Cognito directly), sign-up matching, the
single-use code, the one-user-per-member link and the member's scope afterwards. What they cannot prove:
that a wrong TOTP code is refused — moto accepts any 6-digit code (see docs/deploy.md).
"""

from __future__ import annotations

import json
import time
import uuid
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from chalicelib.identity.totp import totp

PASSWORD = "Portal-Test-2026!x"


def _idp(live_runtime: SimpleNamespace) -> Any:
    env = live_runtime.runtime.env
    return boto3.client("cognito-idp", region_name=env["AWS_REGION"], endpoint_url=env["AWS_ENDPOINT_URL"])


def _direct_cognito_login(live_runtime: SimpleNamespace, email: str, password: str) -> str:
    """What anyone could try without our API: USER_PASSWORD_AUTH with the client id found in every token.
    Returns Cognito's error code: the client is confidential, so without the secret's proof it refuses."""
    env = live_runtime.runtime.env
    try:
        _idp(live_runtime).initiate_auth(ClientId=env["USER_POOL_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": email, "PASSWORD": password})
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "tokens or a challenge"


def _new_staff_user(call: Any, live_runtime: SimpleNamespace, role: str) -> tuple[str, str]:
    email = f"new-{role}-{uuid.uuid4().hex[:8]}@example.org"
    r = call("POST", "/users", "admin", json={"email": email, "roles": [role]})
    assert r.status_code == 201, r.text
    _idp(live_runtime).admin_set_user_password(UserPoolId=live_runtime.runtime.env["USER_POOL_ID"], Username=email,
                                               Password=PASSWORD, Permanent=True)
    return email, PASSWORD


def _outbox(live_runtime: SimpleNamespace, to: str) -> list[dict[str, Any]]:
    path = live_runtime.data_dir / "outbox.jsonl"
    if not path.exists():
        return []
    return [m for m in map(json.loads, path.read_text().splitlines()) if m["to"] == to]


def test_staff_sign_in_asks_for_the_authenticator_code_before_any_token(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    """GIVEN an enrolled dispatcher WHEN they sign in THEN the first answer is a TOTP challenge without tokens,
    and the code from the authenticator completes the sign-in."""
    email, password = live_runtime.logins["dispatcher"]
    first = call("POST", "/auth/login", json={"email": email, "password": password})
    assert first.status_code == 200
    body = first.json()
    assert body["challenge"] == "SOFTWARE_TOKEN_MFA" and "access_token" not in body
    bad = call("POST", "/auth/mfa", json={"email": email, "session": body["session"], "code": "12ab"})
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["name"] == "code"
    done = call("POST", "/auth/mfa", json={"email": email, "session": body["session"],
                                           "code": totp(live_runtime.totp_secrets[email])})
    assert done.status_code == 200, done.text
    me = call("GET", "/me", headers={"Authorization": f"Bearer {done.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["user"]["roles"] == ["dispatcher"]


def test_nobody_gets_tokens_or_a_challenge_from_cognito_directly(live_runtime) -> None:  # type: ignore[no-untyped-def]
    for role in ("admin", "member"):
        email, password = live_runtime.logins[role]
        assert _direct_cognito_login(live_runtime, email, password) == "NotAuthorizedException"


def test_a_mfa_answer_with_a_session_we_never_issued_is_401(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    email, _ = live_runtime.logins["staff"]
    r = call("POST", "/auth/mfa", json={"email": email, "session": "x" * 40, "code": "123456"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_SESSION"


def test_new_staff_user_must_set_up_totp_and_cannot_bypass_it(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    """GIVEN a newly invited officer without MFA
    WHEN they sign in THEN they get an MFA_SETUP step (secret + otpauth URI), never tokens;
    AND Cognito refuses to sign them in directly (confidential client), so set-up happens only here;
    WHEN they confirm the first code THEN they get tokens, and from then on Cognito itself asks for the code."""
    email, password = _new_staff_user(call, live_runtime, "officer")
    r = call("POST", "/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200
    setup = r.json()
    assert setup["challenge"] == "MFA_SETUP" and "access_token" not in setup and "refresh_token" not in setup
    assert setup["otpauth_uri"].startswith("otpauth://totp/UnionCore:") and setup["secret_code"] in setup["otpauth_uri"]

    # The pool's MFA is OPTIONAL, so a public client would hand this user tokens directly; ours does not.
    assert _direct_cognito_login(live_runtime, email, password) == "NotAuthorizedException"

    wrong = call("POST", "/auth/mfa/setup", json={"session": "not-a-session", "code": "123456"})
    assert wrong.status_code == 401
    done = call("POST", "/auth/mfa/setup", json={"session": setup["session"], "code": totp(setup["secret_code"])})
    assert done.status_code == 200, done.text
    tokens = done.json()
    assert call("GET", "/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
    again = call("POST", "/auth/mfa/setup", json={"session": setup["session"], "code": totp(setup["secret_code"])})
    assert again.status_code == 401  # the set-up session is single use

    second = call("POST", "/auth/login", json={"email": email, "password": password}).json()
    assert second["challenge"] == "SOFTWARE_TOKEN_MFA"
    audit = call("GET", "/audit", "admin", params={"entity_type": "user", "entity_id": _user_id(call, email)}).json()
    assert any(e.get("extra", {}).get("activity") == "mfa_enrolled" or "mfa_enabled" in e.get("changed_fields", [])
               for e in audit["items"])


def _user_id(call: Any, email: str) -> str:
    cursor = None
    while True:
        page = call("GET", "/users", "admin", params={"limit": 500, **({"cursor": cursor} if cursor else {})}).json()
        for u in page["items"]:
            if u["email"] == email:
                return str(u["id"])
        cursor = page["next_cursor"]
        assert cursor, email


def test_members_and_roles_outside_the_setting_sign_in_without_a_second_step(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    for role in ("member", "organizer"):
        email, password = live_runtime.logins[role]
        body = call("POST", "/auth/login", json={"email": email, "password": password}).json()
        assert "access_token" in body and "challenge" not in body


# -- member portal self-linking -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def unlinked_members(call) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Full records (admin view) of members with no portal account yet."""
    items = call("GET", "/members", "admin", params={"q": "MILLER", "limit": 20}).json()["items"]
    records = [call("GET", f"/members/{m['id']}", "admin").json() for m in items[:6]]
    return [r for r in records if r.get("date_of_birth")]


def _sign_up(call: Any, member: dict[str, Any], email: str, **overrides: Any) -> requests.Response:
    body = {"card_number": member["member_number"], "last_name": member["last_name"],
            "date_of_birth": member["date_of_birth"], "email": email, "password": PASSWORD, **overrides}
    return call("POST", "/auth/sign-up", json=body)  # type: ignore[no-any-return]


def test_sign_up_answers_the_same_whether_or_not_the_details_match(call, live_runtime, unlinked_members) -> None:  # type: ignore[no-untyped-def]
    member = unlinked_members[0]
    email = f"nomatch-{uuid.uuid4().hex[:8]}@example.org"
    wrong_dob = _sign_up(call, member, email, date_of_birth="1901-01-01")
    unknown_card = _sign_up(call, member, email, card_number="0000001")
    assert wrong_dob.status_code == unknown_card.status_code == 202
    assert wrong_dob.json() == unknown_card.json()
    assert _outbox(live_runtime, email) == []  # nothing was sent
    weak = _sign_up(call, member, email, password="short")
    assert weak.status_code == 400 and weak.json()["error"]["fields"][0]["name"] == "password"


def test_sign_up_with_matching_details_links_the_account_after_the_e_mailed_code(  # type: ignore[no-untyped-def]
        call, live_runtime, unlinked_members) -> None:
    member, other = unlinked_members[1], unlinked_members[2]
    email = f"portal-{uuid.uuid4().hex[:8]}@example.org"
    r = _sign_up(call, member, email, last_name=member["last_name"].lower())
    assert r.status_code == 202
    mails = _outbox(live_runtime, email)
    assert len(mails) == 1
    code = next(w for w in mails[0]["text"].replace(".", " ").split() if w.isdigit() and len(w) == 6)
    # Not yet confirmed: the account cannot sign in.
    assert call("POST", "/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401

    wrong = call("POST", "/auth/sign-up/confirm", json={"email": email, "code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400 and wrong.json()["error"]["fields"][0]["name"] == "code"
    ok = call("POST", "/auth/sign-up/confirm", json={"email": email, "code": code})
    assert ok.status_code == 200, ok.text
    assert ok.json()["user"]["member_id"] == member["id"] and ok.json()["user"]["roles"] == ["member"]
    reused = call("POST", "/auth/sign-up/confirm", json={"email": email, "code": code})
    assert reused.status_code == 400  # single use

    tokens = call("POST", "/auth/login", json={"email": email, "password": PASSWORD}).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = call("GET", "/me", headers=auth).json()
    assert me["user"]["member_id"] == member["id"] and me["member"]["id"] == member["id"]
    assert call("GET", f"/members/{member['id']}", headers=auth).status_code == 200
    assert call("GET", f"/members/{other['id']}", headers=auth).status_code == 403
    assert call("GET", "/members", headers=auth).status_code == 403

    # The link is audited, and one user per member: a second sign-up for the same member sends nothing.
    audit = call("GET", "/audit", "admin", params={"entity_type": "user", "entity_id": ok.json()["user"]["id"]})
    assert any(e["action"] == "CREATE" for e in audit.json()["items"])
    second = f"again-{uuid.uuid4().hex[:8]}@example.org"
    assert _sign_up(call, member, second).status_code == 202
    assert _outbox(live_runtime, second) == []


def test_sign_up_is_rate_limited_per_client(call, live_runtime, unlinked_members) -> None:  # type: ignore[no-untyped-def]
    """GIVEN the sign-up limit per client per minute WHEN it is exceeded THEN 429 with Retry-After.
    (The test runtime raises the limit so the other suites can sign up; all local clients are 127.0.0.1.
    Windows are fixed minutes, so the attempts may straddle a boundary: 2 × limit + 1 of them always cross it.)"""
    member = unlinked_members[3]
    statuses = []
    response = None
    for _ in range(2 * int(live_runtime.runtime.env.get("SIGNUP_RATE_PER_MINUTE", "5")) + 1):
        response = _sign_up(call, member, "flood@example.org", date_of_birth="1901-01-01")
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert response is not None and response.status_code == 429, statuses
    assert response.json()["error"]["code"] == "RATE_LIMITED" and int(response.headers["Retry-After"]) >= 1
    time.sleep(int(response.headers["Retry-After"]) + 1)  # leave the window clean for the suites after this one
