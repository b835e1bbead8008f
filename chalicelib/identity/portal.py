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
import secrets
import time
from datetime import date
from typing import Any

from chalicelib.core import mail
from chalicelib.core.audit import Actor, AuditAction
from chalicelib.core.context import Caller, Ctx
from chalicelib.core.errors import FieldProblem, bad_request, conflict
from chalicelib.core.observability import logger
from chalicelib.core.roles import Role
from chalicelib.core.store import Store, versioned
from chalicelib.identity import cognito as identity
from chalicelib.identity import store as users_repo
from chalicelib.identity.cognito import IdentityError
from chalicelib.identity.domain import User
from chalicelib.identity.schemas import SignUp, SignUpConfirm
from chalicelib.identity.sign_in import client_address, provider_trouble, throttle
from chalicelib.identity.users import user_json
from chalicelib.members import store as members_repo
from chalicelib.members.domain import Member, name_key

CODE_VALID_SECONDS = 24 * 3600
MAX_CODE_ATTEMPTS = 5
SENT = {"status": "If these details match a member without an account, a code was sent to the e-mail address."}


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
    Ctx(store=store, caller=Caller(client)).audit_event("session", email, activity=action)


def sign_up(store: Store, data: SignUp, client: Actor) -> dict[str, str]:
    throttle(store, "signup", client_address(client))
    email = str(data.email).lower()
    member = members_repo.get_by_number(store, data.card_number)
    if not matches(member, data.last_name, data.date_of_birth) or member is None:
        _activity(store, client, "portal_sign_up_no_match", email)
        return SENT
    if store.owner_of(users_repo.member_link_key(member.id)) or store.owner_of(users_repo.user_email_key(email)):
        _activity(store, client, "portal_sign_up_refused", email)
        return SENT
    try:
        sub = identity.create_pending_member(email, data.password)
    except IdentityError as exc:
        if exc.kind != "exists":
            trouble = provider_trouble(exc, "email")
            if trouble:
                raise trouble from exc
            raise
        # A Cognito user without a user record: an earlier sign-up never confirmed. Start it afresh.
        identity.delete_user(email)
        sub = identity.create_pending_member(email, data.password)
    code = f"{secrets.randbelow(10**6):06d}"
    store.tickets.put(users_repo.signup_ticket(email), {"member_id": member.id, "user_id": sub,
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
    throttle(store, "signup", client_address(client))
    email = str(data.email).lower()
    now = time.time()
    key = users_repo.signup_ticket(email)
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
    member = members_repo.get(store, member_id)
    if member is None or member.deleted_at is not None:
        raise conflict("MEMBER_NOT_AVAILABLE", "This member record can no longer be linked.")
    actor = client.model_copy(update={"id": user_id, "email": email, "roles": [Role.MEMBER.value],
                                      "member_id": member_id})
    ctx = Ctx(store=store, caller=Caller(actor))
    iso = ctx.clock().isoformat()
    user = User(id=user_id, email=email, roles=[Role.MEMBER.value], member_id=member_id, created_at=iso,
                updated_at=iso)
    batch = ctx.store.batch()
    batch.create_unique(users_repo.user_email_key(email), user.id)
    batch.create_unique(users_repo.member_link_key(member_id), user.id)
    batch.put(user)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, "user", user.id, {}, user_json(user),
                                activity="portal_self_link", verified_by="card_name_dob_email_code"))
    versioned.commit(batch, duplicates=lambda _: conflict(
        "MEMBER_ALREADY_LINKED", "This member or e-mail already has a portal account."))
    try:
        identity.activate_member(email, member_id)
    except IdentityError as exc:
        logger.exception("portal user linked but not activated in the identity provider")
        trouble = provider_trouble(exc)
        if trouble:
            raise trouble from exc
        raise
    return {"user": user_json(user)}
