"""fast_dynamodb against a real ThreadedMotoServer, over HTTP like the product.

Three oracles are used:
* a plain-Python model of the table (what DynamoDB should answer),
* stock moto itself (``uninstall()`` -> same queries -> ``install()``), which
  proves the patch returns byte-for-byte what moto would have returned,
* a from-scratch rebuild of the incrementally maintained hash indexes.
"""

from __future__ import annotations

import binascii

import contextlib
import copy
import logging
import random
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.server import ThreadedMotoServer

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from infrastructure.local_runtime import fast_dynamodb  # noqa: E402
from infrastructure.provision import table_key_schema  # noqa: E402

REGION = "us-west-2"
ACCOUNT = "123456789012"
GSIS = ("GSI1", "GSI2", "GSI3")
KEY_ATTRS = ["PK", "SK"] + [f"{g}{k}" for g in GSIS for k in ("PK", "SK")]

_ser = TypeSerializer()
_de = TypeDeserializer()


# --------------------------------------------------------------------------
# fixtures / helpers
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    was_installed = fast_dynamodb.is_installed()
    fast_dynamodb.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    if not was_installed:
        fast_dynamodb.uninstall()


def make_client(endpoint: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        # No silent client-side retries: every attempt must be visible.
        config=Config(retries={"mode": "standard", "max_attempts": 1}, max_pool_connections=30),
    )


@pytest.fixture(scope="module")
def ddb(endpoint: str) -> Any:
    return make_client(endpoint)


def create_product_table(ddb: Any, prefix: str, exact_name: str | None = None) -> str:
    """A table shaped like the product's (keys and GSIs read from infrastructure/resources.yaml)."""
    name = exact_name or f"{prefix}-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        **table_key_schema(),
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return name


def backend_table(name: str) -> Table:
    return dynamodb_backends[ACCOUNT][REGION].get_table(name)


def to_wire(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in item.items()}


def from_wire(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _de.deserialize(v) for k, v in item.items()}


def query_pages(ddb: Any, **kwargs: Any) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    while True:
        page = ddb.query(**kwargs)
        page.pop("ResponseMetadata", None)
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        assert len(pages) < 500, "pagination does not terminate"


def assert_indexes_match_rebuild(table: Table) -> None:
    """The incrementally maintained index equals one rebuilt from table.items."""
    live = fast_dynamodb._INDEXES.get(table)
    if live is None:
        return  # not built yet: nothing that could have drifted
    fresh = fast_dynamodb._build_indexes(table)
    assert live.signature == fresh.signature
    for name in fresh.buckets:
        got = {h: {pk: id(i) for pk, i in slot.items()} for h, slot in live.buckets[name].items()}
        want = {h: {pk: id(i) for pk, i in slot.items()} for h, slot in fresh.buckets[name].items()}
        assert got == want, f"index {name} drifted from table contents"


