"""Issue 7, identity part, against the live runtime: what a user (or an attacker) meets.

Every test works on users it creates itself, so signing out, resetting or disabling never touches the demo
logins the other suites share. Requests from other client addresses come from other loopback addresses
(127.0.0.x): the local runtime passes the real peer address to the app, as API Gateway does.
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
from requests.adapters import HTTPAdapter

from chalicelib.core.app_secrets import secret_hash
from chalicelib.identity.totp import totp

PASSWORD = "Hardening-Test-2026!"
NEW_PASSWORD = "Hardening-New-2026!x"


class FromAddress(HTTPAdapter):
    """Connect from a given local address (another client, as far as the API can tell)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_at(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def _idp(live_runtime: SimpleNamespace) -> Any:
    env = live_runtime.runtime.env
    return boto3.client("cognito-idp", region_name=env["AWS_REGION"], endpoint_url=env["AWS_ENDPOINT_URL"])


def _new_user(call: Any, live_runtime: SimpleNamespace, *roles: str) -> tuple[str, str]:
    """A fresh user with a permanent password (what an invited user has after the first sign-in)."""
    email = f"hard-{'-'.join(roles)}-{uuid.uuid4().hex[:8]}@example.org"
    r = call("POST", "/users", "admin", json={"email": email, "roles": list(roles)})
    assert r.status_code == 201, r.text
    _idp(live_runtime).admin_set_user_password(UserPoolId=live_runtime.runtime.env["USER_POOL_ID"], Username=email,
                                               Password=PASSWORD, Permanent=True)
    return email, str(r.json()["id"])


def _login(call: Any, email: str, password: str = PASSWORD) -> dict[str, Any]:
    r = call("POST", "/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "access_token" in body, body
    return dict(body)


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


# -- 1. a password reset ends every session issued before it ----------------------------------------------

def test_a_password_reset_refuses_the_access_and_refresh_tokens_issued_before_it(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    """GIVEN a user signed in on some device WHEN they reset their password with the e-mailed code
    THEN the access token and the refresh token from before the reset are refused, and the new password works."""
    email, _ = _new_user(call, live_runtime, "organizer")
    before = _login(call, email)
    assert call("GET", "/me", headers=_bearer(before)).status_code == 200

    assert call("POST", "/auth/forgot-password", json={"email": email}).status_code == 202
    # moto accepts any code that is not one of its own "moto-confirmation-code:" values.
    reset = call("POST", "/auth/confirm-forgot-password",
                 json={"email": email, "code": "123456", "new_password": NEW_PASSWORD})
    assert reset.status_code == 204, reset.text

    assert call("GET", "/me", headers=_bearer(before)).status_code == 401
    refreshed = call("POST", "/auth/refresh", json={"refresh_token": before["refresh_token"]})
    assert refreshed.status_code == 401 and refreshed.json()["error"]["code"] == "SESSION_ENDED"
    time.sleep(1.1)  # the cut-off has whole-second precision: tokens of the reset's own second are refused too
    after = _login(call, email, NEW_PASSWORD)
    assert call("GET", "/me", headers=_bearer(after)).status_code == 200


# -- 3. the app client is confidential -------------------------------------------------------------------------

def test_cognito_refuses_a_direct_sign_in_without_the_client_secret(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    """GIVEN the client id (it is in every token) and a user's password
    WHEN someone calls Cognito directly, skipping the API THEN Cognito refuses: no tokens, no MFA set-up of
    their own, no password-reset codes. Only with the secret, which only the API holds, does the call work."""
    env = live_runtime.runtime.env
    idp = _idp(live_runtime)
    email, _ = _new_user(call, live_runtime, "staff")  # staff without TOTP yet: the case MFA set-up guards
    params = {"USERNAME": email, "PASSWORD": PASSWORD}
    with pytest.raises(ClientError) as direct:
        idp.initiate_auth(ClientId=env["USER_POOL_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
    assert direct.value.response["Error"]["Code"] == "NotAuthorizedException"
    with pytest.raises(ClientError) as reset:
        idp.forgot_password(ClientId=env["USER_POOL_CLIENT_ID"], Username=email)
    assert reset.value.response["Error"]["Code"] == "NotAuthorizedException"

    # What makes the difference is exactly the secret (read here with operator rights, as the template does).
    secret = idp.describe_user_pool_client(UserPoolId=env["USER_POOL_ID"],
                                           ClientId=env["USER_POOL_CLIENT_ID"])["UserPoolClient"]["ClientSecret"]
    proof = secret_hash(email, env["USER_POOL_CLIENT_ID"], secret)
    ok = idp.initiate_auth(ClientId=env["USER_POOL_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={**params, "SECRET_HASH": proof})
    assert "AuthenticationResult" in ok
    assert secret not in json.dumps(env)  # the functions get the secret's ARN, never its value

    # Through the API the same user is sent to MFA set-up, and enrols there.
    setup = call("POST", "/auth/login", json={"email": email, "password": PASSWORD}).json()
    assert setup["challenge"] == "MFA_SETUP"
    done = call("POST", "/auth/mfa/setup", json={"session": setup["session"], "code": totp(setup["secret_code"])})
    assert done.status_code == 200 and call("GET", "/me", headers=_bearer(done.json())).status_code == 200


def test_the_held_pre_mfa_tokens_are_sealed_in_the_table(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    """GIVEN a staff user at the MFA_SETUP step THEN the set-up ticket in the table holds no readable token."""
    env = live_runtime.runtime.env
    email, _ = _new_user(call, live_runtime, "dispatcher")
    setup = call("POST", "/auth/login", json={"email": email, "password": PASSWORD}).json()
    assert setup["challenge"] == "MFA_SETUP"
    ddb = boto3.client("dynamodb", region_name=env["AWS_REGION"], endpoint_url=env["AWS_ENDPOINT_URL"])
    item = ddb.get_item(TableName=env["TABLE_NAME"], ConsistentRead=True,
                        Key={"PK": {"S": f"TICKET#MFASETUP#{setup['session']}"}, "SK": {"S": "TICKET"}})["Item"]
    stored = json.dumps(item)
    assert "eyJ" not in stored  # no JWT (access, id) in clear
    assert '"v1.' in stored
    done = call("POST", "/auth/mfa/setup", json={"session": setup["session"], "code": totp(setup["secret_code"])})
    assert done.status_code == 200, done.text


# -- 4. refresh tokens rotate; sign-out works with the refresh token alone ------------------------------------

def test_a_refresh_hands_out_a_new_refresh_token_and_the_old_one_is_superseded(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    email, _ = _new_user(call, live_runtime, "organizer")
    first = _login(call, email)
    r = call("POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert call("GET", "/me", headers=_bearer(second)).status_code == 200
    again = call("POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "REFRESH_TOKEN_SUPERSEDED"
    third = call("POST", "/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert third.status_code == 200 and third.json()["refresh_token"] not in (first["refresh_token"],
                                                                              second["refresh_token"])


def test_a_refresh_token_that_is_not_ours_is_a_400_naming_it(call) -> None:  # type: ignore[no-untyped-def]
    r = call("POST", "/auth/refresh", json={"refresh_token": "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.x.y"})
    assert r.status_code == 400 and r.json()["error"]["fields"][0]["name"] == "refresh_token"


def test_sign_out_with_only_the_refresh_token_after_the_access_token_expired(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    """GIVEN a session whose access token no longer verifies (expired; here: tampered) WHEN the client signs
    out with the refresh token THEN the session ends: refresh refused, and the access token too."""
    email, _ = _new_user(call, live_runtime, "organizer")
    tokens = _login(call, email)
    expired = tokens["access_token"][:-4] + "AAAA"
    r = call("POST", "/auth/logout", headers={"Authorization": f"Bearer {expired}"},
             json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 204
    assert call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert call("GET", "/me", headers=_bearer(tokens)).status_code == 401


# -- 4. lockout by account and client address -------------------------------------------------------------------

def test_a_strangers_failures_do_not_lock_the_user_out_and_a_reset_lifts_a_lock(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    """GIVEN a user WHEN a stranger (another address) fails five times THEN the stranger is locked out and the
    user still signs in from their own address. WHEN the locked-out address's owner resets the password THEN
    that address may sign in again."""
    email, _ = _new_user(call, live_runtime, "organizer")
    stranger = client_at("127.0.0.9")
    api = live_runtime.api
    codes = [stranger.post(f"{api}/auth/login", json={"email": email, "password": "guess"}, timeout=30).status_code
             for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    locked = stranger.post(f"{api}/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "LOCKED_OUT"
    assert "access_token" in _login(call, email)  # the real user, from their own address

    reset = stranger.post(f"{api}/auth/confirm-forgot-password", timeout=30,
                          json={"email": email, "code": "123456", "new_password": NEW_PASSWORD})
    assert reset.status_code == 204, reset.text
    unlocked = stranger.post(f"{api}/auth/login", json={"email": email, "password": NEW_PASSWORD}, timeout=30)
    assert unlocked.status_code == 200, unlocked.text


# -- 2. roles and disable: the table decides at once -----------------------------------------------------------

def test_a_removed_role_is_gone_at_once_even_while_cognito_still_has_the_group(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    """GIVEN a user with two roles WHEN an admin removes one THEN tokens from before are refused, and a token
    issued later that still carries the removed group (Cognito lagging behind) gets only the kept role."""
    env = live_runtime.runtime.env
    email, user_id = _new_user(call, live_runtime, "instructor", "organizer")
    before = _login(call, email)
    assert sorted(call("GET", "/me", headers=_bearer(before)).json()["user"]["roles"]) == ["instructor", "organizer"]
    r = call("PUT", f"/users/{user_id}/roles", "admin", json={"roles": ["organizer"]})
    assert r.status_code == 200 and r.json()["roles"] == ["organizer"]
    assert r.json()["identity_sync_pending"] is False
    assert call("GET", "/me", headers=_bearer(before)).status_code == 401

    # Cognito out of step with the table (a failed sync, a hand edit): the group is back there.
    _idp(live_runtime).admin_add_user_to_group(UserPoolId=env["USER_POOL_ID"], Username=email,
                                               GroupName="instructor")
    time.sleep(1.1)
    later = _login(call, email)
    assert call("GET", "/me", headers=_bearer(later)).json()["user"]["roles"] == ["organizer"]


def test_disabling_a_user_writes_the_table_then_cognito_and_refuses_the_user_at_once(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    env = live_runtime.runtime.env
    email, user_id = _new_user(call, live_runtime, "organizer")
    tokens = _login(call, email)
    r = call("POST", f"/users/{user_id}/disable", "admin", json={})
    assert r.status_code == 200 and r.json()["enabled"] is False and r.json()["identity_sync_pending"] is False
    assert call("GET", "/me", headers=_bearer(tokens)).status_code == 401
    assert call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    cognito_user = _idp(live_runtime).admin_get_user(UserPoolId=env["USER_POOL_ID"], Username=email)
    assert cognito_user["Enabled"] is False
    assert call("POST", "/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401
    audit = call("GET", "/audit", "admin", params={"entity_type": "user", "entity_id": user_id}).json()["items"]
    assert any("enabled" in e.get("changed_fields", []) for e in audit)
