"""Member portal self-registration (modules.md §1.4): a member links their own account by matching
card number + last name + date of birth, then proves the e-mail address with a code (valid 24 h, single use).

Enumeration: the sign-up answer is the same 202 whether or not the details match, the member already has
an account, or the e-mail is taken; only the owner of the e-mail address learns the outcome (a code arrives,
or nothing does). Input problems that do not depend on the table (bad card format, weak password) are 400s.
What stays observable: response time (the matching path calls Cognito and SES) — bounded by the sign-up
rate limit of 5/min per client, held in the table.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import date
from typing import Any

from pydantic import ConfigDict, EmailStr, Field, field_validator

from chalicelib.domain.audit import Actor, AuditAction
from chalicelib.domain.members import Member, name_key
from chalicelib.domain.model import DomainModel
from chalicelib.domain.roles import Role
from chalicelib.errors import DuplicateKey, FieldProblem, bad_request, conflict
from chalicelib.integrations import identity, mail
from chalicelib.integrations.identity import IdentityError
from chalicelib.observability import logger
from chalicelib.services.auth import throttle
from chalicelib.services.context import Caller, Ctx
from chalicelib.services.users import user_json
from chalicelib.store import keys
from chalicelib.store.ports import Store, User

CODE_VALID_SECONDS = 24 * 3600
MAX_CODE_ATTEMPTS = 5
SENT = {"status": "If these details match a member without an account, a code was sent to the e-mail address."}


def password_problem(value: str) -> str | None:
    """The pool's password policy (infrastructure/resources.yaml), checked before any lookup so that a weak
    password is refused the same way whether or not the card number matches."""
    if len(value) < 12:
        return "at least 12 characters"
    for pattern, what in ((r"[a-z]", "a lower-case letter"), (r"[A-Z]", "an upper-case letter"),
                          (r"\d", "a number"), (r"[^A-Za-z0-9]", "a symbol")):
        if not re.search(pattern, value):
            return f"must contain {what}"
    return None


class SignUp(DomainModel):
    model_config = ConfigDict(extra="forbid")
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


class SignUpConfirm(DomainModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    code: str = Field(pattern=r"^\d{6}$", description="6-digit code from the e-mail")


def matches(member: Member | None, last_name: str, date_of_birth: date) -> bool:
    """The record may be linked only if it exists, is not deleted, and both facts agree (case and
    punctuation folded: "O'Brien" matches "OBRIEN")."""
    if member is None or member.deleted_at is not None:
        return False
    return name_key(member.last_name).replace(" ", "") == name_key(last_name).replace(" ", "") \
        and member.date_of_birth == date_of_birth


def _code_hash(email: str, code: str) -> str:
    return hashlib.sha256(f"{email}:{code}".encode()).hexdigest()


def _activity(store: Store, client: Actor, action: str, email: str) -> None:
    ctx = Ctx(store=store, caller=Caller(client))
    store.audit_log.append(ctx.audit_entry(AuditAction.CREATE, "session", email, activity=action))


def sign_up(store: Store, data: SignUp, client: Actor) -> dict[str, str]:
    throttle(store, "signup", client.source_ip or "unknown")
    email = str(data.email).lower()
    member = store.members.get_by_number(data.card_number)
    if not matches(member, data.last_name, data.date_of_birth) or member is None:
        _activity(store, client, "portal_sign_up_no_match", email)
        return SENT
    if store.users.owner_of(keys.member_link_key(member.id)) or store.users.owner_of(keys.user_email_key(email)):
        _activity(store, client, "portal_sign_up_refused", email)
        return SENT
    try:
        sub = identity.create_pending_member(email, data.password)
    except IdentityError as exc:
        if exc.kind != "exists":
            raise
        # A Cognito user without a user record: an earlier sign-up never confirmed. Start it afresh.
        identity.delete_user(email)
        sub = identity.create_pending_member(email, data.password)
    code = f"{secrets.randbelow(10**6):06d}"
    store.tickets.put(keys.signup_ticket(email), {"member_id": member.id, "user_id": sub,
                                                  "code_hash": _code_hash(email, code)},
                      int(time.time()) + CODE_VALID_SECONDS)
    mail.send(email, "Your UnionCore member account code",
              f"Your code is {code}. Enter it in the member portal within 24 hours to finish creating your "
              "account. If you did not ask for this, ignore this e-mail.")
    _activity(store, client, "portal_sign_up_code_sent", email)
    return SENT


def confirm(store: Store, data: SignUpConfirm, client: Actor) -> dict[str, Any]:
    """Check the code (single use), then link user and member in one transaction: two unique markers
    (e-mail, member link), the user record and the audit entry."""
    throttle(store, "signup", client.source_ip or "unknown")
    email = str(data.email).lower()
    now = time.time()
    key = keys.signup_ticket(email)
    invalid = bad_request("The code is not valid.", FieldProblem("code", "invalid or expired"))
    attempts, _ = store.counters.hit(f"signupcode#{email}", CODE_VALID_SECONDS, now)
    held = store.tickets.get(key, now)
    if held is None:
        raise invalid
    if attempts > MAX_CODE_ATTEMPTS:
        store.tickets.take(key, now)  # too many guesses: the code is spent
        raise invalid
    if not hmac.compare_digest(held["code_hash"], _code_hash(email, data.code)):
        raise invalid
    if store.tickets.take(key, now) is None:  # single use: a concurrent confirm won
        raise invalid
    member_id, user_id = str(held["member_id"]), str(held["user_id"])
    member = store.members.get(member_id)
    if member is None or member.deleted_at is not None:
        raise conflict("MEMBER_NOT_AVAILABLE", "This member record can no longer be linked.")
    actor = client.model_copy(update={"id": user_id, "email": email, "roles": [Role.MEMBER.value],
                                      "member_id": member_id})
    ctx = Ctx(store=store, caller=Caller(actor))
    iso = ctx.clock().isoformat()
    user = User(id=user_id, email=email, roles=[Role.MEMBER.value], member_id=member_id, created_at=iso,
                updated_at=iso)
    batch = ctx.store.batch()
    batch.claim(keys.user_email_key(email), user.id)
    batch.claim(keys.member_link_key(member_id), user.id)
    batch.user(user, None)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, "user", user.id, {}, user_json(user),
                                activity="portal_self_link", verified_by="card_name_dob_email_code"))
    try:
        batch.commit()
    except DuplicateKey as exc:
        raise conflict("MEMBER_ALREADY_LINKED", "This member or e-mail already has a portal account.") from exc
    try:
        identity.activate_member(email, member_id)
    except IdentityError:
        logger.exception("portal user linked but not activated in the identity provider")
        raise
    return {"user": user_json(user)}
