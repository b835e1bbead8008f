"""Pure rules: validation, status transitions, note visibility, date ranges, audit diffs."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from chalicelib.core.audit import AuditAction, AuditEntry, Reader, diff, shown_to
from chalicelib.employers.domain import normalize_name, ranges_overlap
from chalicelib.notes.domain import NoteVisibility, can_read_note
from chalicelib.members.domain import (
    TRANSITIONS,
    MemberStatus,
    MemberUpdate,
    StatusAction,
    TransitionRefused,
    birth_date_problem,
    name_key,
    next_status,
    normalize_phone,
)
from chalicelib.core.roles import Role, parse_roles
from factories import member_create


def test_card_number_must_be_seven_digits() -> None:
    """GIVEN card numbers of the wrong shape WHEN validated THEN refused naming member_number."""
    for bad in ["123456", "12345678", "12a4567", ""]:
        with pytest.raises(ValidationError) as err:
            member_create(member_number=bad)
        assert err.value.errors()[0]["loc"] == ("member_number",)
    assert member_create(member_number="0012345").member_number == "0012345"  # leading zeros kept


def test_phone_numbers_are_normalized_or_refused() -> None:
    assert normalize_phone("206.555.0100") == "(206) 555-0100"
    assert normalize_phone("+1 (206) 555-0100") == "(206) 555-0100"
    assert normalize_phone("") is None
    with pytest.raises(ValueError):
        normalize_phone("555-0100")


def test_generic_update_cannot_carry_status_or_card_number() -> None:
    """modules.md §2.5: a generic update carrying `status` is refused."""
    with pytest.raises(ValidationError) as err:
        MemberUpdate.model_validate({"version": 1, "status": "suspended"})
    assert err.value.errors()[0]["type"] == "extra_forbidden"
    with pytest.raises(ValidationError):
        MemberUpdate.model_validate({"version": 1, "member_number": "1234567"})


def test_date_of_birth_in_the_future_is_refused() -> None:
    """GIVEN today's date from the clock WHEN a birth date lies after it (or before 1900) THEN it is refused:
    by the rule, and by the model where the bound does not depend on the clock."""
    today = date(2026, 12, 6)
    assert birth_date_problem(date(2999, 1, 1), today) == "must be between 1900-01-01 and today"
    assert birth_date_problem(date(2026, 12, 7), today) is not None
    assert birth_date_problem(date(2026, 12, 6), today) is None
    with pytest.raises(ValidationError):
        member_create(date_of_birth=date(1899, 12, 31).isoformat())


@pytest.mark.parametrize("action", list(StatusAction))
@pytest.mark.parametrize("current", list(MemberStatus))
@pytest.mark.parametrize("role", list(Role))
def test_status_transition_table_is_exhaustive(action: StatusAction, current: MemberStatus, role: Role) -> None:
    """Every (action, status, role) either follows the table or is refused with a reason."""
    allowed_from, target, actors = TRANSITIONS[action]
    roles = frozenset({role})
    if role in actors and current in allowed_from:
        assert next_status(current, action, roles) is target
    else:
        with pytest.raises(TransitionRefused) as err:
            next_status(current, action, roles)
        assert err.value.code == ("FORBIDDEN" if role not in actors else "INVALID_TRANSITION")


def test_staff_cannot_suspend() -> None:
    """modules.md §2.5: the suspend action by a staff user is refused FORBIDDEN."""
    with pytest.raises(TransitionRefused) as err:
        next_status(MemberStatus.ACTIVE, StatusAction.SUSPEND, frozenset({Role.STAFF}))
    assert err.value.code == "FORBIDDEN"


@pytest.mark.parametrize(("visibility", "role", "own", "expected"), [
    (NoteVisibility.STAFF_ONLY, Role.ADMIN, False, True),
    (NoteVisibility.STAFF_ONLY, Role.STAFF, True, True),
    (NoteVisibility.STAFF_ONLY, Role.STAFF, False, False),
    (NoteVisibility.STAFF_ONLY, Role.OFFICER, False, False),
    (NoteVisibility.OFFICERS, Role.OFFICER, False, True),
    (NoteVisibility.OFFICERS, Role.DISPATCHER, True, False),
    (NoteVisibility.ALL_AUTHORIZED, Role.ORGANIZER, False, True),
    (NoteVisibility.ALL_AUTHORIZED, Role.INSTRUCTOR, False, False),
    (NoteVisibility.ALL_AUTHORIZED, Role.MEMBER, False, False),
])
def test_note_visibility_matrix(visibility: NoteVisibility, role: Role, own: bool, expected: bool) -> None:
    assert can_read_note(visibility, "me" if own else "other", "me", frozenset({role})) is expected


def test_contract_ranges_overlap_with_open_ends() -> None:
    d = date.fromisoformat
    assert ranges_overlap(d("2024-01-01"), None, d("2030-01-01"), None)
    assert ranges_overlap(d("2024-01-01"), d("2024-12-31"), d("2024-12-31"), None)
    assert not ranges_overlap(d("2024-01-01"), d("2024-12-31"), d("2025-01-01"), None)


def test_employer_names_compare_like_legacy() -> None:
    assert normalize_name("Acme Electric, Inc.") == normalize_name("ACME  ELECTRIC INC")


def test_name_key_folds_punctuation() -> None:
    assert name_key("O'Brien", "Pat").startswith("O BRIEN|")


def test_diff_lists_changed_fields_only() -> None:
    changed, old, new = diff({"phone": "1", "city": "A", "version": 1}, {"phone": "2", "city": "A", "version": 2})
    assert changed == ["phone"] and old == {"phone": "1"} and new == {"phone": "2"}


def test_sensitive_values_are_redacted_except_for_admin() -> None:
    entry = AuditEntry(id="e1", occurred_at="2026-03-01T12:00:00Z", action=AuditAction.UPDATE,
                       entity_type="organization", entity_id="o1", actor_id="u1",
                       old_values={"tax_id": "123", "city": "A"}, new_values={"tax_id": "456"})
    officer, admin = Reader("u2", frozenset({Role.OFFICER})), Reader("u3", frozenset({Role.ADMIN}))
    assert shown_to(entry, officer)["old_values"] == {"tax_id": "[REDACTED]", "city": "A"}
    assert shown_to(entry, admin)["new_values"] == {"tax_id": "456"}


def test_unknown_groups_grant_nothing() -> None:
    assert parse_roles(["admin", "superuser", "ADMIN"]) == {Role.ADMIN}


def test_cors_allows_exactly_the_site_origin_or_nothing() -> None:
    from chalicelib.core.api import cors_for

    assert cors_for("") is None
    cors = cors_for("https://d123.cloudfront.net")
    assert cors is not None and cors.allow_origin == "https://d123.cloudfront.net"
    assert "Retry-After" in cors.get_access_control_headers()["Access-Control-Expose-Headers"]
