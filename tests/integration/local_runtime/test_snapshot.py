"""snapshot.save_snapshot / restore_snapshot against a real ThreadedMotoServer.

A dedicated region keeps these DynamoDB tables and Cognito pools apart from
other test modules sharing the process (S3 is global: bucket names are unique).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from infrastructure.local_runtime import fast_dynamodb, snapshot  # noqa: E402

REGION = "eu-west-1"
ACCOUNT = "123456789012"
_ser = TypeSerializer()
_de = TypeDeserializer()


@pytest.fixture(scope="module")
def aws() -> Iterator[SimpleNamespace]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    was_installed = fast_dynamodb.is_installed()
    fast_dynamodb.install()  # the runtime always runs with it
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    kwargs = {
        "endpoint_url": f"http://{host}:{port}",
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    yield SimpleNamespace(
        ddb=boto3.client("dynamodb", **kwargs),
        s3=boto3.client("s3", **kwargs),
        idp=boto3.client("cognito-idp", **kwargs),
    )
    server.stop()
    if not was_installed:
        fast_dynamodb.uninstall()


def create_table(ddb: Any, name: str) -> None:
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": g,
                "KeySchema": [
                    {"AttributeName": f"{g}PK", "KeyType": "HASH"},
                    {"AttributeName": f"{g}SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for g in ("GSI1", "GSI2")
        ],
    )


def create_pool(idp: Any, name: str) -> tuple[str, str]:
    pool_id = idp.create_user_pool(
        PoolName=name,
        Schema=[{"Name": "member_id", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def login(idp: Any, client_id: str, username: str, password: str) -> dict[str, Any]:
    response: dict[str, Any] = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return response


def all_items(ddb: Any, table: str) -> list[dict[str, Any]]:
    items = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        items += page["Items"]
    return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


ITEMS: list[dict[str, Any]] = [
    {
        "PK": "ORG#1",
        "SK": "PAYMENT#2025-01#0001",
        "amount": Decimal("45880.41"),
        "fee": Decimal("0.10"),
        "tiny": Decimal("-0.000001"),
        "huge": Decimal("123456789012345678901234567890"),
        "GSI1PK": "MEMBER#7",
        "GSI1SK": "2025-01-03",
        "tags": {"dues", "late"},
        "hours": {Decimal("7.5"), Decimal("8")},
        "blobs": {Binary(b"\x00\x01"), Binary(b"\xff")},
        "receipt": Binary(b"%PDF-1.4 \x00\xfe binary"),
        "breakdown": {"base": Decimal("40000.01"), "extras": [Decimal("5880.40"), "note", {"deep": True}], "n": None},
        "paid": True,
        "void": False,
        "memo": "",
        "nothing": None,
    },
    {"PK": "ORG#1", "SK": "PAYMENT#2025-02#0002", "GSI1PK": "MEMBER#7", "GSI1SK": "2025-02-01", "amount": 1},
    {"PK": "ORG#2", "SK": "MEMBER#7", "GSI2PK": "EMAIL#a@b.c", "GSI2SK": "MEMBER#7", "name": "Ünïcødé ✓"},
    {"PK": "ORG#2", "SK": "SPARSE", "GSI1PK": "MEMBER#7"},  # no GSI1SK: not in GSI1
]


def test_round_trip_restores_items_objects_and_users(aws: SimpleNamespace, tmp_path: Path) -> None:
    """GIVEN a table with exact decimals/sets/maps/binary, a bucket with typed
    objects and metadata, and a user pool with groups and users in several
    states
    WHEN a snapshot is saved, everything is re-provisioned empty (new pool id),
    and the snapshot is restored
    THEN items are byte-identical (GSIs answer), objects and metadata are
    back, and users log in with USER_PASSWORD_AUTH with their groups, sub and
    attributes; a FORCE_CHANGE_PASSWORD user is still challenged and a
    disabled user still refused."""
    suffix = uuid.uuid4().hex[:8]
    table, bucket, pool_name = f"snap-{suffix}", f"snap-{suffix}", f"pool-{suffix}"

    # GIVEN
    create_table(aws.ddb, table)
    for item in ITEMS:
        aws.ddb.put_item(TableName=table, Item={k: _ser.serialize(v) for k, v in item.items()})
    aws.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    aws.s3.put_object(
        Bucket=bucket,
        Key="exports/dues 2025.csv",
        Body=b"member,amount\n7,45880.41\n",
        ContentType="text/csv",
        Metadata={"generated-by": "dues-export", "rows": "1"},
    )
    pdf = bytes(range(256)) * 40
    aws.s3.put_object(Bucket=bucket, Key="receipts/0001.pdf", Body=pdf, ContentType="application/pdf")
    pool_id, client_id = create_pool(aws.idp, pool_name)
    for group, precedence in (("admin", 1), ("member", 10)):
        aws.idp.create_group(UserPoolId=pool_id, GroupName=group, Precedence=precedence, Description=f"{group}s")
    aws.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="alice@example.org",
        TemporaryPassword="Temp-Pass-1!",
        UserAttributes=[
            {"Name": "email", "Value": "alice@example.org"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:member_id", "Value": "MEMBER#7"},
        ],
        MessageAction="SUPPRESS",
    )
    aws.idp.admin_set_user_password(
        UserPoolId=pool_id, Username="alice@example.org", Password="Correct-Horse-9!", Permanent=True
    )
    aws.idp.admin_add_user_to_group(UserPoolId=pool_id, Username="alice@example.org", GroupName="admin")
    aws.idp.admin_add_user_to_group(UserPoolId=pool_id, Username="alice@example.org", GroupName="member")
    aws.idp.admin_create_user(
        UserPoolId=pool_id, Username="newbie@example.org", TemporaryPassword="Temp-Pass-2!", MessageAction="SUPPRESS"
    )
    aws.idp.admin_create_user(
        UserPoolId=pool_id, Username="gone@example.org", TemporaryPassword="Temp-Pass-3!", MessageAction="SUPPRESS"
    )
    aws.idp.admin_set_user_password(
        UserPoolId=pool_id, Username="gone@example.org", Password="Gone-Pass-3!", Permanent=True
    )
    aws.idp.admin_disable_user(UserPoolId=pool_id, Username="gone@example.org")
    alice_before = aws.idp.admin_get_user(UserPoolId=pool_id, Username="alice@example.org")
    items_before = all_items(aws.ddb, table)

    # WHEN
    stats = snapshot.save_snapshot(tmp_path, account_id=ACCOUNT, region=REGION)
    assert stats["items"] >= len(ITEMS) and stats["objects"] >= 2 and stats["users"] >= 3
    assert [p.name for p in tmp_path.iterdir()] == [snapshot.SNAPSHOT_FILE]
    saved = json.loads((tmp_path / snapshot.SNAPSHOT_FILE).read_text())
    saved_payment = next(i for i in saved["dynamodb"][table]["items"] if i["SK"]["S"] == "PAYMENT#2025-01#0001")
    assert saved_payment["amount"] == {"N": "45880.41"}  # DynamoDB-JSON, decimal kept as text

    aws.ddb.delete_table(TableName=table)
    create_table(aws.ddb, table)
    for obj in aws.s3.list_objects_v2(Bucket=bucket)["Contents"]:
        aws.s3.delete_object(Bucket=bucket, Key=obj["Key"])
    aws.s3.delete_bucket(Bucket=bucket)
    aws.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    aws.idp.delete_user_pool(UserPoolId=pool_id)
    new_pool_id, new_client_id = create_pool(aws.idp, pool_name)
    aws.idp.create_group(UserPoolId=new_pool_id, GroupName="member", Precedence=10)  # provisioner-made
    assert new_pool_id != pool_id
    assert all_items(aws.ddb, table) == []

    assert snapshot.restore_snapshot(tmp_path, account_id=ACCOUNT, region=REGION) is True

    # THEN - DynamoDB
    assert all_items(aws.ddb, table) == items_before
    restored = {i["SK"]["S"]: {k: _de.deserialize(v) for k, v in i.items()} for i in items_before}
    assert restored["PAYMENT#2025-01#0001"] == ITEMS[0]
    gsi = aws.ddb.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :m AND begins_with(GSI1SK, :y)",
        ExpressionAttributeValues={":m": {"S": "MEMBER#7"}, ":y": {"S": "2025"}},
    )
    assert [i["SK"]["S"] for i in gsi["Items"]] == ["PAYMENT#2025-01#0001", "PAYMENT#2025-02#0002"]
    gsi2 = aws.ddb.query(
        TableName=table,
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :e",
        ExpressionAttributeValues={":e": {"S": "EMAIL#a@b.c"}},
    )
    assert gsi2["Items"][0]["name"] == {"S": "Ünïcødé ✓"}

    # THEN - S3
    csv = aws.s3.get_object(Bucket=bucket, Key="exports/dues 2025.csv")
    assert csv["Body"].read() == b"member,amount\n7,45880.41\n"
    assert csv["ContentType"] == "text/csv"
    assert csv["Metadata"] == {"generated-by": "dues-export", "rows": "1"}
    receipt = aws.s3.get_object(Bucket=bucket, Key="receipts/0001.pdf")
    assert receipt["Body"].read() == pdf
    assert receipt["ContentType"] == "application/pdf"

    # THEN - Cognito
    tokens = login(aws.idp, new_client_id, "alice@example.org", "Correct-Horse-9!")["AuthenticationResult"]
    assert tokens["AccessToken"] and tokens["IdToken"]
    alice = aws.idp.admin_get_user(UserPoolId=new_pool_id, Username="alice@example.org")
    assert alice["UserStatus"] == "CONFIRMED" and alice["Enabled"] is True
    assert sorted(map(json.dumps, alice["UserAttributes"])) == sorted(map(json.dumps, alice_before["UserAttributes"]))
    groups = aws.idp.admin_list_groups_for_user(UserPoolId=new_pool_id, Username="alice@example.org")["Groups"]
    assert sorted(g["GroupName"] for g in groups) == ["admin", "member"]
    members = aws.idp.list_users_in_group(UserPoolId=new_pool_id, GroupName="member")["Users"]
    assert [u["Username"] for u in members] == ["alice@example.org"]
    me = aws.idp.get_user(AccessToken=tokens["AccessToken"])
    assert {a["Name"]: a["Value"] for a in me["UserAttributes"]}["custom:member_id"] == "MEMBER#7"
    with pytest.raises(ClientError) as wrong:
        login(aws.idp, new_client_id, "alice@example.org", "wrong-password")
    assert wrong.value.response["Error"]["Code"] == "NotAuthorizedException"
    challenge = login(aws.idp, new_client_id, "newbie@example.org", "Temp-Pass-2!")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ClientError) as disabled:
        login(aws.idp, new_client_id, "gone@example.org", "Gone-Pass-3!")
    assert disabled.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_restore_without_snapshot_returns_false(tmp_path: Path) -> None:
    """GIVEN an empty data dir WHEN restoring THEN False and nothing happens."""
    assert snapshot.restore_snapshot(tmp_path / "nope", account_id=ACCOUNT, region=REGION) is False


def test_restore_skips_what_no_longer_exists(
    aws: SimpleNamespace, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a snapshot naming a table, bucket and pool that are gone, and an
    item whose key no longer fits the schema
    WHEN restoring THEN those are skipped with warnings and the rest lands."""
    suffix = uuid.uuid4().hex[:8]
    table = f"snap-kept-{suffix}"
    create_table(aws.ddb, table)
    state = {
        "format": snapshot.FORMAT,
        "version": snapshot.VERSION,
        "dynamodb": {
            f"snap-dropped-{suffix}": {"hash_key": "PK", "range_key": "SK", "items": [{"PK": {"S": "a"}}]},
            table: {
                "hash_key": "PK",
                "range_key": "SK",
                "items": [
                    {"PK": {"S": "ok"}, "SK": {"S": "1"}, "GSI1PK": {"S": "g"}, "GSI1SK": {"S": "s"}},
                    {"PK": {"S": "no-sort-key"}},
                    {"PK": {"N": "1"}, "SK": {"S": "wrong type"}},
                ],
            },
        },
        "s3": {f"snap-dropped-{suffix}": [{"key": "k", "body_b64": ""}]},
        "cognito": [{"name": f"dropped-{suffix}", "groups": [], "users": [{"username": "x"}]}],
    }
    tmp_path.joinpath(snapshot.SNAPSHOT_FILE).write_text(json.dumps(state))
    with caplog.at_level(logging.WARNING, logger=snapshot.__name__):
        assert snapshot.restore_snapshot(tmp_path, account_id=ACCOUNT, region=REGION) is True
    warnings = "\n".join(r.getMessage() for r in caplog.records)
    assert f"table snap-dropped-{suffix} no longer exists" in warnings
    assert f"bucket snap-dropped-{suffix} no longer exists" in warnings
    assert f"user pool dropped-{suffix} no longer exists" in warnings
    assert f"2 items of {table} do not match its key schema" in warnings
    assert [i["PK"]["S"] for i in all_items(aws.ddb, table)] == ["ok"]
    gsi = aws.ddb.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :g",
        ExpressionAttributeValues={":g": {"S": "g"}},
    )
    assert gsi["Count"] == 1


