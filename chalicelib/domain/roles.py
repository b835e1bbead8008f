"""Roles are Cognito groups; the set is closed and checked at start-up (modules.md §17, flaw 14)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    DISPATCHER = "dispatcher"
    STAFF = "staff"
    ORGANIZER = "organizer"
    INSTRUCTOR = "instructor"
    MEMBER = "member"


ALL_ROLES: frozenset[Role] = frozenset(Role)
STAFF_ROLES: frozenset[Role] = ALL_ROLES - {Role.MEMBER}
# Roles whose accounts must enrol MFA by default (setting `mfa_required_roles`, §1.2; chalicelib/config.py).
MFA_REQUIRED_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICER, Role.DISPATCHER, Role.STAFF})
# Who may see restricted demographics (§2.1).
DEMOGRAPHICS_READERS: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICER})


def parse_roles(values: list[str] | tuple[str, ...]) -> frozenset[Role]:
    """Unknown group names are ignored: a token can never grant a role that does not exist."""
    known = {r.value for r in Role}
    return frozenset(Role(v) for v in values if v in known)


def needs_mfa(roles: list[str] | tuple[str, ...] | frozenset[str], required: frozenset[str]) -> bool:
    """A user holding any role in `required` must sign in with a second factor (§1.2)."""
    return bool(set(roles) & set(required))
