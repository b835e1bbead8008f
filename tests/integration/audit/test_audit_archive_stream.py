"""The audit archive's stream consumer (app.audit_archive) fed by the local stream poller from moto's
DynamoDB stream into the Object Lock bucket: the path `make run` takes, minus the HTTP server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from chalicelib.audit import archive as arc
from chalicelib.audit import integrity
from chalicelib.audit.domain import entry_canonical
from chalicelib.core.store.dynamo import DynamoStore
from factories import audit
from infrastructure.local_runtime.stream_poller import StreamPoller


@pytest.fixture
def archive_env(provisioned: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from chalicelib.core import aws
    from chalicelib.core.settings import reset_settings

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AUDIT_ARCHIVE_BUCKET", provisioned.audit_archive_bucket)
    reset_settings()
    aws.s3_client.cache_clear()
    yield provisioned
    reset_settings()
    aws.s3_client.cache_clear()


def test_every_audit_entry_written_reaches_the_archive_and_a_rewrite_is_recorded(
        archive_env: Any, moto_endpoint: str) -> None:
    """GIVEN entries written to the table (alone and in a transaction) WHEN the poller feeds the stream to
    the app's consumer THEN each is archived byte for byte as its canonical JSON, redelivery changes
    nothing, the table compares clean with the archive; AND a later in-place rewrite of an entry (a plain
    PutItem) leaves the archived copy as it was and adds a tamper record, and the comparison names it."""
    import app

    store = DynamoStore(archive_env.table_name, "us-west-2", moto_endpoint)
    poller = StreamPoller(app.audit_archive, archive_env.table_name, moto_endpoint, "us-west-2")
    poller.poll_once()  # whatever other tests wrote before
    day = datetime(2003, 1, 1, tzinfo=UTC).replace(day=1 + uuid.uuid4().int % 28)
    entries = [audit(uuid.uuid4().hex, at=day.replace(hour=9, minute=i)) for i in range(5)]
    for e in entries[:3]:
        assert store.create(e)
    batch = store.batch()
    for e in entries[3:]:
        batch.audit(e)
    batch.commit()
    assert poller.poll_once() >= 5 and poller.failures == 0

    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-west-2")
    bucket = archive_env.audit_archive_bucket
    for e in entries:
        body = s3.get_object(Bucket=bucket, Key=f"{day.date()}/entries/{e.id}.json")["Body"].read()
        assert body == entry_canonical(e)
    report = integrity.verify(store, day.date(), day.date(), arc.S3Archive(bucket), datetime.now(UTC))
    assert report.ok and report.archive_entries == 5

    ddb = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-west-2")
    key = {"PK": {"S": f"AUDIT#member#{entries[0].entity_id}"},
           "SK": {"S": f"{entries[0].model_dump(mode='json')['occurred_at']}#{entries[0].id}"}}
    item = ddb.get_item(TableName=archive_env.table_name, Key=key)["Item"]
    ddb.put_item(TableName=archive_env.table_name, Item={**item, "actor_id": {"S": "forger"}})  # no condition
    assert poller.poll_once() >= 1
    body = s3.get_object(Bucket=bucket, Key=f"{day.date()}/entries/{entries[0].id}.json")["Body"].read()
    assert json.loads(body)["actor_id"] == "user-1"
    tamper = s3.list_objects_v2(Bucket=bucket, Prefix=f"{day.date()}/tamper/")["Contents"]
    assert len(tamper) == 1
    record = json.loads(s3.get_object(Bucket=bucket, Key=tamper[0]["Key"])["Body"].read())
    assert record["event_name"] == "MODIFY" and record["new_image"]["actor_id"] == {"S": "forger"}
    report = integrity.verify(store, day.date(), day.date(), arc.S3Archive(bucket), datetime.now(UTC))
    assert {f.kind.value for f in report.findings} == {"archive_differs", "tampering_seen"}
