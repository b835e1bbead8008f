"""The in-memory twin of the DynamoDB store: the same codecs, keys, index partitions, conditions and
paging, held in a dict under one lock. Unit tests run on it; the contract suite proves it behaves as the
DynamoDB store does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from chalicelib.core.errors import DuplicateKey, StaleVersion
from chalicelib.core.store import keys as core_keys
from chalicelib.core.store.attrs import AttributeValue, from_item, to_item
from chalicelib.core.store.codec import INDEX_KEYS, ItemCodec, Key, UniqueKey, codec_for
from chalicelib.core.store.ports import MAX_TRANSACTION_ITEMS, Page, refuse_rewrite as _refuse_rewrite
from chalicelib.core.store.query import Query

R = TypeVar("R")
RawItem = dict[str, AttributeValue]


def _text(item: RawItem, attr: str) -> str | None:
    value = item.get(attr)
    return value.get("S") if value else None


class _Table:
    """Items in their attribute-value form (so a value the DynamoDB store could not write fails here too)
    and, per table/index partition, the keys of its items."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.items: dict[Key, RawItem] = {}
        self.partitions: dict[tuple[str | None, str], set[Key]] = {}

    def _memberships(self, item: RawItem) -> list[tuple[str | None, str]]:
        out = []
        for index, (hash_key, range_key) in INDEX_KEYS.items():
            pk = _text(item, hash_key)
            if pk is not None and (index is None or _text(item, range_key) is not None):
                out.append((index, pk))
        return out

    def write(self, key: Key, item: RawItem | None) -> None:
        old = self.items.pop(key, None)
        if old is not None:
            for part in self._memberships(old):
                self.partitions[part].discard(key)
        if item is not None:
            self.items[key] = item
            for part in self._memberships(item):
                self.partitions.setdefault(part, set()).add(key)

    def version(self, key: Key) -> int | None:
        item = self.items.get(key)
        if item is None:
            return None
        v = item.get("version")
        return int(v["N"]) if v else 0


class MemoryWriteBatch:
    def __init__(self, table: _Table) -> None:
        self._table = table
        # (key, check, new item or None for a delete, claim key, record to notify, write?)
        self._ops: list[tuple[Key, Callable[[RawItem | None], bool], RawItem | None, str | None, Any, bool]] = []

    def __len__(self) -> int:
        return len(self._ops)

    def _add(self, key: Key, check: Callable[[RawItem | None], bool], item: RawItem | None,
             claim: str | None = None, record: Any = None, write: bool = True) -> None:
        if len(self._ops) >= MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a batch holds at most {MAX_TRANSACTION_ITEMS} changes")
        self._ops.append((key, check, item, claim, record, write))

    @staticmethod
    def _at(expected_version: int | None) -> Callable[[RawItem | None], bool]:
        if expected_version is None:
            return lambda current: current is None
        return lambda current: current is not None and int(current.get("version", {"N": "0"})["N"]) == expected_version

    def put(self, record: Any, expected_version: int | None = None) -> None:
        codec = codec_for(record)
        _refuse_rewrite(codec, expected_version)
        new_version = 1 if expected_version is None else expected_version + 1
        self._add(codec.key(record), self._at(expected_version), to_item(codec.item(record, new_version)),
                  record=record)

    def delete(self, record: Any, expected_version: int | None = None) -> None:
        codec = codec_for(record)
        _refuse_rewrite(codec, expected_version, deleting=True)
        check = (lambda current: current is not None) if expected_version is None else self._at(expected_version)
        self._add(codec.key(record), check, None, record=record)

    def check(self, record: Any, expected_version: int) -> None:
        self._add(codec_for(record).key(record), self._at(expected_version), None, write=False)

    def create_unique(self, unique_key: str, owner_id: str) -> None:
        item = to_item({"PK": unique_key, "SK": UniqueKey.SK, "entity": UniqueKey.ENTITY, "owner_id": owner_id})
        self._add((unique_key, UniqueKey.SK), lambda current: current is None, item, claim=unique_key)

    def release_unique(self, unique_key: str, owner_id: str) -> None:
        self._add((unique_key, UniqueKey.SK),
                  lambda current: current is not None and _text(current, "owner_id") == owner_id, None)

    def transfer_unique(self, unique_key: str, from_owner: str, to_owner: str) -> None:
        item = to_item({"PK": unique_key, "SK": UniqueKey.SK, "entity": UniqueKey.ENTITY, "owner_id": to_owner})
        self._add((unique_key, UniqueKey.SK),
                  lambda current: current is not None and _text(current, "owner_id") == from_owner, item)

    def audit(self, entry: Any) -> None:
        codec = codec_for(entry)
        self._add(codec.key(entry), lambda current: current is None, to_item(codec.item(entry, None)))

    def commit(self) -> None:
        t = self._table
        with t.lock:
            # Every condition first, then every write: all or nothing, like TransactWriteItems.
            for key, check, _, claim, _, _ in self._ops:
                if not check(t.items.get(key)):
                    if claim:
                        raise DuplicateKey(claim)
                    raise StaleVersion()
            for key, _, item, _, _, write in self._ops:
                if write:
                    t.write(key, item)
        for *_, record, _ in self._ops:
            if record is not None:
                codec_for(record).after_commit(record)


