"""The store on DynamoDB: one table, the botocore client, items mapped by each entity's codec."""

from __future__ import annotations

import functools
import uuid
from dataclasses import replace
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from chalicelib.core.errors import DuplicateKey, StaleVersion
from chalicelib.core.store import keys as core_keys
from chalicelib.core.store.attrs import from_item, to_attr, to_item
from chalicelib.core.store.codec import INDEX_KEYS, ItemCodec, Key, UniqueKey, codec_for
from chalicelib.core.store.ports import MAX_TRANSACTION_ITEMS, Page, refuse_rewrite as _refuse_rewrite
from chalicelib.core.store.query import Cond, Query

R = TypeVar("R")

# The one SDK client's connection pool: a threaded local server runs many requests at once (a Lambda
# runs one, so this costs nothing there).
MAX_POOL_CONNECTIONS = 64


@functools.lru_cache(maxsize=4)
def _client(region: str, endpoint_url: str | None) -> Any:
    """One botocore client per table endpoint: building one loads the service model (~60-100 ms)."""
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    config = Config(max_pool_connections=MAX_POOL_CONNECTIONS, retries={"max_attempts": 4, "mode": "standard"},
                    connect_timeout=3, read_timeout=10)
    return session.create_client("dynamodb", region_name=region, endpoint_url=endpoint_url, config=config)


