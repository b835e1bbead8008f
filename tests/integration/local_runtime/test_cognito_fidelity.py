"""infrastructure/local_runtime/cognito_fidelity.py: with the patch, moto treats a confidential app client the
way Cognito does — no client-authenticated call without proof of the secret, the refresh proof computed over
the user's username (the sub), RevokeToken implemented — and leaves public clients alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.core.app_secrets import secret_hash
from infrastructure.local_runtime import cognito_fidelity

PASSWORD = "Correct-Horse-9-battery"


@pytest.fixture(scope="module")
def pool(moto_endpoint: str) -> Iterator[SimpleNamespace]:
    cognito_fidelity.install()
    idp: Any = boto3.client("cognito-idp", endpoint_url=moto_endpoint, region_name="us-west-2",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    name = f"fidelity-{uuid.uuid4().hex[:6]}"
    pool_id = idp.create_user_pool(PoolName=name, UsernameAttributes=["email"])["UserPool"]["Id"]
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    confidential = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web", GenerateSecret=True,
                                               ExplicitAuthFlows=flows)["UserPoolClient"]
    public = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="public", ExplicitAuthFlows=flows)
    email = "fidelity@example.org"
    sub = next(a["Value"] for a in idp.admin_create_user(
        UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}])["User"]["Attributes"] if a["Name"] == "sub")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)
    yield SimpleNamespace(idp=idp, pool_id=pool_id, id=confidential["ClientId"], secret=confidential["ClientSecret"],
                          public_id=public["UserPoolClient"]["ClientId"], email=email, sub=sub)


def _refused(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return str(err.value.response["Error"]["Code"])


def _sign_in(p: SimpleNamespace) -> dict[str, Any]:
    proof = secret_hash(p.email, p.id, p.secret)
    return dict(p.idp.initiate_auth(ClientId=p.id, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": p.email, "PASSWORD": PASSWORD, "SECRET_HASH": proof}))


def test_password_sign_in_needs_the_secret_hash(pool: SimpleNamespace) -> None:
    params = {"USERNAME": pool.email, "PASSWORD": PASSWORD}
    assert _refused(pool.idp.initiate_auth, ClientId=pool.id, AuthFlow="USER_PASSWORD_AUTH",
                    AuthParameters=params) == "NotAuthorizedException"
    wrong = secret_hash(pool.email, pool.id, "not-the-secret")
    assert _refused(pool.idp.initiate_auth, ClientId=pool.id, AuthFlow="USER_PASSWORD_AUTH",
                    AuthParameters={**params, "SECRET_HASH": wrong}) == "NotAuthorizedException"
    assert "AccessToken" in _sign_in(pool)["AuthenticationResult"]
    # A public client is untouched.
    public = pool.idp.initiate_auth(ClientId=pool.public_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
    assert "AccessToken" in public["AuthenticationResult"]


def test_a_username_outside_latin_1_is_an_unknown_user_not_a_server_error(pool: SimpleNamespace) -> None:
    """moto's own secret-hash check encodes latin-1 and answers 500 for other characters; Cognito (and the patch)
    hash UTF-8 and simply find no such user."""
    name = "пользователь@example.org"
    code = _refused(pool.idp.initiate_auth, ClientId=pool.id, AuthFlow="USER_PASSWORD_AUTH",
                    AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD,
                                    "SECRET_HASH": secret_hash(name, pool.id, pool.secret)})
    assert code in ("UserNotFoundException", "NotAuthorizedException")
    pool.idp.forgot_password(ClientId=pool.id, Username=name, SecretHash=secret_hash(name, pool.id, pool.secret))


def test_refresh_proves_the_secret_over_the_username_not_the_sign_in_alias(pool: SimpleNamespace) -> None:
    refresh_token = _sign_in(pool)["AuthenticationResult"]["RefreshToken"]

    def refresh(**extra: str) -> Any:
        return pool.idp.initiate_auth(ClientId=pool.id, AuthFlow="REFRESH_TOKEN_AUTH",
                                      AuthParameters={"REFRESH_TOKEN": refresh_token, **extra})

    assert _refused(refresh) == "NotAuthorizedException"
    assert _refused(refresh, SECRET_HASH=secret_hash(pool.email, pool.id, pool.secret)) == "NotAuthorizedException"
    assert "AccessToken" in refresh(SECRET_HASH=secret_hash(pool.sub, pool.id, pool.secret))["AuthenticationResult"]


def test_password_reset_calls_need_the_secret_hash(pool: SimpleNamespace) -> None:
    assert _refused(pool.idp.forgot_password, ClientId=pool.id, Username=pool.email) == "NotAuthorizedException"
    assert _refused(pool.idp.confirm_forgot_password, ClientId=pool.id, Username=pool.email,
                    ConfirmationCode="123456", Password=PASSWORD) == "NotAuthorizedException"
    proof = secret_hash(pool.email, pool.id, pool.secret)
    pool.idp.forgot_password(ClientId=pool.id, Username=pool.email, SecretHash=proof)
    pool.idp.confirm_forgot_password(ClientId=pool.id, Username=pool.email, ConfirmationCode="123456",
                                     Password=PASSWORD, SecretHash=proof)


def test_revoke_token_needs_the_client_secret_and_ends_the_refresh_token(pool: SimpleNamespace) -> None:
    refresh_token = _sign_in(pool)["AuthenticationResult"]["RefreshToken"]
    assert _refused(pool.idp.revoke_token, Token=refresh_token, ClientId=pool.id) == "NotAuthorizedException"
    pool.idp.revoke_token(Token=refresh_token, ClientId=pool.id, ClientSecret=pool.secret)
    proof = secret_hash(pool.sub, pool.id, pool.secret)
    assert _refused(pool.idp.initiate_auth, ClientId=pool.id, AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": refresh_token, "SECRET_HASH": proof}) == "NotAuthorizedException"
