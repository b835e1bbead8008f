"""Request and response bodies of the identity routes: sign-in, MFA, sign-up, password reset, users."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict, EmailStr, Field, field_validator

from chalicelib.core.model import DomainModel
from chalicelib.core.roles import Role
from chalicelib.identity.domain import password_problem

TOTP_CODE = r"^\d{6}$"


class _Body(DomainModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class LoginBody(_Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class ChallengeBody(_Body):
    email: str = Field(min_length=3, max_length=254)
    session: str = Field(min_length=1, max_length=4096)
    new_password: str = Field(min_length=1, max_length=256)


class MfaBody(_Body):
    email: str = Field(min_length=3, max_length=254)
    session: str = Field(min_length=1, max_length=4096)
    code: str = Field(pattern=TOTP_CODE, description="6-digit code from the authenticator app")


class MfaSetupBody(_Body):
    session: str = Field(min_length=1, max_length=256)
    code: str = Field(pattern=TOTP_CODE, description="first 6-digit code from the authenticator app")


class RefreshBody(_Body):
    refresh_token: str = Field(min_length=1, max_length=8192)


class LogoutBody(_Body):
    refresh_token: str | None = Field(default=None, max_length=8192)


class ForgotBody(_Body):
    email: str = Field(min_length=3, max_length=254)


class ConfirmForgotBody(_Body):
    email: str = Field(min_length=3, max_length=254)
    code: str = Field(min_length=1, max_length=100)
    new_password: str = Field(min_length=1, max_length=256)


class SignUp(_Body):
    card_number: str = Field(pattern=r"^\d{7}$", description="7-digit union card number")
    last_name: str = Field(min_length=1, max_length=60)
    date_of_birth: date
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)

    @field_validator("password")
    @classmethod
    def _policy(cls, value: str) -> str:
        problem = password_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class SignUpConfirm(_Body):
    email: EmailStr
    code: str = Field(pattern=r"^\d{6}$", description="6-digit code from the e-mail")


class UserInvite(_Body):
    email: EmailStr
    roles: list[Role] = Field(min_length=1)
    member_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    display_name: str | None = Field(default=None, max_length=100)


class RolesUpdate(_Body):
    roles: list[Role] = Field(min_length=1)


class EmptyBody(_Body):
    pass


# -- responses ------------------------------------------------------------------------------------

class SignInStep(DomainModel):
    """Either tokens, or the next step of the sign-in (`challenge`: NEW_PASSWORD_REQUIRED,
    SOFTWARE_TOKEN_MFA or MFA_SETUP with the authenticator key)."""

    access_token: str | None = None
    id_token: str | None = None
    refresh_token: str | None = None
    expires_in: int | None = None
    token_type: str | None = None
    challenge: str | None = None
    session: str | None = None
    secret_code: str | None = None
    otpauth_uri: str | None = None


class UserView(DomainModel):
    id: str
    email: str
    roles: list[str]
    member_id: str | None = None
    display_name: str | None = None
    enabled: bool = True
    mfa_enabled: bool = False
    # The change is saved and enforced here, but Cognito has not followed yet: send the same change again.
    identity_sync_pending: bool = False
    created_at: str
    updated_at: str
    version: int


class SignedUp(DomainModel):
    user: UserView


class MeUser(DomainModel):
    id: str
    email: str | None = None
    roles: list[str]
    member_id: str | None = None


class Me(DomainModel):
    user: MeUser
    member: dict[str, Any] | None = None
