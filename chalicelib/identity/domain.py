"""Identity records and rules (modules.md §1): the user record beside Cognito, the password policy."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.core.roles import Role


@dataclass
class User:
    id: str  # Cognito sub
    email: str
    roles: list[str]
    created_at: str
    updated_at: str
    member_id: str | None = None
    display_name: str | None = None
    enabled: bool = True
    # Tokens issued before this instant are refused (logout everywhere, password reset, disable, roles).
    tokens_valid_after: int = 0
    # Set by the API when the user has completed TOTP enrolment or answered a TOTP challenge (§1.2).
    mfa_enabled: bool = False
    # When the password was last reset with an e-mailed code (epoch seconds): a sign-in lockout that began
    # before it no longer applies (the reset proved the mailbox).
    password_reset_at: int = 0
    # True from the moment a role or enable/disable change is written here until Cognito has been brought
    # in line (users.py): the table is the authority, Cognito follows it.
    identity_sync_pending: bool = False
    version: int = 1


def roles_problem(roles: list[Role], member_id: str | None) -> tuple[str, str, str] | None:
    """A member account is linked to one member record and holds the member role only (§1.1).
    Returns (field, problem, message) when the combination is refused."""
    if Role.MEMBER in roles and not member_id:
        return "member_id", "required for the member role", "A member account must be linked to a member record."
    if member_id and roles != [Role.MEMBER]:
        return (
            "roles",
            "must be exactly ['member'] when member_id is set",
            "A linked member account holds the member role only.",
        )
    return None


def password_problem(value: str) -> str | None:
    """The pool's password policy (infrastructure/resources.yaml), checked before any lookup so that a weak
    password is refused the same way whether or not the card number matches."""
    if len(value) < 12:
        return "at least 12 characters"
    for pattern, what in (
        (r"[a-z]", "a lower-case letter"),
        (r"[A-Z]", "an upper-case letter"),
        (r"\d", "a number"),
        (r"[^A-Za-z0-9]", "a symbol"),
    ):
        if not re.search(pattern, value):
            return f"must contain {what}"
    return None