# --------------------------------------------------------------------------
# plain-Python reference model
# --------------------------------------------------------------------------
class Model:
    """What DynamoDB (and moto) should hold/answer, in plain Python."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def query(
        self,
        index: str | None,
        hash_value: str,
        range_op: str | None,
        range_values: list[str],
        forward: bool,
        filter_fn: Any,
        projection: list[str] | None,
    ) -> list[dict[str, Any]]:
        hash_attr, range_attr = ("PK", "SK") if index is None else (f"{index}PK", f"{index}SK")
        hits = [
            item
            for item in self.items.values()
            # sparse index: both index key attributes must be present
            if item.get(hash_attr) == hash_value and range_attr in item
        ]
        hits = [i for i in hits if range_matches(i[range_attr], range_op, range_values)]
        # Index ties on the range key are broken by the table key (moto's order;
        # DynamoDB leaves it unspecified).
        hits.sort(key=lambda i: (i[range_attr], i["PK"], i["SK"]), reverse=not forward)
        hits = [i for i in hits if filter_fn(i)]
        if projection:
            hits = [{k: v for k, v in i.items() if k in projection} for i in hits]
        return copy.deepcopy(hits)


def range_matches(value: str, op: str | None, values: list[str]) -> bool:
    if op is None:
        return True
    if op == "begins_with":
        return value.startswith(values[0])
    if op == "between":
        return values[0] <= value <= values[1]
    return {
        "=": value == values[0],
        "<": value < values[0],
        "<=": value <= values[0],
        ">": value > values[0],
        ">=": value >= values[0],
    }[op]


FILTERS: dict[str, tuple[str | None, dict[str, str], dict[str, Any], Any]] = {
    "none": (None, {}, {}, lambda i: True),
    "status": ("#st = :st", {"#st": "status"}, {":st": "active"}, lambda i: i.get("status") == "active"),
    "amount": (
        "amount > :amt",
        {},
        {":amt": Decimal("50000.00")},
        lambda i: "amount" in i and i["amount"] > Decimal("50000.00"),
    ),
    "tags": ("attribute_exists(tags)", {}, {}, lambda i: "tags" in i),
    "no_gsi2": ("attribute_not_exists(GSI2PK)", {}, {}, lambda i: "GSI2PK" not in i),
}


# --------------------------------------------------------------------------
# random workload
# --------------------------------------------------------------------------
class Workload:
    """Seeded random writes applied to both the server and the model."""

    PKS = ["ORG#1", "ORG#2"]
    SK_PREFIXES = ["MEMBER", "PAYMENT", "AUDIT"]
    GSI_PKS = {"GSI1": ["G1#a", "G1#b"], "GSI2": ["G2#a", "G2#b", "G2#c"], "GSI3": ["G3#x"]}
    GSI_SK_PREFIXES = ["NAME", "DATE"]

    def __init__(self, ddb: Any, table: str, model: Model, rng: random.Random) -> None:
        self.ddb, self.table, self.model, self.rng = ddb, table, model, rng

    # ---- value generators
    def key(self) -> tuple[str, str]:
        r = self.rng
        return r.choice(self.PKS), f"{r.choice(self.SK_PREFIXES)}#{r.randint(0, 25):03d}"

    def existing_or_new_key(self) -> tuple[str, str]:
        if self.model.items and self.rng.random() < 0.75:
            return self.rng.choice(sorted(self.model.items))
        return self.key()

    def gsi_value(self, attr: str) -> str:
        r = self.rng
        if attr.endswith("PK"):
            return r.choice(self.GSI_PKS[attr[:4]])
        return f"{r.choice(self.GSI_SK_PREFIXES)}#{r.randint(0, 12):02d}"

    def attr_value(self, attr: str) -> Any:
        r = self.rng
        if attr.startswith("GSI"):
            return self.gsi_value(attr)
        if attr == "status":
            return r.choice(["active", "lapsed", "pending"])
        if attr == "amount":
            return Decimal(f"{r.randint(0, 99999)}.{r.randint(0, 99):02d}")
        if attr == "tags":
            return {f"t{r.randint(0, 5)}" for _ in range(r.randint(1, 3))}
        raise AssertionError(attr)

    def full_item(self, pk: str, sk: str) -> dict[str, Any]:
        r = self.rng
        item: dict[str, Any] = {"PK": pk, "SK": sk, "status": self.attr_value("status")}
        for g in GSIS:
            # independent presence of hash/range -> exercises sparse indexes
            if r.random() < 0.7:
                item[f"{g}PK"] = self.gsi_value(f"{g}PK")
            if r.random() < 0.7:
                item[f"{g}SK"] = self.gsi_value(f"{g}SK")
        if r.random() < 0.8:
            item["amount"] = self.attr_value("amount")
        if r.random() < 0.4:
            item["tags"] = self.attr_value("tags")
        if r.random() < 0.3:
            item["profile"] = {"name": f"n{r.randint(0, 9)}", "scores": [Decimal(r.randint(0, 9))]}
        return item

    def update_spec(self) -> tuple[str, dict[str, str], dict[str, Any], Any]:
        """(UpdateExpression, names, values, apply(item) -> None)."""
        r = self.rng
        candidates = [a for a in KEY_ATTRS if a.startswith("GSI")] + ["status", "amount", "tags"]
        r.shuffle(candidates)
        set_attrs = candidates[: r.randint(0, 3)]
        remove_attrs = candidates[len(set_attrs) : len(set_attrs) + r.randint(0, 2)]
        bump = r.random() < 0.3 and "amount" not in set_attrs + remove_attrs
        if not (set_attrs or remove_attrs or bump):
            set_attrs = [candidates[0]]
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        new_values: dict[str, Any] = {}
        for n, attr in enumerate(set_attrs):
            names[f"#s{n}"] = attr
            values[f":s{n}"] = new_values[attr] = self.attr_value(attr)
            sets.append(f"#s{n} = :s{n}")
        if bump:
            values[":zero"], values[":d"] = Decimal("0"), Decimal("1.25")
            sets.append("amount = if_not_exists(amount, :zero) + :d")
        for n, attr in enumerate(remove_attrs):
            names[f"#r{n}"] = attr
        expression = ""
        if sets:
            expression += "SET " + ", ".join(sets)
        if remove_attrs:
            expression += " REMOVE " + ", ".join(f"#r{n}" for n in range(len(remove_attrs)))

        def apply(item: dict[str, Any]) -> None:
            item.update(copy.deepcopy(new_values))
            if bump:
                item["amount"] = item.get("amount", Decimal("0")) + Decimal("1.25")
            for attr in remove_attrs:
                item.pop(attr, None)

        return expression.strip(), names, values, apply

    # ---- operations
    def put(self) -> None:
        pk, sk = self.key()
        item = self.full_item(pk, sk)
        self.ddb.put_item(TableName=self.table, Item=to_wire(item))
        self.model.items[(pk, sk)] = item

    def conditional_put(self) -> None:
        pk, sk = self.existing_or_new_key()
        item = self.full_item(pk, sk)
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item=to_wire(item),
                ConditionExpression="attribute_not_exists(PK)",
            )
            assert (pk, sk) not in self.model.items
            self.model.items[(pk, sk)] = item
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"
            assert (pk, sk) in self.model.items

    def update(self) -> None:
        pk, sk = self.existing_or_new_key()
        expression, names, values, apply = self.update_spec()
        kwargs: dict[str, Any] = {}
        if self.rng.random() < 0.2:
            kwargs["ConditionExpression"] = "attribute_exists(PK)"
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=to_wire({"PK": pk, "SK": sk}),
                UpdateExpression=expression,
                **({"ExpressionAttributeNames": names} if names else {}),
                **({"ExpressionAttributeValues": to_wire(values)} if values else {}),
                **kwargs,
            )
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"
            assert (pk, sk) not in self.model.items
            return
        item = self.model.items.setdefault((pk, sk), {"PK": pk, "SK": sk})
        apply(item)

    def delete(self) -> None:
        pk, sk = self.existing_or_new_key()
        self.ddb.delete_item(TableName=self.table, Key=to_wire({"PK": pk, "SK": sk}))
        self.model.items.pop((pk, sk), None)

    def distinct_keys(self, n: int) -> list[tuple[str, str]]:
        keys: list[tuple[str, str]] = []
        while len(keys) < n:
            k = self.existing_or_new_key()
            if k not in keys:
                keys.append(k)
        return keys

    def batch_write(self) -> None:
        keys = self.distinct_keys(self.rng.randint(2, 6))
        requests, puts = [], {}
        for pk, sk in keys:
            if self.rng.random() < 0.6:
                puts[(pk, sk)] = self.full_item(pk, sk)
                requests.append({"PutRequest": {"Item": to_wire(puts[(pk, sk)])}})
            else:
                requests.append({"DeleteRequest": {"Key": to_wire({"PK": pk, "SK": sk})}})
        self.ddb.batch_write_item(RequestItems={self.table: requests})
        for k in keys:
            if k in puts:
                self.model.items[k] = puts[k]
            else:
                self.model.items.pop(k, None)

    def transact(self) -> None:
        r = self.rng
        keys = self.distinct_keys(r.randint(2, 4))
        ops: list[dict[str, Any]] = []
        effects: list[Any] = []
        would_fail = False
        for pk, sk in keys[:-1]:
            kind = r.choice(["Put", "Update", "Delete"])
            wire_key = to_wire({"PK": pk, "SK": sk})
            if kind == "Put":
                item = self.full_item(pk, sk)
                ops.append({"Put": {"TableName": self.table, "Item": to_wire(item)}})
                effects.append(lambda k=(pk, sk), i=item: self.model.items.__setitem__(k, i))
            elif kind == "Delete":
                ops.append({"Delete": {"TableName": self.table, "Key": wire_key}})
                effects.append(lambda k=(pk, sk): self.model.items.pop(k, None))
            else:
                expression, names, values, apply = self.update_spec()
                op: dict[str, Any] = {
                    "TableName": self.table,
                    "Key": wire_key,
                    "UpdateExpression": expression,
                }
                if names:
                    op["ExpressionAttributeNames"] = names
                if values:
                    op["ExpressionAttributeValues"] = to_wire(values)
                ops.append({"Update": op})
                effects.append(lambda k=(pk, sk), a=apply: a(self.model.items.setdefault(k, {"PK": k[0], "SK": k[1]})))
        if r.random() < 0.4:
            pk, sk = keys[-1]
            ops.append(
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": to_wire({"PK": pk, "SK": sk}),
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                }
            )
            would_fail = (pk, sk) not in self.model.items
        try:
            self.ddb.transact_write_items(TransactItems=ops)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "TransactionCanceledException"
            assert would_fail
            return
        assert not would_fail
        for effect in effects:
            effect()

    def step(self) -> None:
        ops = [
            (self.put, 30),
            (self.conditional_put, 10),
            (self.update, 25),
            (self.delete, 12),
            (self.batch_write, 8),
            (self.transact, 15),
        ]
        self.rng.choices([f for f, _ in ops], weights=[w for _, w in ops])[0]()

    # ---- queries
    def random_query(self) -> tuple[dict[str, Any], Any]:
        """(boto3 kwargs without pagination, expected items from the model)."""
        r = self.rng
        index = r.choice([None, *GSIS])
        if index is None:
            hash_attr, range_attr = "PK", "SK"
            hash_value = r.choice(self.PKS + ["ORG#missing"])
            prefixes = ["MEMBER", "PAYMENT#01", "AUDIT#0", "M", "ZZ"]
            points = [f"{p}#{r.randint(0, 25):03d}" for p in self.SK_PREFIXES]
        else:
            hash_attr, range_attr = f"{index}PK", f"{index}SK"
            hash_value = r.choice(self.GSI_PKS[index] + ["G#missing"])
            prefixes = ["NAME", "DATE#0", "NAME#1", "D", "Q"]
            points = [f"{p}#{r.randint(0, 12):02d}" for p in self.GSI_SK_PREFIXES]
        names = {"#h": hash_attr, "#r": range_attr}
        values: dict[str, Any] = {":h": hash_value}
        op = r.choice([None, None, None, "=", "<", "<=", ">", ">=", "begins_with", "between"])
        condition = "#h = :h"
        range_values: list[str] = []
        if op == "begins_with":
            range_values = [r.choice(prefixes)]
            condition += " AND begins_with(#r, :r0)"
        elif op == "between":
            range_values = sorted(r.sample(points, 2))
            condition += " AND #r BETWEEN :r0 AND :r1"
        elif op is not None:
            range_values = [r.choice(points)]
            condition += f" AND #r {op} :r0"
        if op is None:
            del names["#r"]
        for n, v in enumerate(range_values):
            values[f":r{n}"] = v
        filter_name = r.choices(list(FILTERS), weights=[5, 1, 1, 1, 1])[0]
        filter_expr, filter_names, filter_values, filter_fn = FILTERS[filter_name]
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ScanIndexForward": r.random() < 0.5,
        }
        if index:
            kwargs["IndexName"] = index
        if filter_expr:
            kwargs["FilterExpression"] = filter_expr
            names.update(filter_names)
            values.update(filter_values)
        projection = None
        if r.random() < 0.2:
            projection = ["PK", "SK", "amount", hash_attr, range_attr]
            kwargs["ProjectionExpression"] = ", ".join(f"#p{n}" for n in range(len(projection)))
            names.update({f"#p{n}": a for n, a in enumerate(projection)})
        if r.random() < 0.6:
            kwargs["Limit"] = r.randint(1, 8)
        kwargs["ExpressionAttributeNames"] = names
        kwargs["ExpressionAttributeValues"] = to_wire(values)
        expected = self.model.query(
            index, hash_value, op, range_values, kwargs["ScanIndexForward"], filter_fn, projection
        )
        return kwargs, expected


# --------------------------------------------------------------------------
# (1) differential / property tests
# --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [11, 23, 47])
def test_random_workload_queries_match_model_and_stock_moto(ddb: Any, seed: int) -> None:
    """GIVEN a product-shaped table (PK/SK + sparse GSI1..3) under random
    puts/conditional puts/updates that move GSI keys/deletes/batch writes/
    transactions
    WHEN random base and GSI queries run (both directions, =,<,<=,>,>=,
    begins_with, between, Limit + pagination, filters, projections)
    THEN the patched server returns exactly the model's items, exactly what
    stock moto returns page by page, and its hash indexes never drift."""
    table = create_product_table(ddb, f"fastddb-diff-{seed}")
    model = Model()
    work = Workload(ddb, table, model, random.Random(seed))
    for _ in range(40):
        work.put()

    for _round in range(6):
        for _ in range(12):
            work.step()
        assert_indexes_match_rebuild(backend_table(table))
        queries = [work.random_query() for _ in range(8)]
        patched_pages = []
        for kwargs, expected in queries:
            pages = query_pages(ddb, **copy.deepcopy(kwargs))
            got = [from_wire(i) for p in pages for i in p.get("Items", [])]
            assert got == expected, kwargs
            if "Limit" in kwargs:
                assert all(p["ScannedCount"] <= kwargs["Limit"] for p in pages)
            patched_pages.append(pages)

        fast_dynamodb.uninstall()
        try:
            stock_pages = [query_pages(ddb, **copy.deepcopy(kw)) for kw, _ in queries]
        finally:
            fast_dynamodb.install()
        assert patched_pages == stock_pages

    # a full scan (unpatched code path) still sees exactly the model
    scanned = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        scanned += [from_wire(i) for i in page["Items"]]
    assert sorted(scanned, key=lambda i: (i["PK"], i["SK"])) == [model.items[k] for k in sorted(model.items)]


def test_other_key_shapes_match_stock_moto(ddb: Any) -> None:
    """GIVEN a hash-only table and a table with a numeric range key, a GSI
    without range key, a KEYS_ONLY GSI and an LSI, plus a GSI added later
    by UpdateTable
    WHEN the same queries run patched and on stock moto
    THEN the responses are identical."""
    suffix = uuid.uuid4().hex[:8]
    hash_only, ranged = f"fastddb-hash-{suffix}", f"fastddb-num-{suffix}"
    ddb.create_table(
        TableName=hash_only,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "email", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_email",
                "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    ddb.create_table(
        TableName=ranged,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "n", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "score", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "g_only",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "g_score_keys",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "score", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_score",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "score", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    rng = random.Random(5)
    for i in range(60):
        item: dict[str, Any] = {"id": f"u{i % 40}", "name": f"x{i}"}
        if rng.random() < 0.6:
            item["email"] = f"e{rng.randint(0, 5)}@x"
        ddb.put_item(TableName=hash_only, Item=to_wire(item))
        row: dict[str, Any] = {"pk": f"p{rng.randint(0, 2)}", "n": Decimal(rng.randint(-50, 50))}
        if rng.random() < 0.7:
            row["g"] = rng.choice(["a", "b"])
        if rng.random() < 0.7:
            row["score"] = Decimal(f"{rng.randint(0, 20)}.{rng.randint(0, 9)}")
        ddb.put_item(TableName=ranged, Item=to_wire(row))
    ddb.delete_item(TableName=hash_only, Key=to_wire({"id": "u3"}))
    ddb.update_item(
        TableName=hash_only,
        Key=to_wire({"id": "u4"}),
        UpdateExpression="SET email = :e",
        ExpressionAttributeValues=to_wire({":e": "e1@x"}),
    )
    # A GSI created after data exists must be served from a rebuilt index.
    ddb.update_table(
        TableName=ranged,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
            {"AttributeName": "name", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "pk_only",
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )

    def q(table: str, cond: str, values: dict[str, Any], **kw: Any) -> dict[str, Any]:
        return {
            "TableName": table,
            "KeyConditionExpression": cond,
            "ExpressionAttributeValues": to_wire(values),
            **kw,
        }

    queries = [q(hash_only, "id = :v", {":v": f"u{i}"}) for i in (0, 3, 4, 99)]
    queries += [q(hash_only, "email = :v", {":v": f"e{i}@x"}, IndexName="by_email") for i in range(6)]
    for p in ("p0", "p1", "p2"):
        queries += [
            q(ranged, "pk = :p", {":p": p}),
            q(ranged, "pk = :p AND n BETWEEN :a AND :b", {":p": p, ":a": -10, ":b": 25}, Limit=3),
            q(ranged, "pk = :p AND score > :s", {":p": p, ":s": Decimal("7.5")}, IndexName="by_score"),
            q(ranged, "pk = :p", {":p": p}, IndexName="pk_only", ScanIndexForward=False),
        ]
    for g in ("a", "b", "c"):
        queries += [
            q(ranged, "g = :g", {":g": g}, IndexName="g_only", Limit=4),
            q(ranged, "g = :g AND score <= :s", {":g": g, ":s": 12}, IndexName="g_score_keys"),
        ]

    patched = [query_pages(ddb, **copy.deepcopy(kw)) for kw in queries]
    fast_dynamodb.uninstall()
    try:
        stock = [query_pages(ddb, **copy.deepcopy(kw)) for kw in queries]
    finally:
        fast_dynamodb.install()
    assert patched == stock
    assert any(p[0]["Count"] for p in patched)


def test_restored_and_recreated_tables_get_their_own_indexes(ddb: Any) -> None:
    """GIVEN a table whose GSI index is built
    WHEN it is backed up and restored under a new name, and the original is
    deleted and re-created empty under the same name
    THEN the restored table answers GSI queries from its copied items and the
    re-created one answers from nothing (no stale index survives)."""
    table = create_product_table(ddb, "fastddb-backup")
    for n in range(5):
        ddb.put_item(TableName=table, Item=to_wire({"PK": "P", "SK": f"{n}", "GSI1PK": "g", "GSI1SK": f"s{n}"}))
    assert len(_gsi1(ddb, table, "g")) == 5
    backup = ddb.create_backup(TableName=table, BackupName="nightly")["BackupDetails"]["BackupArn"]
    restored = f"{table}-restored"
    ddb.restore_table_from_backup(TargetTableName=restored, BackupArn=backup)
    ddb.delete_item(TableName=table, Key=to_wire({"PK": "P", "SK": "0"}))
    assert len(_gsi1(ddb, restored, "g")) == 5
    assert len(_gsi1(ddb, table, "g")) == 4

    ddb.delete_table(TableName=table)
    create_product_table(ddb, "", exact_name=table)
    assert _gsi1(ddb, table, "g") == []
    assert len(_gsi1(ddb, restored, "g")) == 5


def test_invalid_index_errors_are_moto_errors(ddb: Any) -> None:
    """GIVEN a table WHEN querying an index that does not exist THEN the
    ValidationException is moto's own (the patch defers to moto)."""
    table = create_product_table(ddb, "fastddb-err")
    with pytest.raises(ClientError) as err:
        ddb.query(
            TableName=table,
            IndexName="NOPE",
            KeyConditionExpression="GSI1PK = :v",
            ExpressionAttributeValues={":v": {"S": "x"}},
        )
    assert err.value.response["Error"]["Code"] in {"ValidationException", "ResourceNotFoundException"}


