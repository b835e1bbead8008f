"""Identity routes: sign-in and its steps, sign-out, password reset, member portal sign-up, the signed-in
user, and user administration."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import PAGING, Api, Req
from chalicelib.core.roles import ADMINS, EVERYONE
from chalicelib.core.schemas import PageOf, StatusMessage
from chalicelib.core.store import Page, get_store
from chalicelib.identity import portal, sign_in, users
from chalicelib.identity.schemas import (
    ChallengeBody,
    ConfirmForgotBody,
    EmptyBody,
    ForgotBody,
    LoginBody,
    LogoutBody,
    Me,
    MfaBody,
    MfaSetupBody,
    RefreshBody,
    RolesUpdate,
    SignedUp,
    SignInStep,
    SignUp,
    SignUpConfirm,
    UserInvite,
    UserView,
)
from chalicelib.members import service as member_service

api = Api(__name__)


@api.route("/auth/login", "POST", public=True, body=LoginBody, response=SignInStep,
           summary="Sign in with e-mail and password")
def login(req: Req) -> dict[str, Any]:
    return sign_in.login(get_store(), req.body.email, req.body.password, req.actor)


@api.route("/auth/challenge", "POST", public=True, body=ChallengeBody, response=SignInStep,
           summary="Set a new password (first sign-in)")
def challenge(req: Req) -> dict[str, Any]:
    b = req.body
    return sign_in.answer_challenge(get_store(), b.email, b.session, b.new_password, req.actor)


@api.route("/auth/mfa", "POST", public=True, body=MfaBody, response=SignInStep,
           summary="Answer the SOFTWARE_TOKEN_MFA challenge with the authenticator's code")
def mfa(req: Req) -> dict[str, Any]:
    b = req.body
    return sign_in.answer_mfa(get_store(), b.email, b.session, b.code, req.actor)


@api.route("/auth/mfa/setup", "POST", public=True, body=MfaSetupBody, response=SignInStep,
           summary="Finish the MFA_SETUP step: enrol the authenticator with its first code")
def mfa_setup(req: Req) -> dict[str, Any]:
    return sign_in.complete_mfa_setup(get_store(), req.body.session, req.body.code, req.actor)


@api.route("/auth/refresh", "POST", public=True, body=RefreshBody, response=SignInStep,
           summary="New access token from a refresh token")
def refresh(req: Req) -> dict[str, Any]:
    return sign_in.refresh(get_store(), req.body.refresh_token, req.actor)


@api.route("/auth/logout", "POST", public=True, body=LogoutBody, status=204,
           summary="Sign out everywhere: with the access token (Authorization) or the refresh token alone")
def logout(req: Req) -> None:
    # Public so that a client whose access token has expired can still end its session with the refresh
    # token; the access token, when sent, is verified here exactly as the authorizer does.
    sign_in.logout(get_store(), req.headers.get("authorization"), req.body.refresh_token, req.actor)


@api.route("/auth/forgot-password", "POST", public=True, body=ForgotBody, status=202, response=StatusMessage,
           summary="Send a reset code")
def forgot(req: Req) -> dict[str, str]:
    sign_in.forgot_password(get_store(), req.body.email, req.actor)
    return {"status": "sent if the account exists"}


@api.route("/auth/confirm-forgot-password", "POST", public=True, body=ConfirmForgotBody, status=204,
           summary="Set a new password with the reset code")
def confirm_forgot(req: Req) -> None:
    b = req.body
    sign_in.confirm_forgot_password(get_store(), b.email, b.code, b.new_password, req.actor)


@api.route("/auth/sign-up", "POST", public=True, body=SignUp, status=202, response=StatusMessage,
           summary="Member portal: create my account (card number + last name + date of birth; code by e-mail)")
def sign_up(req: Req) -> dict[str, str]:
    return portal.sign_up(get_store(), req.body, req.actor)


@api.route("/auth/sign-up/confirm", "POST", public=True, body=SignUpConfirm, response=SignedUp,
           summary="Member portal: confirm the e-mailed code; links the account to the member")
def sign_up_confirm(req: Req) -> dict[str, Any]:
    return portal.confirm(get_store(), req.body, req.actor)


@api.route("/me", "GET", roles=EVERYONE, response=Me, summary="The signed-in user and, for members, their record")
def me(req: Req) -> dict[str, Any]:
    ctx = req.auth
    a = ctx.caller.actor
    member = None
    if a.member_id:
        member = member_service.view(ctx, member_service.get(ctx, a.member_id))
    return {"user": {"id": a.id, "email": a.email, "roles": a.roles, "member_id": a.member_id},
            "member": member}


@api.route("/users", "GET", roles=ADMINS, query=PAGING, response=PageOf[UserView], summary="Users")
def users_list(req: Req) -> Page[dict[str, Any]]:
    page = users.list_users(req.auth, req.limit, req.cursor)
    return Page([users.user_json(u) for u in page.items], page.next_cursor)


@api.route("/users", "POST", roles=ADMINS, body=UserInvite, status=201, response=UserView,
           summary="Invite a user (temporary password by e-mail)")
def users_invite(req: Req) -> dict[str, Any]:
    return users.user_json(users.invite(req.auth, req.body))


@api.route("/users/{user_id}/roles", "PUT", roles=ADMINS, body=RolesUpdate, response=UserView, summary="Set roles")
def users_roles(req: Req, user_id: str) -> dict[str, Any]:
    return users.user_json(users.set_roles(req.auth, user_id, req.body))


@api.route("/users/{user_id}/disable", "POST", roles=ADMINS, body=EmptyBody, response=UserView,
           summary="Disable a user")
def users_disable(req: Req, user_id: str) -> dict[str, Any]:
    return users.user_json(users.set_enabled(req.auth, user_id, False))


@api.route("/users/{user_id}/enable", "POST", roles=ADMINS, body=EmptyBody, response=UserView,
           summary="Enable a user")
def users_enable(req: Req, user_id: str) -> dict[str, Any]:
    return users.user_json(users.set_enabled(req.auth, user_id, True))

