"""Audit seals (docs/audit.md): canonical JSON, entry digests, the day chain and what verification finds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.core.audit import AuditEntry
from chalicelib.audit.domain import (
    GENESIS,
    FindingKind,
    canonical_json,
    check_seal,
    entry_digest,
    make_seal,
    seal_hash,
    verify_day,
)
from factories import audit

DAY = date(2026, 3, 14)
NOON = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def day_of_entries(n: int = 3) -> list[AuditEntry]:
    return [audit(f"m{i}", at=NOON + timedelta(minutes=i)) for i in range(n)]


def kinds(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.kind.value for f in report.findings]


# -- canonical JSON and digests ------------------------------------------------------------------

def test_given_the_same_data_in_any_key_order_when_canonicalised_then_the_text_is_identical() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "é"]}) == canonical_json({"a": [True, None, "é"], "b": 1})
    assert canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'


def test_given_equal_numbers_of_different_types_when_canonicalised_then_they_agree_exactly() -> None:
    assert canonical_json(Decimal("12.50")) == canonical_json(12.5) == "12.5"
    assert canonical_json(Decimal("3")) == canonical_json(3.0) == canonical_json(3) == "3"
    assert canonical_json(Decimal("0.1")) == canonical_json(0.1) == "0.1"
    assert canonical_json(12345678901234567890) == "12345678901234567890"  # big ints stay exact
    assert canonical_json(Decimal("1.5E-7")) == "0.00000015"


def test_given_nan_or_an_unknown_type_when_canonicalised_then_it_is_refused() -> None:
    with pytest.raises(ValueError):
        canonical_json(float("nan"))
    with pytest.raises(ValueError):
        canonical_json(Decimal("Infinity"))
    with pytest.raises(TypeError):
        canonical_json({1: "x"})
    with pytest.raises(TypeError):
        canonical_json(object())


def test_given_an_entry_when_any_field_changes_then_its_digest_changes() -> None:
    e = audit("m1", at=NOON)
    assert entry_digest(e) == entry_digest(AuditEntry.model_validate(e.model_dump(mode="json")))
    for change in ({"actor_id": "someone-else"}, {"new_values": {"phone": "x"}},
                   {"occurred_at": NOON + timedelta(microseconds=1)}, {"extra": {"row_count": 1}}):
        assert entry_digest(e.model_copy(update=change)) != entry_digest(e), change


def test_given_a_lone_surrogate_in_a_value_when_hashed_then_the_digest_is_still_defined() -> None:
    e = audit("m1", at=NOON).model_copy(update={"new_values": {"last_name": "\ud800"}})
    assert entry_digest(e) == entry_digest(e) != entry_digest(audit("m1", at=NOON))


# -- the chain -----------------------------------------------------------------------------------

def test_given_entries_in_any_order_when_sealed_then_the_seal_is_the_same() -> None:
    entries = day_of_entries(5)
    a = make_seal(DAY, GENESIS, entries, "t")
    b = make_seal(DAY, GENESIS, list(reversed(entries)), "t")
    assert a.hash == b.hash and [r.entry_id for r in a.entries] == [e.id for e in entries]


def test_given_a_seal_when_its_prev_day_or_entries_differ_then_its_hash_differs() -> None:
    entries = day_of_entries(2)
    base = make_seal(DAY, GENESIS, entries, "t")
    assert make_seal(DAY, "1" * 64, entries, "t").hash != base.hash
    assert make_seal(DAY + timedelta(days=1), GENESIS, entries, "t").hash != base.hash
    assert make_seal(DAY, GENESIS, entries[:1], "t").hash != base.hash
    assert seal_hash(GENESIS, DAY, base.entries) == base.hash


def test_given_an_untouched_day_when_verified_then_it_passes() -> None:
    entries = day_of_entries()
    seal = make_seal(DAY, GENESIS, entries, "t")
    report = verify_day(seal, None, True, entries)
    assert report.status == "verified" and report.findings == [] and report.entries == 3


def test_given_an_empty_day_when_sealed_and_verified_then_it_passes_and_still_chains() -> None:
    empty = make_seal(DAY, GENESIS, [], "t")
    assert empty.count == 0 and empty.hash != GENESIS
    assert verify_day(empty, None, True, []).findings == []
    nxt = make_seal(DAY + timedelta(days=1), empty.hash, [], "t")
    assert verify_day(nxt, empty, False, []).findings == []
    # an entry appearing later on the empty day is an insertion
    late = audit("m9", at=NOON)
    assert kinds(verify_day(empty, None, True, [late])) == ["inserted"]


def test_given_a_sealed_day_when_an_entry_is_edited_then_the_edit_is_detected() -> None:
    entries = day_of_entries()
    seal = make_seal(DAY, GENESIS, entries, "t")
    edited = [entries[0], entries[1].model_copy(update={"new_values": {"status": "ACTIVE"}}), entries[2]]
    report = verify_day(seal, None, True, edited)
    assert report.status == "failed" and kinds(report) == ["edited"]
    assert report.findings[0].entry_id == entries[1].id


def test_given_a_sealed_day_when_an_entry_is_deleted_then_the_gap_is_detected() -> None:
    entries = day_of_entries()
    seal = make_seal(DAY, GENESIS, entries, "t")
    report = verify_day(seal, None, True, [entries[0], entries[2]])
    assert kinds(report) == ["missing"] and report.findings[0].entry_id == entries[1].id


def test_given_a_sealed_day_when_an_entry_is_inserted_afterwards_then_the_insertion_is_detected() -> None:
    entries = day_of_entries()
    seal = make_seal(DAY, GENESIS, entries, "t")
    forged = audit("m-forged", at=NOON + timedelta(seconds=30))
    report = verify_day(seal, None, True, [*entries, forged])
    assert kinds(report) == ["inserted"] and report.findings[0].entry_id == forged.id


def test_given_two_seals_when_the_link_or_a_seal_is_altered_then_it_is_detected() -> None:
    first = make_seal(DAY, GENESIS, day_of_entries(1), "t")
    second = make_seal(DAY + timedelta(days=1), first.hash, [], "t")
    assert check_seal(second, first, False) == []
    # a rewritten first seal (e.g. to hide an edit) no longer matches the second seal's link
    rewritten = make_seal(DAY, GENESIS, [], "t")
    assert [f.kind for f in check_seal(second, rewritten, False)] == [FindingKind.BROKEN_LINK]
    # a seal whose stored hash was changed without its contents
    from dataclasses import replace

    assert [f.kind for f in check_seal(replace(second, hash="f" * 64), first, False)] == [FindingKind.SEAL_ALTERED]
    # the first seal must start from GENESIS (deleting older seals is visible too)
    assert [f.kind for f in check_seal(second, None, True)] == [FindingKind.BROKEN_LINK]
    assert [f.kind for f in check_seal(second, None, False)] == [FindingKind.BROKEN_LINK]