dynamo_scalars = st.one_of(
    st.text(max_size=8).map(lambda s: {"S": s}),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: {"N": str(d)}),
    st.binary(max_size=6).map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.sets(st.text(min_size=1, max_size=5), min_size=1, max_size=3).map(lambda s: {"SS": list(s)}),
    st.sets(st.integers(-999, 999), min_size=1, max_size=3).map(lambda s: {"NS": [str(i) for i in s]}),
    st.sets(st.binary(min_size=1, max_size=4), min_size=1, max_size=3).map(lambda s: {"BS": list(s)}),
)
dynamo_values = st.recursive(
    dynamo_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda v: {"L": v}),
        st.dictionaries(st.text(max_size=5), inner, max_size=3).map(lambda v: {"M": v}),
    ),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), dynamo_values, min_size=1, max_size=6))
def test_fast_item_size_equals_moto_size(attrs: dict[str, Any]) -> None:
    """GIVEN any DynamoDB item WHEN sized by the patch THEN the number is
    moto's own (it drives the 1 MB page limit)."""
    item = Item(DynamoType({"S": "h"}), None, attrs)
    original_item_size = fast_dynamodb._ORIGINALS.get("Item.size") or Item.size
    original_type_size = fast_dynamodb._ORIGINALS.get("DynamoType.size") or DynamoType.size
    assert fast_dynamodb._item_size(item) == original_item_size(item)
    for value in item.attrs.values():
        assert fast_dynamodb._dynamo_type_size(value) == original_type_size(value)