class _Expr:
    """Builds expression attribute names/values with collision-free placeholders."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attr: str) -> str:
        for placeholder, existing in self.names.items():
            if existing == attr:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attr
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = to_attr(value)
        return placeholder

    def cond(self, c: Cond) -> str:
        n = self.name(c.attr)
        if c.op == "absent":
            return f"attribute_not_exists({n})"
        if c.op == "present":
            return f"attribute_exists({n})"
        if c.op == "eq":
            return f"{n} = {self.value(c.value)}"
        return f"contains({n}, {self.value(c.value)})"

    def into(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            params["ExpressionAttributeNames"] = self.names
        if self.values:
            params["ExpressionAttributeValues"] = self.values
        return params


def _key(key: Key) -> dict[str, Any]:
    return {"PK": {"S": key[0]}, "SK": {"S": key[1]}}


def _condition(expected_version: int | None) -> tuple[str, _Expr]:
    expr = _Expr()
    if expected_version is None:
        return f"attribute_not_exists({expr.name('PK')})", expr
    return f"{expr.name('version')} = {expr.value(expected_version)}", expr


def _is_condition_failure(exc: Exception) -> bool:
    return getattr(exc, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoWriteBatch:
    def __init__(self, store: DynamoStore) -> None:
        self._store = store
        # (operation, unique key it claims or None, record to notify after commit or None)
        self._ops: list[tuple[dict[str, Any], str | None, Any]] = []

    def __len__(self) -> int:
        return len(self._ops)

    def _add(self, op: dict[str, Any], claim: str | None = None, record: Any = None) -> None:
        if len(self._ops) >= MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a batch holds at most {MAX_TRANSACTION_ITEMS} changes")
        self._ops.append((op, claim, record))

    def put(self, record: Any, expected_version: int | None = None) -> None:
        codec = codec_for(record)
        _refuse_rewrite(codec, expected_version)
        new_version = 1 if expected_version is None else expected_version + 1
        condition, expr = _condition(expected_version)
        item = to_item(codec.item(record, new_version))
        self._add({"Put": expr.into({"TableName": self._store.table, "Item": item,
                                     "ConditionExpression": condition})}, None, record)

    def delete(self, record: Any, expected_version: int | None = None) -> None:
        codec = codec_for(record)
        _refuse_rewrite(codec, expected_version, deleting=True)
        expr = _Expr()
        condition = (f"attribute_exists({expr.name('PK')})" if expected_version is None
                     else f"{expr.name('version')} = {expr.value(expected_version)}")
        self._add({"Delete": expr.into({"TableName": self._store.table, "Key": _key(codec.key(record)),
                                        "ConditionExpression": condition})}, None, record)

    def check(self, record: Any, expected_version: int) -> None:
        codec = codec_for(record)
        condition, expr = _condition(expected_version)
        self._add({"ConditionCheck": expr.into({"TableName": self._store.table, "Key": _key(codec.key(record)),
                                                "ConditionExpression": condition})})

    def create_unique(self, unique_key: str, owner_id: str) -> None:
        expr = _Expr()
        item = {"PK": unique_key, "SK": UniqueKey.SK, "entity": UniqueKey.ENTITY, "owner_id": owner_id}
        self._add({"Put": expr.into({"TableName": self._store.table, "Item": to_item(item),
                                     "ConditionExpression": f"attribute_not_exists({expr.name('PK')})"})},
                  unique_key)

    def release_unique(self, unique_key: str, owner_id: str) -> None:
        expr = _Expr()
        condition = f"{expr.name('owner_id')} = {expr.value(owner_id)}"
        self._add({"Delete": expr.into({"TableName": self._store.table, "Key": _key((unique_key, UniqueKey.SK)),
                                        "ConditionExpression": condition})})

    def transfer_unique(self, unique_key: str, from_owner: str, to_owner: str) -> None:
        expr = _Expr()
        item = {"PK": unique_key, "SK": UniqueKey.SK, "entity": UniqueKey.ENTITY, "owner_id": to_owner}
        condition = f"{expr.name('owner_id')} = {expr.value(from_owner)}"
        self._add({"Put": expr.into({"TableName": self._store.table, "Item": to_item(item),
                                     "ConditionExpression": condition})})

    def audit(self, entry: Any) -> None:
        codec = codec_for(entry)
        expr = _Expr()
        self._add({"Put": expr.into({"TableName": self._store.table, "Item": to_item(codec.item(entry, None)),
                                     "ConditionExpression": f"attribute_not_exists({expr.name('PK')})"})})

    def commit(self) -> None:
        if not self._ops:
            return
        from botocore.exceptions import ClientError

        try:
            # The request token makes the SDK's own retry of a commit that timed out idempotent: DynamoDB
            # answers the retry with the first attempt's outcome instead of a refused condition.
            self._store.client.transact_write_items(TransactItems=[op for op, _, _ in self._ops],
                                                    ClientRequestToken=uuid.uuid4().hex)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            for (_, claim, _), reason in zip(self._ops, reasons, strict=False):
                code = (reason or {}).get("Code")
                if code == "ConditionalCheckFailed":
                    if claim:
                        raise DuplicateKey(claim) from exc
                    raise StaleVersion() from exc
            if any((r or {}).get("Code") == "TransactionConflict" for r in reasons):
                raise StaleVersion() from exc  # another transaction held an item: the caller's data is stale
            raise
        for _, _, record in self._ops:
            if record is not None:
                codec_for(record).after_commit(record)


class DynamoCounters:
    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def hit(self, key: str, window_s: int, now: float) -> tuple[int, int]:
        window = int(now // window_s) * window_s
        pk, sk = core_keys.rate_window(key, window)
        # An atomic ADD: every Lambda instance sees the same count.
        resp = self._store.client.update_item(
            TableName=self._store.table, Key=_key((pk, sk)),
            UpdateExpression="ADD #c :one SET #e = :exp, #t = :entity",
            ExpressionAttributeNames={"#c": "count", "#e": "expires_at", "#t": "entity"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":exp": {"N": str(window + 2 * window_s)},
                                       ":entity": {"S": "counter"}},
            ReturnValues="UPDATED_NEW")
        return int(resp["Attributes"]["count"]["N"]), int(window + window_s - now) + 1

    def failures(self, key: str) -> tuple[int, float | None]:
        resp = self._store.client.get_item(TableName=self._store.table, Key=_key(core_keys.failures(key)),
                                           ConsistentRead=True)
        item = from_item(resp.get("Item") or {})
        locked = item.get("locked_until")
        return int(item.get("count") or 0), (float(locked) if locked else None)

    def record_failure(self, key: str, threshold: int, lock_s: int, now: float) -> tuple[int, float | None]:
        from botocore.exceptions import ClientError

        k = _key(core_keys.failures(key))
        resp = self._store.client.update_item(
            TableName=self._store.table, Key=k, UpdateExpression="ADD #c :one SET #e = :exp, #t = :entity",
            ExpressionAttributeNames={"#c": "count", "#e": "expires_at", "#t": "entity"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":exp": {"N": str(int(now) + 86400)},
                                       ":entity": {"S": "counter"}},
            ReturnValues="UPDATED_NEW")
        count = int(resp["Attributes"]["count"]["N"])
        if count < threshold:
            return count, None
        until = now + lock_s
        try:
            self._store.client.update_item(
                TableName=self._store.table, Key=k, UpdateExpression="SET #l = :until, #c = :zero",
                ConditionExpression="#c = :count", ExpressionAttributeNames={"#l": "locked_until", "#c": "count"},
                ExpressionAttributeValues={":until": to_attr(_decimal(until)), ":zero": {"N": "0"},
                                           ":count": {"N": str(count)}})
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise  # otherwise another failure raced us; it sets the lock
        return count, until

    def clear_failures(self, key: str) -> None:
        # Deleting an item that does not exist succeeds in DynamoDB: nothing to guard.
        self._store.client.delete_item(TableName=self._store.table, Key=_key(core_keys.failures(key)))


def _decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(repr(value))


class DynamoTickets:
    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def put(self, key: str, data: dict[str, Any], expires_at: int) -> None:
        pk, sk = core_keys.ticket(key)
        item = {"PK": pk, "SK": sk, "entity": "ticket", "data": data, "expires_at": expires_at}
        self._store.client.put_item(TableName=self._store.table, Item=to_item(item))

    def get(self, key: str, now: float) -> dict[str, Any] | None:
        resp = self._store.client.get_item(TableName=self._store.table, Key=_key(core_keys.ticket(key)),
                                           ConsistentRead=True)
        return _live(resp.get("Item"), now)

    def take(self, key: str, now: float) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            # Conditional delete returning the old item: of two concurrent takers only one gets it.
            resp = self._store.client.delete_item(
                TableName=self._store.table, Key=_key(core_keys.ticket(key)),
                ConditionExpression="attribute_exists(PK)", ReturnValues="ALL_OLD")
        except ClientError as exc:
            if _is_condition_failure(exc):
                return None
            raise
        return _live(resp.get("Attributes"), now)


def _live(raw: Mapping[str, Any] | None, now: float) -> dict[str, Any] | None:
    if not raw:
        return None
    item = from_item(raw)
    if int(item["expires_at"]) <= now:  # TTL deletion is lazy: an expired ticket is gone
        return None
    return dict(item["data"])


class DynamoSequences:
    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def next(self, name: str, floor: int = 0) -> int:
        # One atomic update: a new sequence starts from `floor`; concurrent callers each get their own value.
        resp = self._store.client.update_item(
            TableName=self._store.table, Key=_key(core_keys.sequence(name)),
            UpdateExpression="SET #v = if_not_exists(#v, :floor) + :one, #t = :entity",
            ExpressionAttributeNames={"#v": "value", "#t": "entity"},
            ExpressionAttributeValues={":floor": {"N": str(floor)}, ":one": {"N": "1"},
                                       ":entity": {"S": "sequence"}},
            ReturnValues="UPDATED_NEW")
        return int(resp["Attributes"]["value"]["N"])

    def current(self, name: str) -> int:
        resp = self._store.client.get_item(TableName=self._store.table, Key=_key(core_keys.sequence(name)),
                                           ConsistentRead=True)
        return int(from_item(resp.get("Item") or {}).get("value") or 0)

    def raise_to(self, name: str, value: int) -> None:
        from botocore.exceptions import ClientError

        try:
            self._store.client.update_item(
                TableName=self._store.table, Key=_key(core_keys.sequence(name)),
                UpdateExpression="SET #v = :value, #t = :entity",
                ConditionExpression="attribute_not_exists(#v) OR #v < :value",
                ExpressionAttributeNames={"#v": "value", "#t": "entity"},
                ExpressionAttributeValues={":value": {"N": str(value)}, ":entity": {"S": "sequence"}})
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise  # otherwise it is already at least `value`


class DynamoStore:
    def __init__(self, table_name: str, region: str, endpoint_url: str | None = None) -> None:
        self.table = table_name
        self.client = _client(region, endpoint_url)
        self.sequences = DynamoSequences(self)
        self.counters = DynamoCounters(self)
        self.tickets = DynamoTickets(self)

    def batch(self) -> DynamoWriteBatch:
        return DynamoWriteBatch(self)

    def ping(self) -> None:
        self.client.describe_table(TableName=self.table)

    def get(self, codec: ItemCodec[R], key: Key, consistent: bool = False) -> R | None:
        resp = self.client.get_item(TableName=self.table, Key=_key(key), ConsistentRead=consistent)
        item = resp.get("Item")
        return codec.decode(from_item(item)) if item else None

    def get_many(self, wanted: Sequence[tuple[ItemCodec[Any], Key]], consistent: bool = False) -> list[Any]:
        found: dict[Key, dict[str, Any]] = {}
        keys = list(dict.fromkeys(key for _, key in wanted))
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {self.table: {"Keys": [_key(k) for k in keys[start:start + 100]],
                                                    "ConsistentRead": consistent}}
            while request:
                resp = self.client.batch_get_item(RequestItems=request)
                for av in resp.get("Responses", {}).get(self.table, []):
                    found[(av["PK"]["S"], av["SK"]["S"])] = av
                request = resp.get("UnprocessedKeys") or {}
        return [codec.decode(from_item(found[key])) if key in found else None for codec, key in wanted]

    def owner_of(self, unique_key: str) -> str | None:
        resp = self.client.get_item(TableName=self.table, Key=_key((unique_key, UniqueKey.SK)))
        item = resp.get("Item")
        return item["owner_id"]["S"] if item else None

    def create(self, record: Any) -> bool:
        from botocore.exceptions import ClientError

        codec = codec_for(record)
        condition, expr = _condition(None)
        try:
            self.client.put_item(**expr.into({"TableName": self.table, "Item": to_item(codec.item(record, 1)),
                                              "ConditionExpression": condition}))
        except ClientError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        codec.after_commit(record)
        return True

    def _params(self, q: Query) -> dict[str, Any]:
        hash_key, range_key = INDEX_KEYS[q.index]
        expr = _Expr()
        condition = f"{expr.name(hash_key)} = {expr.value(q.partition)}"
        if q.begins_with is not None:
            condition += f" AND begins_with({expr.name(range_key)}, {expr.value(q.begins_with)})"
        elif q.between is not None:
            low, high = q.between
            condition += f" AND {expr.name(range_key)} BETWEEN {expr.value(low)} AND {expr.value(high)}"
        params: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": condition,
                                  "ScanIndexForward": not q.newest_first}
        if q.index:
            params["IndexName"] = q.index
        elif q.consistent:
            params["ConsistentRead"] = True
        if q.where:
            params["FilterExpression"] = " AND ".join(expr.cond(c) for c in q.where)
        if q.select is not None:
            wanted = dict.fromkeys([*q.select, "PK", "SK", hash_key, range_key])
            params["ProjectionExpression"] = ", ".join(expr.name(a) for a in wanted)
        return expr.into(params)

    def query(self, codec: ItemCodec[R], query: Query, limit: int, cursor: str | None = None,
              decode: Callable[[Mapping[str, Any]], Any] | None = None) -> Page[Any]:
        convert = decode or codec.decode
        start = core_keys.decode_cursor(cursor, query.scope)
        params = self._params(query)
        params["Limit"] = query.read_size(limit)
        key_names = dict.fromkeys(["PK", "SK", *INDEX_KEYS[query.index]])
        items: list[Any] = []
        while True:
            if start:
                params["ExclusiveStartKey"] = start
            resp = self.client.query(**params)
            raw = resp.get("Items", [])
            for n, av in enumerate(raw):
                items.append(convert(from_item(av)))
                if len(items) >= limit:
                    more = n < len(raw) - 1 or "LastEvaluatedKey" in resp
                    next_key = {k: av[k] for k in key_names if k in av}
                    return Page(items, core_keys.encode_cursor(next_key, query.scope) if more else None)
            start = resp.get("LastEvaluatedKey")
            if not start:
                return Page(items, None)

    def query_all(self, codec: ItemCodec[R], query: Query) -> list[R]:
        params = self._params(query)
        out: list[R] = []
        while True:
            resp = self.client.query(**params)
            out.extend(codec.decode(from_item(av)) for av in resp.get("Items", []))
            start = resp.get("LastEvaluatedKey")
            if not start:
                return out
            params["ExclusiveStartKey"] = start

    def count(self, query: Query) -> int:
        params = self._params(replace(query, select=None))
        params["Select"] = "COUNT"
        total = 0
        while True:
            resp = self.client.query(**params)
            total += int(resp.get("Count", 0))
            start = resp.get("LastEvaluatedKey")
            if not start:
                return total
            params["ExclusiveStartKey"] = start

