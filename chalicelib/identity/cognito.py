"""Cognito user pool adapter. The only module that talks to the identity provider.

The app client is confidential: every call Cognito authenticates by client (sign-in, its challenges,
refresh, password reset, token revocation) carries the client secret's proof — `SECRET_HASH` =
Base64(HMAC-SHA256(client secret, username + client id)) — or the secret itself (RevokeToken). Only this
API holds the secret (core/app_secrets.py), so nobody can call Cognito's public sign-in directly with the
client id found in every token and skip our lockout, rate limits and MFA gate. Admin calls are
authorised by IAM and need no hash.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from chalicelib.core import app_secrets
from chalicelib.core.aws import interactive_client
from chalicelib.core.settings import get_settings


class IdentityError(Exception):
    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        # invalid_credentials | exists | invalid_password | invalid_code | invalid_parameter | throttled
        # | limit_exceeded | unavailable | other
        self.kind = kind


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int


@dataclass(frozen=True)
class Challenge:
    name: str
    session: str


def _client() -> Any:
    return interactive_client("cognito-idp")  # sign-in is interactive


_CODES = {
    "NotAuthorizedException": "invalid_credentials",
    "UserNotFoundException": "invalid_credentials",
    "UserNotConfirmedException": "invalid_credentials",
    "UsernameExistsException": "exists",
    "InvalidPasswordException": "invalid_password",
    "CodeMismatchException": "invalid_code",
    "EnableSoftwareTokenMFAException": "invalid_code",
    "ExpiredCodeException": "invalid_code",
    "InvalidParameterException": "invalid_parameter",
    # Cognito's per-user attempt limits (e.g. reset codes) and its request-rate limits.
    "LimitExceededException": "limit_exceeded",
    "TooManyRequestsException": "throttled",
    "TooManyFailedAttemptsException": "limit_exceeded",
    "InternalErrorException": "unavailable",
    "ServiceUnavailableException": "unavailable",
}


def _call(fn: Any, **kwargs: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError  # loaded with the client

    try:
        return fn(**kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        kind = _CODES.get(code) or ("unavailable" if status >= 500 else "other")
        raise IdentityError(kind, exc.response.get("Error", {}).get("Message", "")) from exc
    except ParamValidationError as exc:
        # botocore refuses out-of-range values before sending (e.g. a too-short session): bad input.
        raise IdentityError("invalid_parameter", str(exc)) from exc
    except BotoCoreError as exc:
        # Connection refused, timeouts: the identity provider is out of reach, not the caller's fault.
        raise IdentityError("unavailable", type(exc).__name__) from exc


def _hash_for(username: str) -> dict[str, str]:
    """SECRET_HASH for `username` when the client has a secret (nothing for a public client)."""
    secret = app_secrets.client_secret()  # a 503 if Secrets Manager cannot be read
    if not secret:
        return {}
    return {"SECRET_HASH": app_secrets.secret_hash(username, get_settings().user_pool_client_id, secret)}


def token_username(access_token: str) -> str:
    """The user's Cognito username from an access token Cognito has just handed us (the `username` claim;
    in a pool whose usernames are e-mail addresses it is the user's sub). Read without verification: the
    token came straight from Cognito over TLS, and only the refresh SECRET_HASH uses it."""
    import jwt

    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
        return str(claims.get("username") or claims["sub"])
    except (jwt.PyJWTError, KeyError) as exc:
        raise ValueError("not a Cognito access token") from exc


def _tokens(result: dict[str, Any]) -> Tokens:
    return Tokens(result["AccessToken"], result["IdToken"], result.get("RefreshToken"), int(result["ExpiresIn"]))


def login(email: str, password: str) -> Tokens | Challenge:
    s = get_settings()
    r = _call(_client().initiate_auth, ClientId=s.user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
              AuthParameters={"USERNAME": email, "PASSWORD": password, **_hash_for(email)})
    return _tokens_or_challenge(r)


def _tokens_or_challenge(r: dict[str, Any]) -> Tokens | Challenge:
    if "ChallengeName" in r:
        return Challenge(r["ChallengeName"], r.get("Session", ""))
    return _tokens(r["AuthenticationResult"])


def _respond(challenge: str, session: str, responses: dict[str, str]) -> Tokens | Challenge:
    responses = {**responses, **_hash_for(responses["USERNAME"])}
    r = _call(_client().respond_to_auth_challenge, ClientId=get_settings().user_pool_client_id,
              ChallengeName=challenge, Session=session, ChallengeResponses=responses)
    return _tokens_or_challenge(r)


def answer_new_password(email: str, session: str, new_password: str) -> Tokens | Challenge:
    return _respond("NEW_PASSWORD_REQUIRED", session, {"USERNAME": email, "NEW_PASSWORD": new_password})


def answer_totp(email: str, session: str, code: str) -> Tokens | Challenge:
    """Answer Cognito's SOFTWARE_TOKEN_MFA challenge with the 6-digit code from the authenticator."""
    return _respond("SOFTWARE_TOKEN_MFA", session, {"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code})


def associate_totp(access_token: str) -> str:
    """Start TOTP enrolment: Cognito generates the shared secret (base32) for the authenticator app."""
    return str(_call(_client().associate_software_token, AccessToken=access_token)["SecretCode"])


def verify_totp(access_token: str, code: str) -> None:
    """Finish enrolment: Cognito checks the code against the secret, then TOTP becomes the preferred MFA."""
    r = _call(_client().verify_software_token, AccessToken=access_token, UserCode=code,
              FriendlyDeviceName="UnionCore")
    if r.get("Status") != "SUCCESS":
        raise IdentityError("invalid_code", "the code does not match")
    _call(_client().set_user_mfa_preference, AccessToken=access_token,
          SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})


def otpauth_uri(email: str, secret: str, issuer: str = "UnionCore") -> str:
    """The key URI authenticator apps read (https://github.com/google/google-authenticator/wiki/Key-Uri-Format)."""
    from urllib.parse import quote

    return f"otpauth://totp/{quote(issuer)}:{quote(email)}?secret={secret}&issuer={quote(issuer)}&digits=6&period=30"


def refresh(refresh_token: str, username: str) -> Tokens:
    """New access and id tokens. With a client secret Cognito checks SECRET_HASH over the user's *username*
    (the sub in our pool, see `token_username`), not the e-mail address used to sign in."""
    s = get_settings()
    r = _call(_client().initiate_auth, ClientId=s.user_pool_client_id, AuthFlow="REFRESH_TOKEN_AUTH",
              AuthParameters={"REFRESH_TOKEN": refresh_token, **_hash_for(username)})
    return _tokens(r["AuthenticationResult"])


def revoke(refresh_token: str) -> None:
    """RevokeToken authenticates a confidential client with the secret itself."""
    secret = app_secrets.client_secret()
    extra = {"ClientSecret": secret} if secret else {}
    _call(_client().revoke_token, Token=refresh_token, ClientId=get_settings().user_pool_client_id, **extra)


def sign_out_everywhere(username: str) -> None:
    _call(_client().admin_user_global_sign_out, UserPoolId=get_settings().user_pool_id, Username=username)


def _secret_hash_param(username: str) -> dict[str, str]:
    """The same proof under the parameter name of the password-reset calls (`SecretHash`)."""
    proof = _hash_for(username)
    return {"SecretHash": proof["SECRET_HASH"]} if proof else {}


def forgot_password(email: str) -> None:
    _call(_client().forgot_password, ClientId=get_settings().user_pool_client_id, Username=email,
          **_secret_hash_param(email))


def confirm_forgot_password(email: str, code: str, new_password: str) -> None:
    _call(_client().confirm_forgot_password, ClientId=get_settings().user_pool_client_id, Username=email,
          ConfirmationCode=code, Password=new_password, **_secret_hash_param(email))


def temporary_password() -> str:
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(14))
    return f"{core}a7A!"