def _sets_sorted(value: Any) -> Any:
    """DynamoDB sets are unordered; moto's own projection may reorder their members."""
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else _sets_sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sets_sorted(v) for v in value]
    return value


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), dynamo_values, min_size=1, max_size=6),
       st.lists(st.text(min_size=1, max_size=6), max_size=4), st.data())
def test_fast_projection_equals_moto_projection(attrs: dict[str, Any], absent: list[str], data: Any) -> None:
    """GIVEN any DynamoDB item WHEN projected to some of its top-level attributes (and some it lacks)
    THEN the patch returns moto's own projected item."""
    item = Item(DynamoType({"S": "h"}), None, attrs)
    names = data.draw(st.lists(st.sampled_from(sorted(attrs)), max_size=len(attrs), unique=True)) + absent
    paths = [[name] for name in names]
    original = fast_dynamodb._ORIGINALS.get("Item.project") or Item.project
    try:
        expected = original(item, paths).to_json()
    except (binascii.Error, ArithmeticError):
        assume(False)  # not valid base64 / not a DynamoDB number: moto refuses such items on the wire
    assert _sets_sorted(fast_dynamodb._item_project(item, paths).to_json()) == _sets_sorted(expected)


# --------------------------------------------------------------------------
# (2) transaction rollback
# --------------------------------------------------------------------------
def _get(ddb: Any, table: str, pk: str, sk: str) -> dict[str, Any] | None:
    item = ddb.get_item(TableName=table, Key=to_wire({"PK": pk, "SK": sk}), ConsistentRead=True)
    return from_wire(item["Item"]) if "Item" in item else None