class MemoryCounters:
    def __init__(self, table: _Table) -> None:
        self._t = table
        self._counts: dict[Key, int] = {}
        self._failures: dict[str, tuple[int, float | None]] = {}

    def hit(self, key: str, window_s: int, now: float) -> tuple[int, int]:
        window = int(now // window_s) * window_s
        k = core_keys.rate_window(key, window)
        with self._t.lock:
            self._counts[k] = self._counts.get(k, 0) + 1
            return self._counts[k], int(window + window_s - now) + 1

    def failures(self, key: str) -> tuple[int, float | None]:
        with self._t.lock:
            return self._failures.get(key, (0, None))

    def record_failure(self, key: str, threshold: int, lock_s: int, now: float) -> tuple[int, float | None]:
        with self._t.lock:
            count, until = self._failures.get(key, (0, None))
            count += 1
            if count >= threshold:
                self._failures[key] = (0, now + lock_s)
                return count, now + lock_s
            self._failures[key] = (count, until)
            return count, None

    def clear_failures(self, key: str) -> None:
        with self._t.lock:
            self._failures.pop(key, None)


class MemoryTickets:
    def __init__(self, table: _Table) -> None:
        self._t = table

    def put(self, key: str, data: dict[str, Any], expires_at: int) -> None:
        pk, sk = core_keys.ticket(key)
        with self._t.lock:
            self._t.write((pk, sk), to_item({"PK": pk, "SK": sk, "entity": "ticket", "data": data,
                                              "expires_at": expires_at}))

    def _live(self, raw: RawItem | None, now: float) -> dict[str, Any] | None:
        if raw is None:
            return None
        item = from_item(raw)
        return None if int(item["expires_at"]) <= now else dict(item["data"])

    def get(self, key: str, now: float) -> dict[str, Any] | None:
        with self._t.lock:
            return self._live(self._t.items.get(core_keys.ticket(key)), now)

    def take(self, key: str, now: float) -> dict[str, Any] | None:
        k = core_keys.ticket(key)
        with self._t.lock:
            raw = self._t.items.get(k)
            self._t.write(k, None)
        return self._live(raw, now)


class MemorySequences:
    def __init__(self, table: _Table) -> None:
        self._t = table
        self._values: dict[str, int] = {}

    def next(self, name: str, floor: int = 0) -> int:
        with self._t.lock:
            self._values[name] = self._values.get(name, floor) + 1
            return self._values[name]

    def current(self, name: str) -> int:
        with self._t.lock:
            return self._values.get(name, 0)

    def raise_to(self, name: str, value: int) -> None:
        with self._t.lock:
            self._values[name] = max(self._values.get(name, 0), value)


class MemoryStore:
    def __init__(self) -> None:
        self._t = _Table()
        self.sequences = MemorySequences(self._t)
        self.counters = MemoryCounters(self._t)
        self.tickets = MemoryTickets(self._t)

    def batch(self) -> MemoryWriteBatch:
        return MemoryWriteBatch(self._t)

    def ping(self) -> None:
        return None

    def get(self, codec: ItemCodec[R], key: Key, consistent: bool = False) -> R | None:
        with self._t.lock:
            raw = self._t.items.get(key)
        return codec.decode(from_item(raw)) if raw is not None else None

    def get_many(self, wanted: Sequence[tuple[ItemCodec[Any], Key]], consistent: bool = False) -> list[Any]:
        with self._t.lock:
            raws = [self._t.items.get(key) for _, key in wanted]
        return [codec.decode(from_item(raw)) if raw is not None else None for (codec, _), raw in zip(wanted, raws,
                                                                                                     strict=True)]

    def owner_of(self, unique_key: str) -> str | None:
        with self._t.lock:
            raw = self._t.items.get((unique_key, UniqueKey.SK))
        return _text(raw, "owner_id") if raw else None

    def create(self, record: Any) -> bool:
        codec = codec_for(record)
        key = codec.key(record)
        with self._t.lock:
            if key in self._t.items:
                return False
            self._t.write(key, to_item(codec.item(record, 1)))
        codec.after_commit(record)
        return True

    def _matching(self, q: Query) -> list[RawItem]:
        """The partition's items that satisfy the key condition and filters, in sort-key order."""
        hash_key, range_key = INDEX_KEYS[q.index]
        with self._t.lock:
            found = [self._t.items[k] for k in self._t.partitions.get((q.index, q.partition), ())]

        def in_range(item: RawItem) -> bool:
            sk = _text(item, range_key) or ""
            if q.begins_with is not None:
                return sk.startswith(q.begins_with)
            if q.between is not None:
                return q.between[0] <= sk <= q.between[1]
            return True

        rows = [i for i in found if in_range(i)]
        rows.sort(key=lambda i: (_text(i, range_key) or "", _text(i, "PK") or "", _text(i, "SK") or ""),
                  reverse=q.newest_first)
        return rows

    def query(self, codec: ItemCodec[R], query: Query, limit: int, cursor: str | None = None,
              decode: Callable[[Mapping[str, Any]], Any] | None = None) -> Page[Any]:
        convert = decode or codec.decode
        start = core_keys.decode_cursor(cursor, query.scope)
        hash_key, range_key = INDEX_KEYS[query.index]
        key_names = list(dict.fromkeys(["PK", "SK", hash_key, range_key]))
        rows = self._matching(query)
        if start is not None:
            position = tuple(start.get(k, {}).get("S", "") for k in (range_key, "PK", "SK"))

            def after(item: RawItem) -> bool:
                here = (_text(item, range_key) or "", _text(item, "PK") or "", _text(item, "SK") or "")
                return here < position if query.newest_first else here > position

            rows = [r for r in rows if after(r)]
        items: list[Any] = []
        for n, raw in enumerate(rows):
            values = from_item(raw)
            if not all(c.matches(values) for c in query.where):
                continue
            if query.select is not None:
                wanted = {*query.select, *key_names}
                values = {k: v for k, v in values.items() if k in wanted}
            items.append(convert(values))
            if len(items) >= limit:
                rest = rows[n + 1:]
                more = any(all(c.matches(from_item(r)) for c in query.where) for r in rest)
                next_key = {k: raw[k] for k in key_names if k in raw}
                return Page(items, core_keys.encode_cursor(next_key, query.scope) if more else None)
        return Page(items, None)

    def query_all(self, codec: ItemCodec[R], query: Query) -> list[R]:
        out = []
        for raw in self._matching(query):
            values = from_item(raw)
            if all(c.matches(values) for c in query.where):
                out.append(codec.decode(values))
        return out

    def count(self, query: Query) -> int:
        return sum(1 for raw in self._matching(query) if all(c.matches(from_item(raw)) for c in query.where))