def invite(email: str, groups: list[str], member_id: str | None, password: str | None = None,
           permanent: bool = False) -> str:
    """Create the user with a temporary password (e-mailed by Cognito); returns the user's sub."""
    s = get_settings()
    attrs = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    if member_id:
        attrs.append({"Name": "custom:member_id", "Value": member_id})
    r = _call(_client().admin_create_user, UserPoolId=s.user_pool_id, Username=email, UserAttributes=attrs,
              TemporaryPassword=password or temporary_password(), DesiredDeliveryMediums=["EMAIL"])
    if permanent and password:
        _call(_client().admin_set_user_password, UserPoolId=s.user_pool_id, Username=email, Password=password,
              Permanent=True)
    for group in groups:
        _call(_client().admin_add_user_to_group, UserPoolId=s.user_pool_id, Username=email, GroupName=group)
    sub = next(a["Value"] for a in r["User"]["Attributes"] if a["Name"] == "sub")
    return str(sub)


def create_pending_member(email: str, password: str) -> str:
    """A self-registered member portal user (§1.4): permanent password, e-mail not yet verified, and
    disabled until the e-mailed code is confirmed, so it cannot sign in before the link exists."""
    s = get_settings()
    r = _call(_client().admin_create_user, UserPoolId=s.user_pool_id, Username=email, MessageAction="SUPPRESS",
              UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "false"}],
              TemporaryPassword=temporary_password())
    _call(_client().admin_set_user_password, UserPoolId=s.user_pool_id, Username=email, Password=password,
          Permanent=True)
    _call(_client().admin_disable_user, UserPoolId=s.user_pool_id, Username=email)
    return str(next(a["Value"] for a in r["User"]["Attributes"] if a["Name"] == "sub"))