def _gsi1(ddb: Any, table: str, value: str) -> list[tuple[str, str]]:
    pages = query_pages(
        ddb,
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :v",
        ExpressionAttributeValues=to_wire({":v": value}),
    )
    return [(i["PK"]["S"], i["SK"]["S"]) for p in pages for i in p["Items"]]


def test_cancelled_transaction_restores_exactly_the_touched_items(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN items A (indexed in GSI1), B, C, E and 30 bystanders
    WHEN a transaction updates A's GSI key, puts new D, deletes B, overwrites
    E and then fails a ConditionCheck on C (ReturnValuesOnConditionCheckFailure
    ALL_OLD)
    THEN it is cancelled with per-item reasons, A/B/E are exactly as before, D
    does not exist, bystanders are untouched, GSI1 answers as before, the table
    object was never deep-copied and no stream record of the attempt remains."""
    table = create_product_table(ddb, "fastddb-tx")
    items = {
        "A": {"PK": "ORG#1", "SK": "A", "GSI1PK": "G#old", "GSI1SK": "1", "amount": Decimal("45880.41"), "version": 3},
        "B": {"PK": "ORG#1", "SK": "B", "GSI1PK": "G#old", "GSI1SK": "2", "tags": {"x", "y"}},
        "C": {"PK": "ORG#1", "SK": "C", "status": "active"},
        "E": {"PK": "ORG#2", "SK": "E", "profile": {"k": [Decimal("1.5"), "v"]}},
    }
    bystanders = [{"PK": "ORG#3", "SK": f"U{i:02d}", "GSI1PK": "G#old", "GSI1SK": f"u{i:02d}"} for i in range(30)]
    for item in [*items.values(), *bystanders]:
        ddb.put_item(TableName=table, Item=to_wire(item))
    live = backend_table(table)
    before_objects = {k: id(v) for k, v in live.items[DynamoType({"S": "ORG#3"})].items()}
    stream_len = len(live.stream_shard.items)
    gsi_before = _gsi1(ddb, table, "G#old")

    deep_copied: list[type] = []
    real_deepcopy = copy.deepcopy

    def spy(x: Any, memo: Any = None) -> Any:
        deep_copied.append(type(x))
        return real_deepcopy(x, memo)

    monkeypatch.setattr(copy, "deepcopy", spy)
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": to_wire({"PK": "ORG#1", "SK": "A"}),
                        "UpdateExpression": "SET GSI1PK = :g, amount = amount + :d, version = version + :one",
                        "ExpressionAttributeValues": to_wire({":g": "G#new", ":d": Decimal("0.59"), ":one": 1}),
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": to_wire({"PK": "ORG#1", "SK": "D", "GSI1PK": "G#new", "GSI1SK": "9"}),
                    }
                },
                {"Delete": {"TableName": table, "Key": to_wire({"PK": "ORG#1", "SK": "B"})}},
                {"Put": {"TableName": table, "Item": to_wire({"PK": "ORG#2", "SK": "E", "replaced": True})}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": to_wire({"PK": "ORG#1", "SK": "C"}),
                        "ConditionExpression": "#s = :s",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": to_wire({":s": "closed"}),
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    monkeypatch.undo()

    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = err.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "None", "None", "None", "ConditionalCheckFailed"]
    assert from_wire(reasons[4]["Item"]) == items["C"]
    for name in ("A", "B", "C", "E"):
        assert _get(ddb, table, items[name]["PK"], items[name]["SK"]) == items[name]
    assert _get(ddb, table, "ORG#1", "D") is None
    after_objects = {k: id(v) for k, v in live.items[DynamoType({"S": "ORG#3"})].items()}
    assert after_objects == before_objects, "bystander items must not even be re-created"
    assert _gsi1(ddb, table, "G#old") == gsi_before
    assert _gsi1(ddb, table, "G#new") == []
    assert backend_table(table) is live
    assert Table not in deep_copied and not any(issubclass(t, Table) for t in deep_copied)
    assert len(live.stream_shard.items) == stream_len
    assert_indexes_match_rebuild(live)


def test_multiple_operations_on_one_item_rolls_back_earlier_writes(ddb: Any) -> None:
    """GIVEN an empty key WHEN a transaction puts it and then also touches it
    again THEN moto's ValidationException is returned and the first put is
    undone."""
    table = create_product_table(ddb, "fastddb-tx-dup")
    key = to_wire({"PK": "ORG#1", "SK": "X"})
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": to_wire({"PK": "ORG#9", "SK": "new", "GSI1PK": "g", "GSI1SK": "s"}),
                    }
                },
                {"Put": {"TableName": table, "Item": {**key, "n": {"N": "1"}}}},
                {"Delete": {"TableName": table, "Key": key}},
            ]
        )
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "multiple operations on one item" in err.value.response["Error"]["Message"]
    assert _get(ddb, table, "ORG#9", "new") is None
    assert _get(ddb, table, "ORG#1", "X") is None
    assert _gsi1(ddb, table, "g") == []


def test_successful_transaction_is_visible_in_indexes(ddb: Any) -> None:
    """GIVEN an item in GSI1 WHEN a transaction moves it to another GSI1
    partition and adds an item THEN queries on both partitions reflect it."""
    table = create_product_table(ddb, "fastddb-tx-ok")
    ddb.put_item(TableName=table, Item=to_wire({"PK": "P", "SK": "1", "GSI1PK": "old", "GSI1SK": "a"}))
    assert _gsi1(ddb, table, "old") == [("P", "1")]
    ddb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": to_wire({"PK": "P", "SK": "1"}),
                    "UpdateExpression": "SET GSI1PK = :n",
                    "ExpressionAttributeValues": to_wire({":n": "new"}),
                }
            },
            {"Put": {"TableName": table, "Item": to_wire({"PK": "P", "SK": "2", "GSI1PK": "new", "GSI1SK": "b"})}},
        ]
    )
    assert _gsi1(ddb, table, "old") == []
    assert _gsi1(ddb, table, "new") == [("P", "1"), ("P", "2")]


# --------------------------------------------------------------------------
# (3) real races
# --------------------------------------------------------------------------
THREADS = 20


def _race(endpoint: str, work: Any) -> list[Any]:
    """Run work(client, thread_no) on THREADS threads released together."""
    clients = [make_client(endpoint) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = work(clients[n], n)
        except Exception as e:  # noqa: BLE001 - reported to the assertion below
            results[n] = e

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _code(result: Any) -> str:
    if isinstance(result, ClientError):
        return str(result.response["Error"]["Code"])
    if isinstance(result, Exception):
        return f"unexpected {result!r}"
    return "OK"


RACE_WINDOW_S = 0.01


@contextlib.contextmanager
def widened_race_window() -> Iterator[None]:
    """Sleep inside moto's check-then-act window (after reading the current
    item, before writing) so that an unserialised server WOULD interleave.

    Every conditional write parses its condition between the read and the
    write, so the sleep goes there: Table.put_item (PutItem, transaction
    puts), stock transact_write_items, and the adapter's transact."""
    import moto.dynamodb.models as models_module
    from moto.dynamodb.models import table as table_module

    owners = [models_module, table_module, fast_dynamodb]
    originals = [owner.get_filter_expression for owner in owners]

    def slow(original: Any) -> Any:
        def wrapper(expression: Any, *args: Any, **kwargs: Any) -> Any:
            if expression:
                time.sleep(RACE_WINDOW_S)
            return original(expression, *args, **kwargs)

        return wrapper

    for owner, original in zip(owners, originals):
        owner.get_filter_expression = slow(original)
    try:
        yield
    finally:
        for owner, original in zip(owners, originals):
            owner.get_filter_expression = original