def test_unreadable_snapshot_fails_loudly(tmp_path: Path) -> None:
    """GIVEN a truncated snapshot WHEN restoring THEN an error tells what to
    do, instead of silently starting empty (the next save would lose data)."""
    tmp_path.joinpath(snapshot.SNAPSHOT_FILE).write_text('{"format": "unioncore-moto-snap')
    with pytest.raises(RuntimeError, match="move it away"):
        snapshot.restore_snapshot(tmp_path, account_id=ACCOUNT, region=REGION)


def test_save_is_atomic(aws: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN an existing snapshot WHEN a later save dies before the rename
    THEN the old snapshot is intact and no temp file is left behind."""
    snapshot.save_snapshot(tmp_path, account_id=ACCOUNT, region=REGION)
    before = tmp_path.joinpath(snapshot.SNAPSHOT_FILE).read_bytes()

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        snapshot.save_snapshot(tmp_path, account_id=ACCOUNT, region=REGION)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == [snapshot.SNAPSHOT_FILE]
    assert tmp_path.joinpath(snapshot.SNAPSHOT_FILE).read_bytes() == before


def test_100k_items_restore_in_seconds(aws: SimpleNamespace, tmp_path: Path) -> None:
    """GIVEN a snapshot of 100,000 product-like items (3 sparse GSIs)
    WHEN it is restored into a fresh table and saved again
    THEN restore takes a few seconds, every item and GSI partition answers,
    and the re-saved snapshot holds the same items."""
    table = f"snap-big-{uuid.uuid4().hex[:8]}"
    create_table(aws.ddb, table)
    # Written as text: building 100k dicts first would dominate the test time.
    lines = []
    for i in range(100_000):
        month = f"2025-{i % 12 + 1:02d}"
        gsi2 = f',"GSI2PK":{{"S":"EMAIL#{i}"}},"GSI2SK":{{"S":"PROFILE"}}' if i % 4 == 0 else ""
        lines.append(
            f'{{"PK":{{"S":"ORG#{i % 500:03d}"}},"SK":{{"S":"PAYMENT#{i:06d}"}},"amount":{{"N":"{i}.{i % 100:02d}"}},'
            f'"status":{{"S":"{("active", "lapsed", "pending")[i % 3]}"}},"created_at":{{"S":"{month}-01T00:00:00Z"}},'
            f'"version":{{"N":"{i % 7}"}},"GSI1PK":{{"S":"MEMBER#{i % 2000}"}},"GSI1SK":{{"S":"{month}#{i:06d}"}},'
            f'"meta":{{"M":{{"source":{{"S":"import"}},"lines":{{"L":[{{"N":"1"}},{{"S":"x"}}]}}}}}}{gsi2}}}'
        )
    tmp_path.joinpath(snapshot.SNAPSHOT_FILE).write_text(
        f'{{"format":"{snapshot.FORMAT}","version":{snapshot.VERSION},"s3":{{}},"cognito":[],'
        f'"dynamodb":{{"{table}":{{"hash_key":"PK","range_key":"SK","items":[{",".join(lines)}]}}}}}}'
    )
    del lines

    started = time.perf_counter()
    assert snapshot.restore_snapshot(tmp_path, account_id=ACCOUNT, region=REGION)
    restore_s = time.perf_counter() - started
    print(f"restore of 100k items: {restore_s:.2f}s")
    # ~3 s on an idle 2-core box; generous bound for a loaded CI machine
    assert restore_s < 15, f"restore took {restore_s:.1f}s"

    partition = aws.ddb.query(
        TableName=table, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "ORG#042"}}
    )
    assert partition["Count"] == 200
    member = aws.ddb.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :m",
        ExpressionAttributeValues={":m": {"S": "MEMBER#1999"}},
    )
    assert member["Count"] == 50
    assert {"N": "1999.99"} in [i["amount"] for i in member["Items"]]
    email = aws.ddb.query(
        TableName=table,
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :e",
        ExpressionAttributeValues={":e": {"S": "EMAIL#4"}},
    )
    assert email["Count"] == 1

    out = tmp_path / "again"
    started = time.perf_counter()
    stats = snapshot.save_snapshot(out, account_id=ACCOUNT, region=REGION)
    print(f"save of 100k items: {time.perf_counter() - started:.2f}s, {stats['bytes'] / 1e6:.1f} MB")
    assert stats["items"] >= 100_000
    aws.ddb.delete_table(TableName=table)  # keep later snapshots in this region small


def test_periodic_snapshots_only_when_something_changed(aws: SimpleNamespace, tmp_path: Path) -> None:
    """GIVEN periodic snapshots every 50 ms
    WHEN nothing changes THEN nothing is written; WHEN a DynamoDB item or an
    S3 object or a Cognito user changes THEN a new snapshot appears; stop()
    ends the thread."""
    suffix = uuid.uuid4().hex[:8]
    table, bucket = f"snap-periodic-{suffix}", f"snap-periodic-{suffix}"
    create_table(aws.ddb, table)
    aws.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    pool_id, _ = create_pool(aws.idp, f"periodic-{suffix}")
    target = tmp_path / snapshot.SNAPSHOT_FILE

    def wait_for_new_snapshot(previous: int | None) -> int:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if target.exists() and target.stat().st_mtime_ns != previous:
                time.sleep(0.2)  # let a save in flight finish
                return target.stat().st_mtime_ns
            time.sleep(0.02)
        raise AssertionError("no snapshot written")

    stop = snapshot.start_periodic_snapshots(tmp_path, interval_s=0.05, account_id=ACCOUNT, region=REGION)
    try:
        time.sleep(0.4)
        assert not target.exists(), "nothing changed: nothing to save"

        aws.ddb.put_item(TableName=table, Item={"PK": {"S": "a"}, "SK": {"S": "1"}})
        mtime = wait_for_new_snapshot(None)
        time.sleep(0.3)
        assert target.stat().st_mtime_ns == mtime, "no change: no rewrite"

        aws.s3.put_object(Bucket=bucket, Key="k", Body=b"v")
        mtime = wait_for_new_snapshot(mtime)
        aws.idp.admin_create_user(UserPoolId=pool_id, Username="u1", MessageAction="SUPPRESS")
        mtime = wait_for_new_snapshot(mtime)
        saved = json.loads(target.read_bytes())
        assert saved["dynamodb"][table]["items"] == [{"PK": {"S": "a"}, "SK": {"S": "1"}}]
        assert [p["users"][0]["username"] for p in saved["cognito"] if p["name"] == f"periodic-{suffix}"] == ["u1"]
    finally:
        stop()
    aws.ddb.put_item(TableName=table, Item={"PK": {"S": "b"}, "SK": {"S": "2"}})
    time.sleep(0.3)
    assert target.stat().st_mtime_ns == mtime, "stopped: no more snapshots"


def test_background_save_writes_the_same_state_as_an_in_process_save(aws: SimpleNamespace, tmp_path: Path) -> None:
    """GIVEN items in a table WHEN saved by the forked (copy-on-write) path and in-process
    THEN both files hold the same items, and the parent never served under a held lock afterwards."""
    table = f"snap-bg-{uuid.uuid4().hex[:8]}"
    create_table(aws.ddb, table)
    for i in range(50):
        aws.ddb.put_item(TableName=table, Item={"PK": {"S": f"p{i % 5}"}, "SK": {"S": f"{i:03d}"},
                                                "amount": {"N": "45880.41"}})
    forked, inline = tmp_path / "forked", tmp_path / "inline"
    assert snapshot.save_snapshot_in_background(forked, account_id=ACCOUNT, region=REGION) is True
    snapshot.save_snapshot(inline, account_id=ACCOUNT, region=REGION)
    a = json.loads((forked / snapshot.SNAPSHOT_FILE).read_bytes())["dynamodb"][table]["items"]
    b = json.loads((inline / snapshot.SNAPSHOT_FILE).read_bytes())["dynamodb"][table]["items"]
    assert a == b and len(a) == 50
    aws.ddb.put_item(TableName=table, Item={"PK": {"S": "after"}, "SK": {"S": "1"}})  # lock was released


def test_periodic_save_waits_for_a_quiet_moment_but_not_forever(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """GIVEN writes arriving without a pause WHEN the interval has passed THEN no save (a fork under load
    stalls requests) until either 2 s pass without a change or the deferral limit is reached."""
    now = [1000.0]
    generation = [0]
    saves: list[float] = []
    monkeypatch.setattr(snapshot, "_fingerprint", lambda *_: generation[0])
    monkeypatch.setattr(snapshot, "save_snapshot_in_background",
                        lambda *_a, **_k: saves.append(now[0]) or True)

    def advance(seconds: float, busy: bool) -> None:
        # Fake time moves in half-second steps, each seen by the snapshot thread (it polls every 0.5 s).
        for _ in range(int(seconds * 2)):
            now[0] += 0.5
            if busy:
                generation[0] += 1
            time.sleep(0.6)

    stop = snapshot.start_periodic_snapshots(tmp_path, interval_s=30, quiet_s=2, max_deferral_s=60,
                                             clock=lambda: now[0])
    try:
        now[0] += 40  # past the interval, nothing changed: nothing to save
        time.sleep(0.7)
        assert saves == []
        advance(3, busy=True)  # changes keep coming: deferred
        assert saves == []
        advance(3, busy=False)  # 2 s of quiet: saved once
        assert len(saves) == 1
        generation[0] += 1
        now[0] += 59  # changes again, and stays busy past the deferral limit
        advance(1.5, busy=True)
        assert len(saves) == 2
    finally:
        stop()