def activate_member(email: str, member_id: str) -> None:
    """After the e-mail code: verified e-mail, member id attribute, member group, enabled."""
    s = get_settings()
    _call(_client().admin_update_user_attributes, UserPoolId=s.user_pool_id, Username=email,
          UserAttributes=[{"Name": "email_verified", "Value": "true"},
                          {"Name": "custom:member_id", "Value": member_id}])
    _call(_client().admin_add_user_to_group, UserPoolId=s.user_pool_id, Username=email, GroupName="member")
    _call(_client().admin_enable_user, UserPoolId=s.user_pool_id, Username=email)


def delete_user(email: str) -> None:
    _call(_client().admin_delete_user, UserPoolId=get_settings().user_pool_id, Username=email)


def sync_user(email: str, roles: list[str], enabled: bool) -> None:
    """Make Cognito match the user record: role groups, enabled flag, and (when disabled) no live session.

    Idempotent, and computed from Cognito's own state rather than from what the table held before, so a
    retry after a partial failure finishes the job instead of repeating half of it."""
    from chalicelib.core.roles import ALL_ROLES

    s = get_settings()
    role_names = {r.value for r in ALL_ROLES}
    def groups_now() -> set[str]:  # pages are fetched while iterating: errors surface inside _call
        pages = _client().get_paginator("admin_list_groups_for_user").paginate(UserPoolId=s.user_pool_id,
                                                                               Username=email)
        return {g["GroupName"] for page in pages for g in page.get("Groups", [])}

    current: set[str] = _call(groups_now)
    if not enabled:
        # Sign-out (Cognito's refresh tokens) while the user is still enabled, then disable: from then on Cognito
        # refuses new sign-ins whatever the groups say. A sign-in squeezed in between gets nothing from the API,
        # which already refuses the user (the record is written first), and nobody else can call Cognito's
        # sign-in without the client secret.
        _call(_client().admin_user_global_sign_out, UserPoolId=s.user_pool_id, Username=email)
        _call(_client().admin_disable_user, UserPoolId=s.user_pool_id, Username=email)
    for g in sorted((current & role_names) - set(roles)):
        _call(_client().admin_remove_user_from_group, UserPoolId=s.user_pool_id, Username=email, GroupName=g)
    for g in sorted(set(roles) - current):
        _call(_client().admin_add_user_to_group, UserPoolId=s.user_pool_id, Username=email, GroupName=g)
    if enabled:
        _call(_client().admin_enable_user, UserPoolId=s.user_pool_id, Username=email)


def reset_client() -> None:
    interactive_client.cache_clear()