def put_race(endpoint: str, table: str, sk: str) -> list[str]:
    def work(client: Any, n: int) -> str:
        client.put_item(
            TableName=table,
            Item=to_wire({"PK": "LOCK", "SK": sk, "owner": n}),
            ConditionExpression="attribute_not_exists(PK)",
        )
        return "OK"

    return [_code(r) for r in _race(endpoint, work)]


def test_race_harness_catches_stock_moto(endpoint: str, ddb: Any) -> None:
    """GIVEN stock moto (adapter uninstalled) and the widened race window
    WHEN 20 clients race a conditional PutItem on one key
    THEN more than one 'wins' (in at least one of up to 5 rounds) - i.e. the
    race tests below can see the bug."""
    table = create_product_table(ddb, "fastddb-race-stock")
    winners = []
    fast_dynamodb.uninstall()
    try:
        with widened_race_window():
            # Thread start-up jitter occasionally serialises a round by itself.
            for attempt in range(5):
                winners.append(put_race(endpoint, table, f"stock-{attempt}").count("OK"))
                if winners[-1] > 1:
                    break
    finally:
        fast_dynamodb.install()
    assert max(winners) > 1, winners


def test_concurrent_conditional_puts_have_exactly_one_winner(endpoint: str, ddb: Any) -> None:
    """GIVEN 20 clients racing (barrier-released) to create the same key with
    attribute_not_exists(PK), over 3 keys, with moto's check-then-act window
    widened
    WHEN they all PutItem at once
    THEN exactly one succeeds per key, the others get ConditionalCheckFailed,
    and the stored item is the winner's."""
    table = create_product_table(ddb, "fastddb-race-put")
    with widened_race_window():
        for round_no in range(3):
            codes = put_race(endpoint, table, f"r{round_no}")
            assert codes.count("OK") == 1, codes
            assert codes.count("ConditionalCheckFailedException") == THREADS - 1, codes
            winner = codes.index("OK")
            assert _get(ddb, table, "LOCK", f"r{round_no}")["owner"] == winner


