"""Cognito user pool adapter. The only module that talks to the identity provider."""

from __future__ import annotations

import functools
import secrets
import string
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from chalicelib.config import get_settings


class IdentityError(Exception):
    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        self.kind = kind  # invalid_credentials | not_found | exists | invalid_password | invalid_code | other


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


@functools.lru_cache(maxsize=1)
def _client() -> Any:
    s = get_settings()
    # Sign-in is interactive: fail fast rather than retrying a broken call for seconds.
    config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=3, read_timeout=10)
    return boto3.client("cognito-idp", region_name=s.aws_region, endpoint_url=s.aws_endpoint_url, config=config)


_CODES = {
    "NotAuthorizedException": "invalid_credentials",
    "UserNotFoundException": "invalid_credentials",
    "UserNotConfirmedException": "invalid_credentials",
    "UsernameExistsException": "exists",
    "InvalidPasswordException": "invalid_password",
    "CodeMismatchException": "invalid_code",
    "ExpiredCodeException": "invalid_code",
    "InvalidParameterException": "invalid_parameter",
    "LimitExceededException": "throttled",
    "TooManyRequestsException": "throttled",
}


def _call(fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise IdentityError(_CODES.get(code, "other"), exc.response.get("Error", {}).get("Message", "")) from exc
    except ParamValidationError as exc:
        # botocore refuses out-of-range values before sending (e.g. a too-short session): bad input.
        raise IdentityError("invalid_parameter", str(exc)) from exc


def _tokens(result: dict[str, Any]) -> Tokens:
    return Tokens(result["AccessToken"], result["IdToken"], result.get("RefreshToken"), int(result["ExpiresIn"]))


def login(email: str, password: str) -> Tokens | Challenge:
    s = get_settings()
    r = _call(_client().initiate_auth, ClientId=s.user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
              AuthParameters={"USERNAME": email, "PASSWORD": password})
    if "ChallengeName" in r:
        return Challenge(r["ChallengeName"], r.get("Session", ""))
    return _tokens(r["AuthenticationResult"])


def answer_new_password(email: str, session: str, new_password: str) -> Tokens:
    s = get_settings()
    r = _call(_client().respond_to_auth_challenge, ClientId=s.user_pool_client_id,
              ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
              ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password})
    return _tokens(r["AuthenticationResult"])


def refresh(refresh_token: str) -> Tokens:
    s = get_settings()
    r = _call(_client().initiate_auth, ClientId=s.user_pool_client_id, AuthFlow="REFRESH_TOKEN_AUTH",
              AuthParameters={"REFRESH_TOKEN": refresh_token})
    return _tokens(r["AuthenticationResult"])


def revoke(refresh_token: str) -> None:
    _call(_client().revoke_token, Token=refresh_token, ClientId=get_settings().user_pool_client_id)


def sign_out_everywhere(username: str) -> None:
    _call(_client().admin_user_global_sign_out, UserPoolId=get_settings().user_pool_id, Username=username)


def forgot_password(email: str) -> None:
    _call(_client().forgot_password, ClientId=get_settings().user_pool_client_id, Username=email)


def confirm_forgot_password(email: str, code: str, new_password: str) -> None:
    _call(_client().confirm_forgot_password, ClientId=get_settings().user_pool_client_id, Username=email,
          ConfirmationCode=code, Password=new_password)


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


def set_groups(email: str, current: list[str], wanted: list[str]) -> None:
    s = get_settings()
    for g in sorted(set(current) - set(wanted)):
        _call(_client().admin_remove_user_from_group, UserPoolId=s.user_pool_id, Username=email, GroupName=g)
    for g in sorted(set(wanted) - set(current)):
        _call(_client().admin_add_user_to_group, UserPoolId=s.user_pool_id, Username=email, GroupName=g)


def set_enabled(email: str, enabled: bool) -> None:
    s = get_settings()
    fn = _client().admin_enable_user if enabled else _client().admin_disable_user
    _call(fn, UserPoolId=s.user_pool_id, Username=email)


def reset_client() -> None:
    _client.cache_clear()
