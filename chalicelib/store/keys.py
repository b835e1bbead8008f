"""Key builders for the single table (docs/data-model.md). Both store twins use these names."""

from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.errors import FieldProblem, bad_request

PROFILE = "PROFILE"
UNIQUE = "UNIQUE"


def member_pk(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def org_pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def member_number_key(number: str) -> str:
    return f"MEMBERNO#{number}"


def org_code_key(code: str) -> str:
    return f"ORGCODE#{code}"


def member_link_key(member_id: str) -> str:
    """One portal user per member (§1.4)."""
    return f"MEMBERLINK#{member_id}"


def user_email_key(email: str) -> str:
    return f"USEREMAIL#{email.lower()}"


def current_job_key(member_id: str) -> str:
    """At most one current employment record per member (§4.2, invariant)."""
    return f"CURRENTJOB#{member_id}"


def primary_contact_key(org_id: str) -> str:
    """At most one primary contact per organization (§3)."""
    return f"PRIMARYCONTACT#{org_id}"


def mfa_setup_ticket(session_id: str) -> str:
    """A pending TOTP enrolment: the pre-MFA tokens, held server-side for 5 minutes (§1.2)."""
    return f"TICKET#MFASETUP#{session_id}"


def signup_ticket(email: str) -> str:
    """A pending member portal sign-up: the hashed e-mail code, valid 24 hours (§1.3, §1.4)."""
    return f"TICKET#SIGNUP#{email.lower()}"


def audit_pk(entity_type: str, entity_id: str) -> str:
    return f"AUDIT#{entity_type}#{entity_id}"


# Seals live outside AUDIT#* (the audit partitions stay exactly the entries) under their own prefix, which
# the Lambda policy also makes append-only.
AUDIT_SEALS_PK = "SEAL#AUDIT"


def audit_seal_sk(day_iso: str) -> str:
    return f"DAY#{day_iso}"


def audit_seal_part_pk(day_iso: str) -> str:
    return f"SEAL#AUDIT#{day_iso}"


def child_sk(kind: str, sort: str, child_id: str) -> str:
    return f"{kind.upper()}#{sort}#{child_id}"


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """A cursor is opaque to clients; anything we did not issue is a 400 naming the field."""
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict) or not value or not all(
        isinstance(k, str) and isinstance(v, (str, int, dict)) for k, v in value.items()
    ):
        raise bad_request("The cursor is not valid.", FieldProblem("cursor", "not a cursor this API issued"))
    return value
