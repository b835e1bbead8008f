"""The write-once archive (audit/archive.py) on the in-memory twins: the stream consumer, and the table
compared with the archive by the integrity check."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.audit import archive as arc
from chalicelib.audit import integrity
from chalicelib.audit.domain import entry_canonical
from chalicelib.core.store.memory import MemoryStore
from factories import audit, erase, key_of, overwrite

DAY = date(2026, 3, 10)
LATER = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def _raw(store: MemoryStore, key: tuple[str, str]) -> dict[str, Any] | None:
    return store._t.items.get(key)


def _record(name: str, key: tuple[str, str], new: dict[str, Any] | None, old: dict[str, Any] | None = None) -> dict[
        str, Any]:
    ddb: dict[str, Any] = {"Keys": {"PK": {"S": key[0]}, "SK": {"S": key[1]}}, "ApproximateCreationDateTime": 1.0}
    if new is not None:
        ddb["NewImage"] = new
    if old is not None:
        ddb["OldImage"] = old
    return {"eventID": uuid.uuid4().hex, "eventName": name, "dynamodb": ddb}


def _stream_of(store: MemoryStore, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """INSERT records for items as the table holds them (what the stream carries)."""
    return [_record("INSERT", k, _raw(store, k)) for k in keys]


def _written_day(store: MemoryStore, n: int = 4) -> list[Any]:
    entries = [audit(f"m{i}", at=datetime(2026, 3, 10, 12, i, tzinfo=UTC)) for i in range(n)]
    for e in entries:
        store.create(e)
    return entries


def test_GIVEN_stream_records_WHEN_consumed_THEN_each_audit_item_is_archived_once_and_others_ignored() -> None:
    store, archive = MemoryStore(), arc.MemoryArchive()
    entries = _written_day(store)
    integrity.seal_day(store, DAY, LATER)
    seal_keys = [k for k in store._t.items if k[0].startswith("SEAL#")]
    records = _stream_of(store, [key_of(e) for e in entries] + seal_keys)
    records.append(_record("INSERT", ("MEMBER#1", "PROFILE"), {"PK": {"S": "MEMBER#1"}, "SK": {"S": "PROFILE"}}))
    out = arc.archive_records(records, archive)
    assert (out.archived, out.already, out.ignored, out.tampering) == (len(entries) + len(seal_keys), 0, 1, 0)
    for e in entries:
        assert archive.body(f"2026-03-10/entries/{e.id}.json") == entry_canonical(e)
    assert json.loads(archive.body("2026-03-10/seal.json") or b"")["entry_count"] == 4
    assert [k for k in archive.objects if k.startswith("2026-03-10/seal-parts/")]
    again = arc.archive_records(records, archive)  # the stream delivers at least once
    assert (again.archived, again.already) == (0, len(entries) + len(seal_keys))


def test_GIVEN_an_audit_item_changed_or_removed_WHEN_consumed_THEN_a_tamper_record_keeps_both_images() -> None:
    store, archive = MemoryStore(), arc.MemoryArchive()
    entry = _written_day(store, 1)[0]
    original = _raw(store, key_of(entry))
    arc.archive_records(_stream_of(store, [key_of(entry)]), archive)
    forged = dict(original or {}, actor_id={"S": "forger"})
    out = arc.archive_records([_record("MODIFY", key_of(entry), forged, original),
                               _record("REMOVE", key_of(entry), None, forged)], archive)
    assert out.tampering == 2 and out.archived == 2
    tampered = sorted(k for k in archive.objects if k.startswith("2026-03-10/tamper/"))
    assert len(tampered) == 2
    bodies = [json.loads(archive.body(k) or b"") for k in tampered]
    assert {b["event_name"] for b in bodies} == {"MODIFY", "REMOVE"}
    assert archive.body(f"2026-03-10/entries/{entry.id}.json") == entry_canonical(entry)  # untouched


def _archived_store() -> tuple[MemoryStore, arc.MemoryArchive, list[Any]]:
    store, archive = MemoryStore(), arc.MemoryArchive()
    entries = _written_day(store)
    integrity.seal_day(store, DAY, LATER)
    keys = [key_of(e) for e in entries] + [k for k in store._t.items if k[0].startswith("SEAL#")]
    arc.archive_records(_stream_of(store, keys), archive)
    return store, archive, entries


def _kinds(report: integrity.IntegrityReport) -> set[tuple[str, str | None]]:
    return {(f.kind.value, f.entry_id) for f in report.findings}


def test_GIVEN_table_and_archive_alike_WHEN_compared_THEN_no_findings() -> None:
    store, archive, entries = _archived_store()
    report = integrity.verify(store, DAY, DAY, archive, LATER)
    assert report.ok and report.archive_entries == len(entries) and report.archive_pending == 0
    assert report.as_json()["archive"] == {"compared": True, "entries_compared": 4, "pending": 0}


def test_GIVEN_a_table_rewritten_before_and_after_sealing_WHEN_compared_THEN_the_archive_names_each_change() -> None:
    """GIVEN the table and its archive WHEN someone with table access edits an entry in place (a plain
    PutItem), deletes one, and slips in one that never went through the stream, and even rewrites the day's
    seal consistently THEN the seal check may pass, but the archive comparison names every change."""
    store, archive, entries = _archived_store()
    overwrite(store, entries[0].model_copy(update={"actor_id": "forger"}))
    erase(store, key_of(entries[1]))
    sneaked = audit("sneaked", at=datetime(2026, 3, 10, 13, 0, tzinfo=UTC))
    overwrite(store, sneaked)
    # ... and re-seal the day consistently, as whoever can write seals could.
    for k in [k for k in store._t.items if k[0].startswith("SEAL#")]:
        erase(store, k)
    integrity.seal_day(store, DAY, LATER)
    assert integrity.verify(store, DAY, DAY, None, LATER).ok  # the seals alone are fooled
    report = integrity.verify(store, DAY, DAY, archive, LATER)
    assert _kinds(report) == {("archive_differs", entries[0].id), ("archived_only", entries[1].id),
                              ("not_archived", sneaked.id), ("archive_differs", None)}
    assert report.days[0].status == "failed"


def test_GIVEN_an_entry_written_moments_ago_WHEN_not_archived_yet_THEN_pending_not_a_finding() -> None:
    store, archive, _ = _archived_store()
    fresh = audit("fresh", at=LATER - timedelta(minutes=1))
    store.create(fresh)
    report = integrity.verify(store, LATER.date(), LATER.date(), archive, LATER)
    assert report.ok and report.archive_pending == 1
    report = integrity.verify(store, LATER.date(), LATER.date(), archive, LATER + arc.ARCHIVE_GRACE)
    assert _kinds(report) == {("not_archived", fresh.id)}


def test_GIVEN_an_archived_object_replaced_or_hidden_WHEN_compared_THEN_archive_rewritten() -> None:
    """Object Lock keeps the first version whatever happens; a second version or a delete marker (only
    possible around the bucket policy) is itself a finding, and the first version is what is compared."""
    store, archive, entries = _archived_store()
    archive.replace(f"2026-03-10/entries/{entries[2].id}.json", b"{}")
    archive.replace(f"2026-03-10/entries/{entries[3].id}.json", None)
    report = integrity.verify(store, DAY, DAY, archive, LATER)
    assert _kinds(report) == {("archive_rewritten", entries[2].id), ("archive_rewritten", entries[3].id)}


def test_GIVEN_tamper_records_of_a_day_WHEN_compared_THEN_reported() -> None:
    store, archive, entries = _archived_store()
    raw = _raw(store, key_of(entries[0]))
    arc.archive_records([_record("MODIFY", key_of(entries[0]), raw, raw)], archive)
    assert {f.kind.value for f in integrity.verify(store, DAY, DAY, archive, LATER).findings} == {"tampering_seen"}


def test_GIVEN_days_written_before_the_archive_WHEN_backfilled_THEN_compared_clean() -> None:
    store, archive = MemoryStore(), arc.MemoryArchive()
    _written_day(store, 3)
    integrity.seal_day(store, DAY, LATER)
    assert {f.kind.value for f in integrity.verify(store, DAY, DAY, archive, LATER).findings} == {"not_archived"}
    created = arc.backfill(store, archive, DAY)
    assert created == 3 + 1 + 1  # entries, the seal, its one part
    assert arc.backfill(store, archive, DAY) == 0
    assert integrity.verify(store, DAY, DAY, archive, LATER).ok


def test_GIVEN_the_api_WHEN_more_than_31_days_are_compared_with_the_archive_THEN_400_naming_to() -> None:
    import pytest

    from chalicelib.core.errors import AppError
    from factories import ctx_for

    store, archive, _ = _archived_store()
    admin = ctx_for(store, "admin")
    with pytest.raises(AppError) as err:
        integrity.verify_for_admin(admin, DAY - timedelta(days=31), DAY, with_archive=True, archive=archive)
    assert err.value.status == 400 and err.value.fields[0].name == "to"
    body = integrity.verify_for_admin(admin, DAY - timedelta(days=30), DAY, with_archive=True, archive=archive)
    assert body["ok"] and body["archive"]["entries_compared"] == 4
