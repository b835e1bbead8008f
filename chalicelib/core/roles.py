"""Roles are Cognito groups; the set is closed (an unknown group name grants nothing). Every role group
the product uses is named here once; routes declare them, services keep only ownership and field checks."""

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
EVERYONE = ALL_ROLES
ADMINS: frozenset[Role] = frozenset({Role.ADMIN})
# Elected and appointed officers: suspensions, dues decisions, demographics (modules.md §2.1, §17).
OFFICERS: frozenset[Role] = frozenset({Role.ADMIN, Role.OFFICER})
# Who keeps membership records: create members, change membership status, soft-delete.
RECORD_KEEPERS: frozenset[Role] = OFFICERS | {Role.STAFF}
# Who refers members out (referral-rules: "dispatcher", with the officers above them).
DISPATCHERS: frozenset[Role] = OFFICERS | {Role.DISPATCHER}
# The people working in the hall: officers, dispatchers and office staff.
HALL_STAFF: frozenset[Role] = RECORD_KEEPERS | {Role.DISPATCHER}
# Who reads member and employer records and notes: the hall plus organizers.
MEMBER_READERS: frozenset[Role] = HALL_STAFF | {Role.ORGANIZER}
# Every account that is not a member's own (the web app's staff navigation).
STAFF_ACCOUNTS: frozenset[Role] = ALL_ROLES - {Role.MEMBER}
# Who may see restricted demographics (§2.1).
DEMOGRAPHICS_READERS: frozenset[Role] = OFFICERS
# Roles whose accounts must enrol MFA by default (setting `mfa_required_roles`, §1.2).
MFA_REQUIRED_ROLES: frozenset[Role] = HALL_STAFF


def parse_roles(values: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[Role]:
    """Unknown group names are ignored: a token can never grant a role that does not exist."""
    known = {r.value for r in Role}
    return frozenset(Role(v) for v in values if v in known)


def needs_mfa(roles: list[str] | tuple[str, ...] | frozenset[str], required: frozenset[str]) -> bool:
    """A user holding any role in `required` must sign in with a second factor (§1.2)."""
    return bool(set(roles) & set(required))
