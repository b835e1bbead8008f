"""Pure rules for note edits, employment end/correction and contact/contract edits (modules.md §3–§5)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from chalicelib.employers.domain import EmployerContactUpdate, contract_range_problem
from chalicelib.employment.domain import (
    EmploymentCorrection,
    EmploymentEnd,
    dispatch_sourced,
    job_dates_problem,
    periods_overlap,
)
from chalicelib.notes.domain import NoteUpdate, can_change_note
from chalicelib.core.roles import Role


@pytest.mark.parametrize(("role", "own", "expected"), [
    (Role.ADMIN, False, True), (Role.ADMIN, True, True),
    (Role.OFFICER, True, True), (Role.OFFICER, False, False),
    (Role.STAFF, True, True), (Role.DISPATCHER, False, False), (Role.ORGANIZER, True, True),
    (Role.INSTRUCTOR, True, False), (Role.MEMBER, True, False),
])
def test_GIVEN_a_note_WHEN_someone_changes_it_THEN_only_the_author_or_an_admin_may(
        role: Role, own: bool, expected: bool) -> None:
    assert can_change_note("author", "author" if own else "someone-else", frozenset({role})) is expected


def test_GIVEN_a_job_WHEN_the_end_is_before_the_start_THEN_refused_and_equal_dates_are_fine() -> None:
    start = date(2026, 3, 10)
    assert job_dates_problem(start, date(2026, 3, 9)) == "must not be before the start date"
    assert job_dates_problem(start, start) is None
    assert job_dates_problem(start, None) is None  # current: no end date


def test_GIVEN_two_periods_WHEN_they_touch_or_one_is_open_THEN_they_overlap() -> None:
    assert periods_overlap(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31), None)
    assert periods_overlap(date(2026, 1, 1), None, date(2027, 1, 1), date(2027, 2, 1))
    assert not periods_overlap(date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 1), None)


def test_GIVEN_a_dispatch_record_WHEN_checked_THEN_it_is_dispatch_sourced_and_others_are_not() -> None:
    assert dispatch_sourced({"source": "dispatch"})
    assert not any(dispatch_sourced({"source": s}) for s in ("direct_hire", "import", "correction"))


def test_GIVEN_a_correction_WHEN_the_reason_is_missing_or_blank_THEN_refused_naming_reason() -> None:
    for body in ({"version": 1}, {"version": 1, "reason": "   "}):
        with pytest.raises(ValidationError) as err:
            EmploymentCorrection.model_validate(body)
        assert ("reason",) in [e["loc"] for e in err.value.errors()]
    ok = EmploymentCorrection.model_validate({"version": 1, "reason": "typo", "end_date": None})
    assert ok.model_fields_set == {"version", "reason", "end_date"}  # explicit null = make current


def test_GIVEN_an_end_WHEN_the_rate_has_fractions_of_a_cent_THEN_refused_naming_the_rate() -> None:
    with pytest.raises(ValidationError) as err:
        EmploymentEnd.model_validate({"version": 1, "end_date": "2026-05-01", "end_hourly_rate": "61.255"})
    assert err.value.errors()[0]["loc"] == ("end_hourly_rate",)


def test_GIVEN_a_note_edit_WHEN_text_is_too_long_or_empty_THEN_refused_naming_text() -> None:
    for text in ("", "x" * 10_001):
        with pytest.raises(ValidationError) as err:
            NoteUpdate.model_validate({"version": 1, "text": text})
        assert err.value.errors()[0]["loc"] == ("text",)
    with pytest.raises(ValidationError):
        NoteUpdate.model_validate({"version": 1, "author_id": "me"})  # the author comes from the token


def test_GIVEN_a_contract_WHEN_expiration_precedes_effective_THEN_a_problem_is_named() -> None:
    assert contract_range_problem(date(2026, 1, 1), date(2025, 12, 31)) == "must not be before the effective date"
    assert contract_range_problem(date(2026, 1, 1), None) is None


def test_GIVEN_a_contact_edit_WHEN_phone_is_given_THEN_normalized_and_only_given_fields_are_set() -> None:
    c = EmployerContactUpdate.model_validate({"phone": "206.555.0100"})
    assert c.phone == "(206) 555-0100" and c.model_fields_set == {"phone"}
    again = EmployerContactUpdate.model_validate(c.model_dump(include=c.model_fields_set))
    assert again.phone == "(206) 555-0100"