def test_concurrent_versioned_transactions_lose_no_update(endpoint: str, ddb: Any) -> None:
    """GIVEN a counter at version 0
    WHEN 20 clients simultaneously TransactWrite 'version 0 -> 1' (+ a ledger
    item) with the check-then-act window widened, and then 20 clients each
    retry read-modify-write transactions until their own increment lands
    THEN the first race has exactly one winner, and at the end version == 21
    with 21 distinct ledger entries and every thread's increment recorded
    exactly once."""
    table = create_product_table(ddb, "fastddb-race-tx")
    counter_key = to_wire({"PK": "COUNTER", "SK": "C"})
    ddb.put_item(TableName=table, Item=to_wire({"PK": "COUNTER", "SK": "C", "version": 0, "log": []}))

    def increment(client: Any, old: int, who: int) -> None:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": counter_key,
                        "UpdateExpression": "SET version = :new, #log = list_append(#log, :me)",
                        "ConditionExpression": "version = :old",
                        "ExpressionAttributeNames": {"#log": "log"},
                        "ExpressionAttributeValues": to_wire({":new": old + 1, ":old": old, ":me": [who]}),
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": to_wire({"PK": "LEDGER", "SK": f"{old + 1:04d}", "by": who}),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )

    def first_race(client: Any, n: int) -> str:
        increment(client, 0, n)
        return "OK"

    with widened_race_window():
        codes = [_code(r) for r in _race(endpoint, first_race)]
    assert codes.count("OK") == 1, codes
    assert codes.count("TransactionCanceledException") == THREADS - 1, codes
    first_winner = codes.index("OK")

    def until_done(client: Any, n: int) -> int:
        attempts = 0
        while True:
            attempts += 1
            current = client.get_item(TableName=table, Key=counter_key, ConsistentRead=True)["Item"]
            try:
                increment(client, int(current["version"]["N"]), 100 + n)
                return attempts
            except ClientError as e:
                if e.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                assert attempts < 500

    results = _race(endpoint, until_done)
    assert all(isinstance(r, int) for r in results), results
    final = _get(ddb, table, "COUNTER", "C")
    assert final["version"] == THREADS + 1
    assert final["log"][0] == first_winner
    assert sorted(final["log"][1:]) == [100 + n for n in range(THREADS)]
    ledger = query_pages(
        ddb,
        TableName=table,
        KeyConditionExpression="PK = :p",
        ExpressionAttributeValues=to_wire({":p": "LEDGER"}),
    )
    entries = [from_wire(i) for p in ledger for i in p["Items"]]
    assert [e["SK"] for e in entries] == [f"{v:04d}" for v in range(1, THREADS + 2)]
    assert [e["by"] for e in entries] == final["log"]


