"""GET /audit/integrity on the live runtime: seals written by the job's code, tampering done the way an
attacker with table access would (raw DynamoDB calls, which the Lambda policy denies the app itself)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3

from chalicelib.core.audit import AuditEntry
from chalicelib.audit import integrity as audit_integrity
from chalicelib.core.store.dynamo import DynamoStore
from chalicelib.core.store import Store
from factories import audit
from chalicelib.audit import store as audit_repo


def _store(live_runtime: SimpleNamespace) -> tuple[Store, Any]:
    env = live_runtime.runtime.env
    table, endpoint = env["TABLE_NAME"], env.get("AWS_ENDPOINT_URL") or os.environ["AWS_ENDPOINT_URL"]
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-west-2")
    return DynamoStore(table, "us-west-2", endpoint), (ddb, table)


def _entries(store: Store, day: date, tag: str) -> list[AuditEntry]:
    entries = [audit(f"{tag}-{i}", actor="e2e-integrity",
                     at=datetime(day.year, day.month, day.day, 15, i, tzinfo=UTC)) for i in range(4)]
    for e in entries:
        store.create(e)
    return entries


def _key(e: AuditEntry) -> dict[str, Any]:
    ts = e.model_dump(mode="json")["occurred_at"]
    return {"PK": {"S": f"AUDIT#{e.entity_type}#{e.entity_id}"}, "SK": {"S": f"{ts}#{e.id}"}}


def test_admin_verifies_the_chain_and_sees_edits_gaps_and_insertions(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    store, (ddb, table) = _store(live_runtime)
    latest = audit_repo.latest_seal(store)
    d1 = latest.day + timedelta(days=1) if latest else date(2001, 2, 3)
    d2 = d1 + timedelta(days=1)
    first, second = _entries(store, d1, "e2e-d1"), _entries(store, d2, "e2e-d2")
    now = datetime.now(UTC)
    assert audit_integrity.seal_day(store, d1, now).written
    assert audit_integrity.seal_day(store, d2, now).written
    params = {"from": d1.isoformat(), "to": d2.isoformat()}

    r = call("GET", "/audit/integrity", "admin", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["findings"] == []
    assert body["days_verified"] == 2 and body["entries_checked"] == 8
    assert [d["status"] for d in body["days"]] == ["verified", "verified"]
    assert call("GET", "/audit/integrity", "officer", params=params).status_code == 403

    # Tampering after sealing: edit one entry, delete another, slip in a forged one.
    ddb.update_item(TableName=table, Key=_key(first[1]), UpdateExpression="SET actor_id = :a",
                    ExpressionAttributeValues={":a": {"S": "someone-else"}})
    ddb.delete_item(TableName=table, Key=_key(second[2]))
    forged = audit("e2e-forged", at=datetime(d2.year, d2.month, d2.day, 16, 0, tzinfo=UTC))
    store.create(forged)

    body = call("GET", "/audit/integrity", "admin", params=params).json()
    assert body["ok"] is False
    assert {(f["kind"], f["day"], f["entry_id"]) for f in body["findings"]} == {
        ("edited", d1.isoformat(), first[1].id), ("missing", d2.isoformat(), second[2].id),
        ("inserted", d2.isoformat(), forged.id)}


def test_integrity_range_is_checked_and_defaults_to_the_last_week(call) -> None:  # type: ignore[no-untyped-def]
    r = call("GET", "/audit/integrity", "admin", params={"from": "2026-02-02", "to": "2026-02-01"})
    assert r.status_code == 400 and r.json()["error"]["fields"][0]["name"] == "to"
    r = call("GET", "/audit/integrity", "admin", params={"from": "2020-01-01", "to": "2026-01-01"})
    assert r.status_code == 400
    body = call("GET", "/audit/integrity", "admin").json()
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    assert body["to"] == yesterday.isoformat() and body["from"] == (yesterday - timedelta(days=6)).isoformat()
