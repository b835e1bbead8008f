"""The write-once audit archive on the live runtime: the API process polls the table's stream and runs the
app's consumer (as Lambda would on AWS) into the Object Lock bucket on moto (docs/audit.md "Archive")."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.audit import store as audit_repo
from chalicelib.audit.domain import entry_canonical
from chalicelib.core.audit import AuditEntry
from chalicelib.core.store.dynamo import DynamoStore
from factories import audit


def _env(live_runtime: SimpleNamespace) -> tuple[DynamoStore, Any, Any, str, str]:
    env = live_runtime.runtime.env
    endpoint = env["AWS_ENDPOINT_URL"]
    store = DynamoStore(env["TABLE_NAME"], "us-west-2", endpoint)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-west-2")
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-west-2")
    return store, s3, ddb, env["AUDIT_ARCHIVE_BUCKET"], env["TABLE_NAME"]


def _key(e: AuditEntry) -> str:
    return f"{e.model_dump(mode='json')['occurred_at'][:10]}/entries/{e.id}.json"


def _wait_archived(s3: Any, bucket: str, keys: list[str], timeout_s: float = 300) -> float:
    """Seconds until every key is in the archive (the poller may still be working through the seed)."""
    started, missing = time.monotonic(), list(keys)
    while missing:
        present = set()
        for key in missing:
            try:
                s3.head_object(Bucket=bucket, Key=key)
                present.add(key)
            except ClientError:
                pass
        missing = [k for k in missing if k not in present]
        if missing:
            assert time.monotonic() - started < timeout_s, f"{len(missing)} entries not archived: {missing[:3]}"
            time.sleep(0.25)
    return time.monotonic() - started


def _own_day() -> date:
    return date(2004, 1, 1) + timedelta(days=uuid.uuid4().int % 3000)


def test_the_archive_holds_every_audit_entry_written(call, live_runtime: SimpleNamespace) -> None:  # type: ignore[no-untyped-def]
    """GIVEN audit entries written through the API (a note added and edited) and straight into the table
    WHEN the runtime's stream poller has run THEN every one of them is in the archive as its canonical JSON,
    under COMPLIANCE retention, and GET /audit/integrity?archive=true compares the day clean."""
    store, s3, _, bucket, _ = _env(live_runtime)
    mid = live_runtime.other_member_id
    note = call("POST", f"/members/{mid}/notes", "staff",
                json={"text": "archive me", "visibility": "all_authorized"}).json()
    call("PATCH", f"/members/{mid}/notes/{note['id']}", "staff", json={"version": note["version"], "text": "again"})
    via_api = audit_repo.by_entity(store, "member_note", note["id"], 10, None).items
    assert [e.action.value for e in via_api] == ["UPDATE", "CREATE"]

    day = _own_day()
    direct = [audit(uuid.uuid4().hex, at=datetime(day.year, day.month, day.day, 10, i, tzinfo=UTC)) for i in range(20)]
    for e in direct:
        assert store.create(e)
    written = via_api + direct
    seconds = _wait_archived(s3, bucket, [_key(e) for e in written])
    # On a fresh runtime this includes working through the demo seed's ~12,000 entries first.
    print(f"\naudit archive: {len(written)} entries archived {seconds:.1f} s after they were written")

    for e in written:
        obj = s3.get_object(Bucket=bucket, Key=_key(e))
        assert obj["Body"].read() == entry_canonical(e)
        assert obj["ObjectLockMode"] == "COMPLIANCE"
        assert obj["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=365 * 7 - 2)

    r = call("GET", "/audit/integrity", "admin", params={"from": day.isoformat(), "to": day.isoformat(),
                                                          "archive": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["findings"] == []
    assert body["archive"] == {"compared": True, "entries_compared": 20, "pending": 0}


def test_a_rewrite_of_the_table_is_detected_from_the_archive(call, live_runtime: SimpleNamespace) -> None:  # type: ignore[no-untyped-def]
    """GIVEN archived entries of a day WHEN someone with write access to the table edits one in place
    (UpdateItem), overwrites another with a plain PutItem and deletes a third — none of which the app can
    do — THEN the archive keeps the originals, the consumer records each change, and the integrity check
    with the archive names every one of them."""
    store, s3, ddb, bucket, table = _env(live_runtime)
    day = _own_day()
    entries = [audit(uuid.uuid4().hex, at=datetime(day.year, day.month, day.day, 11, i, tzinfo=UTC))
               for i in range(4)]
    for e in entries:
        store.create(e)
    _wait_archived(s3, bucket, [_key(e) for e in entries])

    def key(e: AuditEntry) -> dict[str, Any]:
        return {"PK": {"S": f"AUDIT#member#{e.entity_id}"},
                "SK": {"S": f"{e.model_dump(mode='json')['occurred_at']}#{e.id}"}}

    ddb.update_item(TableName=table, Key=key(entries[0]), UpdateExpression="SET actor_id = :a",
                    ExpressionAttributeValues={":a": {"S": "someone-else"}})
    item = ddb.get_item(TableName=table, Key=key(entries[1]))["Item"]
    ddb.put_item(TableName=table, Item={**item, "new_values": {"M": {"phone": {"S": "forged"}}}})
    ddb.delete_item(TableName=table, Key=key(entries[2]))

    deadline = time.monotonic() + 120
    while len(s3.list_objects_v2(Bucket=bucket, Prefix=f"{day}/tamper/").get("Contents", [])) < 3:
        assert time.monotonic() < deadline, "the consumer did not record the three changes"
        time.sleep(0.25)
    for e in entries:
        assert s3.get_object(Bucket=bucket, Key=_key(e))["Body"].read() == entry_canonical(e)

    body = call("GET", "/audit/integrity", "admin", params={"from": day.isoformat(), "to": day.isoformat(),
                                                             "archive": "true"}).json()
    found = {(f["kind"], f["entry_id"]) for f in body["findings"]}
    assert body["ok"] is False
    assert {("archive_differs", entries[0].id), ("archive_differs", entries[1].id),
            ("archived_only", entries[2].id)} <= found
    assert len([f for f in body["findings"] if f["kind"] == "tampering_seen"]) == 3


def test_an_archived_object_cannot_be_overwritten_or_deleted(call, live_runtime: SimpleNamespace) -> None:  # type: ignore[no-untyped-def]
    """GIVEN an archived entry under COMPLIANCE retention WHEN it is rewritten create-only, deleted by
    version, or hidden behind a delete marker THEN each attempt is refused and the object is unchanged."""
    store, s3, _, bucket, _ = _env(live_runtime)
    e = audit(uuid.uuid4().hex, at=datetime.now(UTC))
    store.create(e)
    seconds = _wait_archived(s3, bucket, [_key(e)])
    print(f"\naudit archive: one entry archived {seconds:.2f} s after it was written (stream idle before)")
    version = s3.head_object(Bucket=bucket, Key=_key(e))["VersionId"]
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=bucket, Key=_key(e), Body=b"{}", IfNoneMatch="*", ChecksumAlgorithm="SHA256")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    for attempt in ({"VersionId": version}, {}):
        with pytest.raises(ClientError) as denied:
            s3.delete_object(Bucket=bucket, Key=_key(e), **attempt)
        assert denied.value.response["Error"]["Code"] in ("AccessDenied", "403")
    versions = s3.list_object_versions(Bucket=bucket, Prefix=_key(e))
    assert [v["VersionId"] for v in versions.get("Versions", [])] == [version]
    assert not versions.get("DeleteMarkers")
    assert json.loads(s3.get_object(Bucket=bucket, Key=_key(e))["Body"].read())["id"] == e.id
