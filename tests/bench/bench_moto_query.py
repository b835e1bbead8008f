"""Benchmark: stock moto vs. fast_dynamodb on a product-sized single table.

Builds a 40,000-item table (PK/SK + GSI1..3, projection ALL) in which one base
partition and one GSI1 partition hold 1,819 items each, then times - over HTTP
against a ThreadedMotoServer, as the product sees it - a full partition Query,
a full GSI Query and a 2-item TransactWriteItems.

Each mode runs in its own subprocess so the patch cannot leak into the
"unpatched" figures.  Output: ``key=value`` lines (milliseconds, medians).

    .venv/bin/python tests/bench/bench_moto_query.py
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TABLE = "unioncore-bench"
REGION = "us-west-2"
ACCOUNT = "123456789012"
TOTAL_ITEMS = 40_000
HOT_PARTITION_SIZE = 1_819


def _median_ms(fn: Callable[[], Any], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def _populate() -> None:
    """Insert directly through moto's Table.put_item (same code path as HTTP)."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[ACCOUNT][REGION].get_table(TABLE)
    rng = random.Random(42)
    gsi_hot = set(rng.sample(range(HOT_PARTITION_SIZE, TOTAL_ITEMS), HOT_PARTITION_SIZE))
    for i in range(TOTAL_ITEMS):
        if i < HOT_PARTITION_SIZE:
            pk, sk = "ORG#hot", f"MEMBER#{i:06d}"
        else:
            pk, sk = f"ORG#{i % 2000:04d}", f"PAYMENT#2025-{i % 12 + 1:02d}#{i:06d}"
        item: dict[str, Any] = {
            "PK": {"S": pk},
            "SK": {"S": sk},
            "entity": {"S": "member" if i < HOT_PARTITION_SIZE else "payment"},
            "name": {"S": f"Person {i}"},
            "amount": {"N": f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}"},
            "status": {"S": rng.choice(["active", "lapsed", "pending"])},
            "created_at": {"S": f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}T10:00:00Z"},
            "version": {"N": "1"},
            "GSI1PK": {"S": "GSI#hot" if i in gsi_hot else f"GSI#{i % 500:03d}"},
            "GSI1SK": {"S": f"NAME#{i:06d}"},
        }
        if i % 3 == 0:
            item["GSI2PK"] = {"S": f"EMAIL#{i % 7000}"}
            item["GSI2SK"] = {"S": sk}
        if i % 5 == 0:
            item["GSI3PK"] = {"S": f"STATUS#{item['status']['S']}"}
            item["GSI3SK"] = {"S": item["created_at"]["S"]}
        table.put_item(item)


def run_mode(mode: str) -> dict[str, float]:
    import boto3
    from moto.server import ThreadedMotoServer

    if mode == "patched":
        sys.path.insert(0, str(REPO_ROOT))
        from infrastructure.local_runtime import fast_dynamodb

        fast_dynamodb.install()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://{host}:{port}",
        region_name=REGION,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    sys.path.insert(0, str(REPO_ROOT))
    from infrastructure.provision import table_key_schema

    # The product table's shape, read from infrastructure/resources.yaml.
    client.create_table(TableName=TABLE, **table_key_schema())
    started = time.perf_counter()
    _populate()
    populate_s = time.perf_counter() - started

    def query_all(**kwargs: Any) -> int:
        count, start_key = 0, None
        while True:
            if start_key:
                kwargs["ExclusiveStartKey"] = start_key
            page = client.query(TableName=TABLE, **kwargs)
            count += page["Count"]
            start_key = page.get("LastEvaluatedKey")
            if not start_key:
                return count

    def base_query() -> None:
        got = query_all(
            KeyConditionExpression="PK = :p",
            ExpressionAttributeValues={":p": {"S": "ORG#hot"}},
        )
        assert got == HOT_PARTITION_SIZE, got

    def gsi_query() -> None:
        got = query_all(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :p",
            ExpressionAttributeValues={":p": {"S": "GSI#hot"}},
        )
        assert got == HOT_PARTITION_SIZE, got

    def raw_http_query() -> None:
        # Same Query without boto3: the difference to query_partition_ms is the
        # client decoding 1,819 items, which no server-side fix can remove.
        body = json.dumps(
            {
                "TableName": TABLE,
                "KeyConditionExpression": "PK = :p",
                "ExpressionAttributeValues": {":p": {"S": "ORG#hot"}},
            }
        ).encode()
        request = urllib.request.Request(
            f"http://{host}:{port}/",
            data=body,
            headers={
                "X-Amz-Target": "DynamoDB_20120810.Query",
                "Content-Type": "application/x-amz-json-1.0",
                "Authorization": f"AWS4-HMAC-SHA256 Credential=bench/20250101/{REGION}/dynamodb/aws4_request, "
                "SignedHeaders=host, Signature=0",
            },
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            assert json.loads(response.read())["Count"] == HOT_PARTITION_SIZE

    counter = {"n": 0}

    def transact() -> None:
        counter["n"] += 1
        n = counter["n"]
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"PK": {"S": "ORG#hot"}, "SK": {"S": "MEMBER#000000"}},
                        "UpdateExpression": "SET version = version + :one",
                        "ConditionExpression": "version = :old",
                        "ExpressionAttributeValues": {
                            ":one": {"N": "1"},
                            ":old": {"N": str(n)},
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {"PK": {"S": "AUDIT#bench"}, "SK": {"S": f"{n:06d}"}},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )

    # Stock moto deep-copies the whole table per transaction (~25 s at 40k
    # items on a small machine): one sample is plenty to make the point.
    runs = 3 if mode == "unpatched" else 7
    transact_runs = 1 if mode == "unpatched" else 7
    started = time.perf_counter()
    gsi_query()  # first GSI query of the process builds the index when patched
    first_gsi_ms = round((time.perf_counter() - started) * 1000, 1)
    result = {
        "populate_s": round(populate_s, 1),
        "first_gsi_query_ms": first_gsi_ms,
        "query_partition_ms": _median_ms(base_query, runs),
        "gsi_query_ms": _median_ms(gsi_query, runs),
        "query_partition_raw_http_ms": _median_ms(raw_http_query, runs),
        "transact_write_ms": _median_ms(transact, transact_runs),
    }
    server.stop()
    return result


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--mode":
        print(json.dumps(run_mode(sys.argv[2])))
        return
    results: dict[str, dict[str, float]] = {}
    for mode in ("unpatched", "patched"):
        out = subprocess.run(
            [sys.executable, __file__, "--mode", mode],
            check=True,
            capture_output=True,
            text=True,
            timeout=170,
        )
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    for metric in ("query_partition_ms", "gsi_query_ms", "transact_write_ms"):
        for mode in ("unpatched", "patched"):
            print(f"{metric}_{mode}={results[mode][metric]}")
    for metric in ("query_partition_raw_http_ms", "first_gsi_query_ms", "populate_s"):
        for mode in ("unpatched", "patched"):
            print(f"{metric}_{mode}={results[mode][metric]}")


if __name__ == "__main__":
    main()
