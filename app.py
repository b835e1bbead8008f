"""UnionCore API: thin Chalice routes. Each route declares who may call it and hands over to one
use-case function in chalicelib/services. All logic lives in chalicelib/."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalice import AuthResponse, Chalice, Cron, Response
from pydantic import ConfigDict, Field

from chalicelib.domain.employers import (
    ContactCreate,
    ContractCode,
    ContractCreate,
    ContractUpdate,
    EmployerContactUpdate,
    OrganizationCreate,
    OrganizationUpdate,
    WorksiteCreate,
)
from chalicelib.domain.employment import EmploymentCorrection, EmploymentCreate, EmploymentEnd, NoteCreate, NoteUpdate
from chalicelib.domain.members import (
    CardType,
    Classification,
    ContactUpdate,
    MemberCreate,
    MemberStatus,
    MemberUpdate,
    StatusAction,
)
from chalicelib.domain.model import DomainModel
from chalicelib.domain.roles import Role
from chalicelib.http.api import CURSOR, EVERYONE, LIMIT, MEMBER_READERS, STAFF, Api, QueryParam, Req
from chalicelib.http.authorizer import Denied, authorize
from chalicelib.http.openapi import openapi_document
from chalicelib.config import get_settings
from chalicelib.observability import logger
from chalicelib.services import audit as audit_service
from chalicelib.services import audit_integrity
from chalicelib.services import auth as auth_service
from chalicelib.services import employers as employer_service
from chalicelib.services import member_records
from chalicelib.services import members as member_service
from chalicelib.services import portal as portal_service
from chalicelib.services import users as user_service
from chalicelib.wiring import get_store

app = Chalice(app_name="unioncore")
app.api.binary_types = []  # JSON and CSV only


@app.authorizer(ttl_seconds=0)
def jwt_auth(auth_request: Any) -> AuthResponse:
    try:
        principal, context = authorize(auth_request.token, get_store())
    except Denied as exc:
        logger.info("token refused", extra={"reason": str(exc)})
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(routes=["*"], principal_id=principal, context=context)


# Read straight from the environment: route declarations happen at import, before any request.
api = Api(app, jwt_auth, get_store, allowed_origin=os.environ.get("ALLOWED_ORIGINS", ""))
ADMIN = {Role.ADMIN}
OFFICERS = {Role.ADMIN, Role.OFFICER}
MEMBER_EDITORS = {Role.ADMIN, Role.OFFICER, Role.STAFF, Role.DISPATCHER}
MEMBER_CREATORS = {Role.ADMIN, Role.OFFICER, Role.STAFF}
ORG_READERS = STAFF | {Role.ORGANIZER}


def _require(req: Req) -> Any:
    assert req.ctx is not None  # authenticated routes always carry a context
    return req.ctx


# -- health ---------------------------------------------------------------------------------------

@api.route("/health", "GET", public=True, summary="Liveness")
def health(req: Req) -> dict[str, str]:
    return {"status": "ok"}


@api.route("/health/ready", "GET", public=True, summary="Readiness: the table answers")
def ready(req: Req) -> Any:
    try:
        get_store().ping()
    except Exception:  # noqa: BLE001 - readiness reports, it does not raise
        return Response(body={"status": "unavailable", "checks": {"table": "down"}}, status_code=503)
    return {"status": "ready", "checks": {"table": "ok"}}


@api.route("/openapi.json", "GET", public=True, summary="This API's OpenAPI 3 document")
def openapi(req: Req) -> dict[str, Any]:
    return openapi_document()


# -- auth -----------------------------------------------------------------------------------------

class LoginBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class ChallengeBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    session: str = Field(min_length=1, max_length=4096)
    new_password: str = Field(min_length=1, max_length=256)


TOTP_CODE = r"^\d{6}$"


class MfaBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    session: str = Field(min_length=1, max_length=4096)
    code: str = Field(pattern=TOTP_CODE, description="6-digit code from the authenticator app")


class MfaSetupBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    session: str = Field(min_length=1, max_length=256)
    code: str = Field(pattern=TOTP_CODE, description="first 6-digit code from the authenticator app")


class RefreshBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=8192)


class LogoutBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str | None = Field(default=None, max_length=8192)


class ForgotBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)


class ConfirmForgotBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    code: str = Field(min_length=1, max_length=100)
    new_password: str = Field(min_length=1, max_length=256)


@api.route("/auth/login", "POST", public=True, body=LoginBody, summary="Sign in with e-mail and password")
def login(req: Req) -> dict[str, Any]:
    return auth_service.login(get_store(), req.body.email, req.body.password, req.actor)


@api.route("/auth/challenge", "POST", public=True, body=ChallengeBody, summary="Set a new password (first sign-in)")
def challenge(req: Req) -> dict[str, Any]:
    b = req.body
    return auth_service.answer_challenge(get_store(), b.email, b.session, b.new_password, req.actor)


@api.route("/auth/mfa", "POST", public=True, body=MfaBody,
           summary="Answer the SOFTWARE_TOKEN_MFA challenge with the authenticator's code")
def mfa(req: Req) -> dict[str, Any]:
    b = req.body
    return auth_service.answer_mfa(get_store(), b.email, b.session, b.code, req.actor)


@api.route("/auth/mfa/setup", "POST", public=True, body=MfaSetupBody,
           summary="Finish the MFA_SETUP step: enrol the authenticator with its first code")
def mfa_setup(req: Req) -> dict[str, Any]:
    return auth_service.complete_mfa_setup(get_store(), req.body.session, req.body.code, req.actor)


@api.route("/auth/refresh", "POST", public=True, body=RefreshBody, summary="New access token from a refresh token")
def refresh(req: Req) -> dict[str, Any]:
    return auth_service.refresh(get_store(), req.body.refresh_token, req.actor)


@api.route("/auth/logout", "POST", roles=EVERYONE, body=LogoutBody, status=204, summary="Sign out")
def logout(req: Req) -> None:
    auth_service.logout(_require(req), req.body.refresh_token)


@api.route("/auth/forgot-password", "POST", public=True, body=ForgotBody, status=202, summary="Send a reset code")
def forgot(req: Req) -> dict[str, str]:
    auth_service.forgot_password(get_store(), req.body.email, req.actor)
    return {"status": "sent if the account exists"}


@api.route("/auth/confirm-forgot-password", "POST", public=True, body=ConfirmForgotBody, status=204,
           summary="Set a new password with the reset code")
def confirm_forgot(req: Req) -> None:
    b = req.body
    auth_service.confirm_forgot_password(get_store(), b.email, b.code, b.new_password, req.actor)


@api.route("/auth/sign-up", "POST", public=True, body=portal_service.SignUp, status=202,
           summary="Member portal: create my account (card number + last name + date of birth; code by e-mail)")
def sign_up(req: Req) -> dict[str, str]:
    return portal_service.sign_up(get_store(), req.body, req.actor)


@api.route("/auth/sign-up/confirm", "POST", public=True, body=portal_service.SignUpConfirm,
           summary="Member portal: confirm the e-mailed code; links the account to the member")
def sign_up_confirm(req: Req) -> dict[str, Any]:
    return portal_service.confirm(get_store(), req.body, req.actor)


# -- me -------------------------------------------------------------------------------------------

@api.route("/me", "GET", roles=EVERYONE, summary="The signed-in user and, for members, their record")
def me(req: Req) -> dict[str, Any]:
    ctx = _require(req)
    a = ctx.caller.actor
    member = None
    if a.member_id:
        member = member_service.view(ctx, member_service.get(ctx, a.member_id))
    return {"user": {"id": a.id, "email": a.email, "roles": a.roles, "member_id": a.member_id},
            "member": member}


@api.route("/me", "PATCH", roles={Role.MEMBER}, body=ContactUpdate, summary="Change my contact details")
def me_update(req: Req) -> dict[str, Any]:
    ctx = _require(req)
    return member_service.view(ctx, member_service.update_own_contact(ctx, req.body))


# -- members --------------------------------------------------------------------------------------

MEMBER_FILTERS = (
    QueryParam("q", description="7-digit card number, e-mail, or last-name prefix ('LAST, FIRST')"),
    QueryParam("status", enum=tuple(s.value for s in MemberStatus)),
    QueryParam("classification", enum=tuple(c.value for c in Classification)),
    QueryParam("card_type", enum=tuple(c.value for c in CardType)),
    QueryParam("include_deleted", "boolean"),
    LIMIT,
    CURSOR,
)


@api.route("/members", "GET", roles=MEMBER_READERS, query=MEMBER_FILTERS, summary="Search members")
def members_list(req: Req) -> dict[str, Any]:
    ctx, q = _require(req), req.query
    include_deleted = bool(q.get("include_deleted")) and ctx.caller.has_any(Role.ADMIN, Role.OFFICER, Role.STAFF)
    page = member_service.search(ctx, q.get("q"), q.get("status"), q.get("classification"), q.get("card_type"),
                                 include_deleted, q.get("limit", 50), q.get("cursor"))
    return {"items": [m.model_dump(mode="json") for m in page.items], "next_cursor": page.next_cursor}


@api.route("/members", "POST", roles=MEMBER_CREATORS, body=MemberCreate, status=201, summary="Create a member")
def members_create(req: Req) -> dict[str, Any]:
    ctx = _require(req)
    return member_service.view(ctx, member_service.create(ctx, req.body))


@api.route("/members/{member_id}", "GET", roles=MEMBER_READERS | {Role.MEMBER}, own="member_id",
           summary="A member's record (audited read)")
def members_get(req: Req, member_id: str) -> dict[str, Any]:
    ctx = _require(req)
    return member_service.view(ctx, member_service.get(ctx, member_id))


@api.route("/members/{member_id}", "PATCH", roles=MEMBER_EDITORS, body=MemberUpdate,
           summary="Update a member (not status or card number)")
def members_update(req: Req, member_id: str) -> dict[str, Any]:
    ctx = _require(req)
    return member_service.view(ctx, member_service.update(ctx, member_id, req.body))


class StatusBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    action: StatusAction
    reason: str = Field(min_length=1, max_length=500)
    version: int = Field(ge=1)


@api.route("/members/{member_id}/status", "POST", roles=MEMBER_CREATORS, body=StatusBody,
           summary="Change membership status through a named action")
def members_status(req: Req, member_id: str) -> dict[str, Any]:
    ctx, b = _require(req), req.body
    return member_service.view(ctx, member_service.change_status(ctx, member_id, b.action, b.reason, b.version))


class DeleteBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)
    version: int = Field(ge=1)


class RestoreBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)


@api.route("/members/{member_id}", "DELETE", roles=OFFICERS | {Role.STAFF}, body=DeleteBody,
           summary="Soft-delete a member")
def members_delete(req: Req, member_id: str) -> dict[str, Any]:
    ctx = _require(req)
    return member_service.view(ctx, member_service.soft_delete(ctx, member_id, req.body.reason, req.body.version))


@api.route("/members/{member_id}/restore", "POST", roles=OFFICERS | {Role.STAFF}, body=RestoreBody,
           summary="Restore a soft-deleted member")
def members_restore(req: Req, member_id: str) -> dict[str, Any]:
    ctx = _require(req)
    return member_service.view(ctx, member_service.restore(ctx, member_id, req.body.version))


@api.route("/members/{member_id}/employment", "GET", roles=MEMBER_READERS | {Role.MEMBER}, own="member_id",
           summary="Employment history")
def employment_list(req: Req, member_id: str) -> dict[str, Any]:
    return {"items": member_records.list_employment(_require(req), member_id)}


@api.route("/members/{member_id}/employment", "POST", roles=MEMBER_CREATORS, body=EmploymentCreate, status=201,
           summary="Add a direct-hire or correction employment record")
def employment_add(req: Req, member_id: str) -> dict[str, Any]:
    return member_records.add_employment(_require(req), member_id, req.body)


@api.route("/members/{member_id}/notes", "GET", roles=MEMBER_READERS, summary="Notes visible to the caller")
def notes_list(req: Req, member_id: str) -> dict[str, Any]:
    return {"items": member_records.list_notes(_require(req), member_id)}


@api.route("/members/{member_id}/notes", "POST", roles=MEMBER_READERS, body=NoteCreate, status=201,
           summary="Add a note")
def notes_add(req: Req, member_id: str) -> dict[str, Any]:
    return member_records.add_note(_require(req), member_id, req.body)


@api.route("/members/{member_id}/employment/{employment_id}/end", "POST", roles=MEMBER_CREATORS, body=EmploymentEnd,
           summary="End a current job (frees the one-current-job marker)")
def employment_end(req: Req, member_id: str, employment_id: str) -> dict[str, Any]:
    return member_records.end_employment(_require(req), member_id, employment_id, req.body)


@api.route("/members/{member_id}/employment/{employment_id}/correct", "POST", roles=MEMBER_CREATORS,
           body=EmploymentCorrection, summary="Correct an employment record (reason required, audited old/new)")
def employment_correct(req: Req, member_id: str, employment_id: str) -> dict[str, Any]:
    return member_records.correct_employment(_require(req), member_id, employment_id, req.body)


@api.route("/members/{member_id}/notes/{note_id}", "PATCH", roles=MEMBER_READERS, body=NoteUpdate,
           summary="Edit a note (author or admin; the previous version is kept)")
def notes_edit(req: Req, member_id: str, note_id: str) -> dict[str, Any]:
    return member_records.edit_note(_require(req), member_id, note_id, req.body)


@api.route("/members/{member_id}/notes/{note_id}", "DELETE", roles=MEMBER_READERS, body=DeleteBody,
           summary="Soft-delete a note (author or admin, reason required)")
def notes_delete(req: Req, member_id: str, note_id: str) -> dict[str, Any]:
    b = req.body
    return member_records.delete_note(_require(req), member_id, note_id, b.reason, b.version)


@api.route("/members/{member_id}/notes/{note_id}/history", "GET", roles=ADMIN,
           summary="A note as it is now and its earlier versions (admin, audited read)")
def notes_history(req: Req, member_id: str, note_id: str) -> dict[str, Any]:
    return member_records.note_history(_require(req), member_id, note_id)


# -- employers ------------------------------------------------------------------------------------

EMPLOYER_FILTERS = (
    QueryParam("q", description="name prefix or employer code"),
    QueryParam("contract_code", enum=tuple(c.value for c in ContractCode)),
    LIMIT,
    CURSOR,
)


@api.route("/employers", "GET", roles=ORG_READERS, query=EMPLOYER_FILTERS, summary="Search employers")
def employers_list(req: Req) -> dict[str, Any]:
    q = req.query
    page = employer_service.search(_require(req), q.get("q"), q.get("contract_code"), q.get("limit", 50),
                                   q.get("cursor"))
    return {"items": [asdict(o) for o in page.items], "next_cursor": page.next_cursor}


@api.route("/employers", "POST", roles=STAFF, body=OrganizationCreate, status=201, summary="Create an employer")
def employers_create(req: Req) -> dict[str, Any]:
    org = employer_service.create(_require(req), req.body)
    return employer_service.org_json(org)


@api.route("/employers/{org_id}", "GET", roles=ORG_READERS, summary="An employer with contracts, contacts, worksites")
def employers_get(req: Req, org_id: str) -> dict[str, Any]:
    return employer_service.get(_require(req), org_id)


@api.route("/employers/{org_id}", "PATCH", roles=STAFF, body=OrganizationUpdate, summary="Update an employer")
def employers_update(req: Req, org_id: str) -> dict[str, Any]:
    return employer_service.org_json(employer_service.update(_require(req), org_id, req.body))


class ContractBody(ContractCreate):
    version: int = Field(ge=1, description="the employer's version")


class ContactBody(ContactCreate):
    version: int = Field(ge=1, description="the employer's version")


class WorksiteBody(WorksiteCreate):
    version: int = Field(ge=1, description="the employer's version")


@api.route("/employers/{org_id}/contracts", "POST", roles=STAFF, body=ContractBody, status=201,
           summary="Add a contract code with dates")
def contracts_add(req: Req, org_id: str) -> dict[str, Any]:
    b = req.body
    return employer_service.add_contract(_require(req), org_id, ContractCreate(
        **b.model_dump(exclude={"version"})), b.version)


@api.route("/employers/{org_id}/contacts", "POST", roles=STAFF, body=ContactBody, status=201, summary="Add a contact")
def contacts_add(req: Req, org_id: str) -> dict[str, Any]:
    b = req.body
    return employer_service.add_contact(_require(req), org_id, ContactCreate(
        **b.model_dump(exclude={"version"})), b.version)


@api.route("/employers/{org_id}/worksites", "POST", roles=STAFF, body=WorksiteBody, status=201,
           summary="Add a worksite")
def worksites_add(req: Req, org_id: str) -> dict[str, Any]:
    b = req.body
    return employer_service.add_worksite(_require(req), org_id, WorksiteCreate(
        **b.model_dump(exclude={"version"})), b.version)


class ContactEditBody(EmployerContactUpdate):
    version: int = Field(ge=1, description="the employer's version")


class ContractEditBody(ContractUpdate):
    version: int = Field(ge=1, description="the employer's version")


class ContractEndBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    expiration_date: date
    version: int = Field(ge=1, description="the employer's version")


class ChildDeleteBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)
    version: int = Field(ge=1, description="the employer's version")


@api.route("/employers/{org_id}/contacts/{contact_id}", "PATCH", roles=STAFF, body=ContactEditBody,
           summary="Edit a contact (making it primary demotes the old primary)")
def contacts_edit(req: Req, org_id: str, contact_id: str) -> dict[str, Any]:
    b = req.body
    changes = EmployerContactUpdate(**b.model_dump(include=b.model_fields_set - {"version"}))
    return employer_service.update_contact(_require(req), org_id, contact_id, changes, b.version)


@api.route("/employers/{org_id}/contacts/{contact_id}", "DELETE", roles=STAFF, body=ChildDeleteBody,
           summary="Remove a contact (soft, reason required)")
def contacts_remove(req: Req, org_id: str, contact_id: str) -> dict[str, Any]:
    b = req.body
    return employer_service.remove_contact(_require(req), org_id, contact_id, b.reason, b.version)


@api.route("/employers/{org_id}/contracts/{contract_id}", "PATCH", roles=STAFF, body=ContractEditBody,
           summary="Edit a contract's dates (no overlap with the same code)")
def contracts_edit(req: Req, org_id: str, contract_id: str) -> dict[str, Any]:
    b = req.body
    changes = ContractUpdate(**b.model_dump(include=b.model_fields_set - {"version"}))
    return employer_service.update_contract(_require(req), org_id, contract_id, changes, b.version)


@api.route("/employers/{org_id}/contracts/{contract_id}/end", "POST", roles=STAFF, body=ContractEndBody,
           summary="End a contract on a date")
def contracts_end(req: Req, org_id: str, contract_id: str) -> dict[str, Any]:
    b = req.body
    return employer_service.end_contract(_require(req), org_id, contract_id, b.expiration_date, b.version)


# -- books ----------------------------------------------------------------------------------------

@api.route("/books", "GET", roles=STAFF, summary="The out-of-work book catalogue (tiers are a column)")
def books_list(req: Req) -> dict[str, Any]:
    rows = _require(req).store.children.list("CATALOG#BOOKS", "book")
    return {"items": [c.data for c in rows]}


# -- audit ----------------------------------------------------------------------------------------

@api.route("/audit", "GET", roles=STAFF | {Role.ORGANIZER, Role.INSTRUCTOR}, query=(
    QueryParam("entity_type"), QueryParam("entity_id"), QueryParam("actor_id"), LIMIT, CURSOR,
), summary="Audit entries by record or by actor")
def audit_list(req: Req) -> dict[str, Any]:
    q = req.query
    return audit_service.query(_require(req), q.get("entity_type"), q.get("entity_id"), q.get("actor_id"),
                               q.get("limit", 50), q.get("cursor"))


@api.route("/audit/export", "GET", roles=ADMIN, query=(QueryParam("from", "date"), QueryParam("to", "date")),
           content_type="text/csv", summary="CSV export of the audit trail (admin)")
def audit_export(req: Req) -> Any:
    today = datetime.now(UTC).date()
    start, end = req.query.get("from", today), req.query.get("to", today)
    csv_text = audit_service.export_csv(_require(req), start, end)
    return Response(body=csv_text, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="audit-{start}-{end}.csv"'})


@api.route("/audit/integrity", "GET", roles=ADMIN, query=(
    QueryParam("from", "date", "first UTC day (default: 7 days before `to`)"),
    QueryParam("to", "date", "last UTC day (default: yesterday)"),
), summary="Verify the audit trail's daily seals and hash chain (admin)")
def audit_integrity_check(req: Req) -> dict[str, Any]:
    end = req.query.get("to", datetime.now(UTC).date() - timedelta(days=1))
    start = req.query.get("from", end - timedelta(days=6) if end.toordinal() > 7 else end)
    return audit_integrity.verify_for_admin(_require(req), start, end)


# EventBridge cron is UTC-only: run hourly at :15 and let the job act in the configured local hour
# (02:15 America/Los_Angeles by default), which keeps the local time right across DST changes.
@app.schedule(Cron(15, "*", "*", "*", "?", "*"), name="audit_seal_nightly",
              description="Seal yesterday's audit entries (UTC day) and verify the chain")
def audit_seal_nightly(event: Any) -> dict[str, Any]:
    s = get_settings()
    return audit_integrity.nightly(get_store(), datetime.now(UTC), s.zone, s.audit_seal_local_hour)


# -- users ----------------------------------------------------------------------------------------

@api.route("/users", "GET", roles=ADMIN, query=(LIMIT, CURSOR), summary="Users")
def users_list(req: Req) -> dict[str, Any]:
    page = user_service.list_users(_require(req), req.query.get("limit", 50), req.query.get("cursor"))
    return {"items": [user_service.user_json(u) for u in page.items], "next_cursor": page.next_cursor}


@api.route("/users", "POST", roles=ADMIN, body=user_service.UserInvite, status=201,
           summary="Invite a user (temporary password by e-mail)")
def users_invite(req: Req) -> dict[str, Any]:
    return user_service.user_json(user_service.invite(_require(req), req.body))


@api.route("/users/{user_id}/roles", "PUT", roles=ADMIN, body=user_service.RolesUpdate, summary="Set roles")
def users_roles(req: Req, user_id: str) -> dict[str, Any]:
    return user_service.user_json(user_service.set_roles(_require(req), user_id, req.body))


class EmptyBody(DomainModel):
    model_config = ConfigDict(extra="forbid")


@api.route("/users/{user_id}/disable", "POST", roles=ADMIN, body=EmptyBody, summary="Disable a user")
def users_disable(req: Req, user_id: str) -> dict[str, Any]:
    return user_service.user_json(user_service.set_enabled(_require(req), user_id, False))


@api.route("/users/{user_id}/enable", "POST", roles=ADMIN, body=EmptyBody, summary="Enable a user")
def users_enable(req: Req, user_id: str) -> dict[str, Any]:
    return user_service.user_json(user_service.set_enabled(_require(req), user_id, True))