# --------------------------------------------------------------------------
# (4) idempotency
# --------------------------------------------------------------------------
def test_install_is_idempotent(ddb: Any) -> None:
    """GIVEN the adapter installed WHEN install() runs again THEN nothing is
    wrapped twice and queries still work; uninstall restores stock moto."""
    fast_dynamodb.install()
    patched = {
        "query": Table.query,
        "call_action": DynamoHandler.call_action,
        "patches": len(fast_dynamodb._patches),
    }
    fast_dynamodb.install()
    assert Table.query is patched["query"]
    assert DynamoHandler.call_action is patched["call_action"]
    assert len(fast_dynamodb._patches) == patched["patches"]
    # The handler wrapper wraps moto's function, not another wrapper.
    inner = DynamoHandler.call_action.__wrapped__
    assert not getattr(inner, "__fast_dynamodb__", False)

    table = create_product_table(ddb, "fastddb-idem")
    ddb.put_item(TableName=table, Item=to_wire({"PK": "P", "SK": "1", "GSI1PK": "g", "GSI1SK": "s"}))
    assert _gsi1(ddb, table, "g") == [("P", "1")]

    fast_dynamodb.uninstall()
    try:
        assert not getattr(Table.query, "__fast_dynamodb__", False)
        assert not getattr(DynamoHandler.call_action, "__fast_dynamodb__", False)
        assert _gsi1(ddb, table, "g") == [("P", "1")]
    finally:
        fast_dynamodb.install()
    assert getattr(Table.query, "__fast_dynamodb__", False)
