"""In-process fixes for moto's DynamoDB emulation, for the LOCAL RUNTIME ONLY.

The local runtime serves DynamoDB from ``moto.server.ThreadedMotoServer`` in
the same process, and moto 5.1.18 does not survive a realistic single-table
data set (40k-100k items) nor concurrent clients:

1. ``Table.query`` calls ``all_items()``, which sorts the WHOLE table on every
   query (base table and index), before picking the partition.  We keep hash
   indexes and feed moto's own query code only the candidate items of the
   requested partition, so sorting/paging/filtering/projection stay moto's.
2. ``transact_write_items`` deep-copies every touched TABLE for rollback.  We
   keep an item-level undo log instead.
3. Conditional writes are check-then-act without a lock on a threaded server.
   One process-wide RLock serialises DynamoDB requests and backend calls.

Found on the way, same spirit (constant factors of the same Query path):

4. Every ``Item`` moto creates - including the deep copies made for each
   query result - is appended to ``Item.instances_tracked`` for moto's
   dashboard and never released.  We stop tracking DynamoDB items
   (``/moto-api/data.json`` no longer lists them).
5. Query deep-copies its results (a ``LimitedSizeDict`` copy re-sizes the item
   on every attribute: ~1 s for 1,819 items).  Inside an HTTP request the
   response is serialised under the lock, so the copy is skipped there.
6. ``Item.size``/``DynamoType.size`` (called twice per candidate item) are
   replaced by allocation-free equivalents returning the same numbers.
7. ``Item.project`` (ProjectionExpression) deserialises the whole item once per
   projected attribute; top-level names are picked directly instead.

Nothing here changes the wire API: the product still talks plain DynamoDB
over HTTP, and results are the ones moto's own code computes.

All of this leans on moto's internals, so :func:`install` refuses any moto
but the version it was written and tested for (``SUPPORTED_MOTO_VERSIONS``,
the pin in requirements-dev.txt) by raising :class:`UnsupportedMotoError`,
unless ``UNIONCORE_ALLOW_UNTESTED_MOTO=1`` is set (then it installs with a
warning).  Whatever the version, it first checks that every moto function it
patches or calls from its copies of moto's code still exists with the
parameters this module relies on, and patches nothing otherwise.

Index invariants (per table, kept in ``_INDEXES``; built lazily on the first
index query and dropped whenever the index definitions change):
    buckets[index][index_hash_value][(table_hash, table_range)] -> Item
    placed[index][(table_hash, table_range)] -> index_hash_value
An item is in an index only if it has the index hash attribute and the
attribute moto uses as the index range key (sparse index semantics, exactly
moto's own candidate test).  Every write path re-derives the entry for the
written key from ``table.items`` (the source of truth), so the index cannot
drift as long as writes go through moto's methods; code that writes
``table.items`` directly must call :func:`rebuild_indexes`.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import functools
import inspect
import logging
import os
import threading
import weakref
from decimal import Decimal
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import moto

try:
    from moto.core.common_models import BaseModel
    from moto.dynamodb import comparisons as ddb_comparisons
    from moto.dynamodb import exceptions as ddb_exceptions
    from moto.dynamodb import responses as ddb_responses
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        ResourceNotFoundException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.table import GlobalSecondaryIndex, Table

    _MOTO_ITEM_PROJECT = Item.project  # moto's own, for _item_project's fallbacks
except (ImportError, AttributeError) as exc:
    raise ImportError(
        f"fast_dynamodb was written for moto 5.1.18 (the pin in requirements-dev.txt) and cannot use the "
        f"installed moto {getattr(moto, '__version__', '(unknown version)')}: {exc}"
    ) from exc

__all__ = [
    "SUPPORTED_MOTO_VERSIONS",
    "ALLOW_UNTESTED_MOTO_ENV",
    "UnsupportedMotoError",
    "install",
    "uninstall",
    "is_installed",
    "lock",
    "write_generation",
    "rebuild_indexes",
    "iter_table_items",
]

log = logging.getLogger(__name__)

# The moto releases this module was written and tested for (the differential tests in
# tests/integration/test_fast_dynamodb.py compare it with stock moto). Keep it equal to the moto pin in
# requirements-dev.txt (tests/unit/test_fast_dynamodb_guard.py checks that it contains it) and with the
# version named by the ImportError raised above.
SUPPORTED_MOTO_VERSIONS: frozenset[str] = frozenset({"5.1.18"})
# Set to 1 to install on another moto anyway (to try a moto upgrade: then run the differential tests).
ALLOW_UNTESTED_MOTO_ENV = "UNIONCORE_ALLOW_UNTESTED_MOTO"

F = TypeVar("F", bound=Callable[..., Any])
PrimaryKey = tuple[DynamoType, DynamoType | None]
IndexSignature = tuple[tuple[str, str, str], ...]

# Re-entrant because handler -> backend -> table calls nest, and transactions
# call the (locked) backend put/update/delete methods.
_LOCK = threading.RLock()
_TLS = threading.local()
_MARKER = "__fast_dynamodb__"
_MISSING = object()
# What DynamoType() raises on a malformed attribute value / missing key.
_MALFORMED = (KeyError, IndexError, TypeError, AttributeError)

_installed = False
# (owner, attribute name, previous value in owner.__dict__ or _MISSING)
_patches: list[tuple[Any, str, Any]] = []
# moto's original callables, for the wrappers and for differential tests.
_ORIGINALS: dict[str, Any] = {}
# Bumped on every DynamoDB write; lets the snapshotter skip unchanged states.
_write_generation = 0


class _TableIndexes:
    __slots__ = ("signature", "buckets", "placed")

    def __init__(self, signature: IndexSignature) -> None:
        self.signature = signature
        self.buckets: dict[str, dict[DynamoType, dict[PrimaryKey, Item]]] = {name: {} for name, _, _ in signature}
        self.placed: dict[str, dict[PrimaryKey, DynamoType]] = {name: {} for name, _, _ in signature}


# Weak keys: a deleted/replaced table takes its index with it, and
# copy.deepcopy(table) (backups, PITR restores) never copies the index.
_INDEXES: weakref.WeakKeyDictionary[Table, _TableIndexes] = weakref.WeakKeyDictionary()

# Per partition — (index name or None for the base table, hash value) — a change counter, and the
# partition's items in key order with their native sort keys, valid while the counter is unchanged.
PartitionKey = tuple[str | None, Any]
_VERSIONS: weakref.WeakKeyDictionary[Table, dict[PartitionKey, int]] = weakref.WeakKeyDictionary()
_SORTED: weakref.WeakKeyDictionary[Table, dict[PartitionKey, tuple[int, list[Item], list[Any], bool, list[Any]]]] = (
    weakref.WeakKeyDictionary()
)


def _touch(table: Table, partition: PartitionKey) -> None:
    versions = _VERSIONS.get(table)
    if versions is None:
        versions = _VERSIONS[table] = {}
    versions[partition] = versions.get(partition, 0) + 1


def _forget_sorted(table: Table) -> None:
    _SORTED.pop(table, None)
    _VERSIONS.pop(table, None)


# --------------------------------------------------------------------------
# public helpers
# --------------------------------------------------------------------------
def lock() -> contextlib.AbstractContextManager[Any]:
    """The process-wide DynamoDB lock (hold it to read/write backends directly)."""
    return _LOCK


def is_installed() -> bool:
    return _installed


def write_generation() -> int:
    """Monotonic counter of DynamoDB writes seen since import."""
    return _write_generation


def iter_table_items(table: Table) -> Iterator[Item]:
    """All items of a table, in storage order (no sorting, unlike all_items)."""
    for value in list(table.items.values()):
        if isinstance(value, Item):  # table without range key
            yield value
        elif isinstance(value, dict):
            yield from list(value.values())


def rebuild_indexes(table: Table) -> None:
    """Re-derive the index of a table whose ``items`` were written directly."""
    global _write_generation
    with _LOCK:
        _write_generation += 1
        _INDEXES.pop(table, None)
        _forget_sorted(table)
        if _installed:
            _get_indexes(table)


# --------------------------------------------------------------------------
# index maintenance
# --------------------------------------------------------------------------
def _signature(table: Table) -> IndexSignature:
    # Mirrors Table.query: an index without RANGE key is ranged by the table
    # range key (GSI) or else by the table hash key - and moto only returns
    # items that carry that attribute, so it is part of index membership.
    by_name: dict[str, tuple[str, str, str]] = {}
    for index in table.all_indexes():
        hash_attr = next(
            (k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"),
            None,
        )
        if hash_attr is None:
            continue  # moto raises on query; we leave such queries to moto
        range_attr = next(
            (k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"),
            None,
        )
        if range_attr is None:
            if isinstance(index, GlobalSecondaryIndex) and table.range_key_attr:
                range_attr = table.range_key_attr
            else:
                range_attr = table.hash_key_attr
        # Later indexes win on duplicate names, like moto's indexes_by_name.
        by_name[index.name] = (index.name, hash_attr, range_attr)
    return tuple(by_name.values())


def _place(indexes: _TableIndexes, pk: PrimaryKey, item: Item | None) -> None:
    """Make the index entries of primary key ``pk`` reflect ``item`` (None = gone)."""
    for name, hash_attr, range_attr in indexes.signature:
        bucket = indexes.buckets[name]
        placed = indexes.placed[name]
        old_hash = placed.pop(pk, None)
        if old_hash is not None:
            slot = bucket.get(old_hash)
            if slot is not None:
                slot.pop(pk, None)
                if not slot:
                    del bucket[old_hash]
        if item is None:
            continue
        hash_value = item.attrs.get(hash_attr)
        if hash_value is None or item.attrs.get(range_attr) is None:
            continue  # sparse index: item is not projected into it
        try:
            slot = bucket.setdefault(hash_value, {})
        except TypeError:
            # Unhashable (map/list) key value: real DynamoDB rejects it; moto
            # would never match it against a scalar query key either.
            continue
        slot[pk] = item
        placed[pk] = hash_value


def _build_indexes(table: Table) -> _TableIndexes:
    indexes = _TableIndexes(_signature(table))
    if indexes.signature:
        for item in iter_table_items(table):
            _place(indexes, (item.hash_key, item.range_key), item)
    return indexes


def _get_indexes(table: Table) -> _TableIndexes:
    signature = _signature(table)
    indexes = _INDEXES.get(table)
    if indexes is None or indexes.signature != signature:
        indexes = _build_indexes(table)
        _INDEXES[table] = indexes
    return indexes


def _lookup(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    # .get() on purpose: table.items is a defaultdict and indexing it would
    # create empty partitions.
    value = table.items.get(hash_key)
    if isinstance(value, Item):
        return value if range_key is None else None
    if isinstance(value, dict) and range_key is not None:
        found = value.get(range_key)
        return found if isinstance(found, Item) else None
    return None


def _reindex(
    table: Table,
    hash_key: DynamoType,
    range_key: DynamoType | None,
    wrote: bool = True,
) -> None:
    global _write_generation
    if wrote:
        _write_generation += 1
    try:
        _touch(table, (None, hash_key))
    except TypeError:
        _forget_sorted(table)
    indexes = _INDEXES.get(table)
    if indexes is None:
        _forget_sorted(table)  # the lazy index build will see this write; drop derived orders too
        return  # not built yet; the lazy build will see this write
    if indexes.signature != _signature(table):
        del _INDEXES[table]  # UpdateTable changed the GSIs: rebuild lazily
        _forget_sorted(table)
        return
    pk = (hash_key, range_key)
    before = {name: indexes.placed[name].get(pk) for name, _, _ in indexes.signature}
    _place(indexes, pk, _lookup(table, hash_key, range_key))
    for name, _, _ in indexes.signature:
        for h in {before[name], indexes.placed[name].get(pk)} - {None}:
            _touch(table, (name, h))


def _invalidate(table: Table) -> None:
    global _write_generation
    _write_generation += 1
    _INDEXES.pop(table, None)
    _forget_sorted(table)


def _pk_from_attrs(table: Table, attrs: Any) -> PrimaryKey | None:
    try:
        hash_key = DynamoType(attrs[table.hash_key_attr])
        range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr is not None else None
    except _MALFORMED:  # malformed request: moto raises its own error
        return None
    return hash_key, range_key


def _pk_from_update_key(table: Table, key: Any) -> PrimaryKey | None:
    # Same key interpretation as DynamoDBBackend.update_item.
    if not isinstance(key, dict) or table.hash_key_attr not in key:
        return None
    try:
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = (
            DynamoType(key[table.range_key_attr])
            if table.range_key_attr is not None and table.range_key_attr in key
            else None
        )
    except _MALFORMED:
        return None
    return hash_key, range_key


# --------------------------------------------------------------------------
# Table patches
# --------------------------------------------------------------------------
def _native(value: DynamoType | None) -> Any:
    """A DynamoType as a plain Python value that sorts the way DynamoDB sorts keys (S, N, B)."""
    if value is None:
        return ""
    if value.type == "N":
        return Decimal(value.value)
    return value.value


def _key_order(table: Table, index_name: str | None) -> tuple[list[str], str | None]:
    """Attributes a partition sorts by (moto's order), and the one the key condition applies to."""
    if index_name:
        index = next(i for i in table.all_indexes() if i.name == index_name)
        hash_attr = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        # moto's rule (Table.query): without a range key of its own, a GSI sorts by the table's
        # range key, and failing that by the table's hash key.
        if ranges:
            range_attr: str | None = ranges[0]
        elif isinstance(index, GlobalSecondaryIndex) and table.range_key_attr:
            range_attr = table.range_key_attr
        else:
            range_attr = table.hash_key_attr
        order = [a for a in (hash_attr, range_attr, table.hash_key_attr, table.range_key_attr) if a]
        return order, range_attr
    return [a for a in (table.hash_key_attr, table.range_key_attr) if a], table.range_key_attr


def _sorted_partition(table: Table, index_name: str | None, hash_key: DynamoType,
                      items: Callable[[], list[Item]]) -> tuple[list[Item], list[Any], bool, list[Any]]:
    """The partition in key order with its condition-key values, cached until the partition changes.

    moto sorts a partition by DynamoType.__lt__ and sizes every item on each Query: ~200 ms for the
    4,000 members of one GSI partition. Sorting once per change makes a query cost what it returns.
    """
    partition: PartitionKey = (index_name, hash_key)
    version = _VERSIONS.get(table, {}).get(partition, 0)
    cache = _SORTED.get(table)
    if cache is None:
        cache = _SORTED[table] = {}
    hit = cache.get(partition)
    if hit is not None and hit[0] == version:
        return hit[1], hit[2], hit[3], hit[4]
    order, range_attr = _key_order(table, index_name)
    ordered = items()
    bisectable = True
    sort_keys: list[Any] = []
    try:
        keyed = sorted(((tuple(_native(i.attrs.get(a)) for a in order), i) for i in ordered),
                       key=lambda pair: pair[0])
        ordered = [i for _, i in keyed]
        values = [_native(i.attrs.get(range_attr)) if range_attr else None for i in ordered]
        kinds = {i.attrs[range_attr].type for i in ordered if range_attr and i.attrs.get(range_attr) is not None}
        bisectable = bool(range_attr) and len(kinds) <= 1 and len(values) == len(ordered)
        if bisectable:  # one key type throughout: a start key's place is a bisection away
            sort_keys = [k for k, _ in keyed]
    except TypeError:
        values, bisectable = [], False  # mixed key types: leave ordering and narrowing to moto
    cache[partition] = (version, ordered, values, bisectable, sort_keys)
    return ordered, values, bisectable, sort_keys


def _after_start_key(table: Table, index_name: str | None, sort_keys: list[Any], start_key: Any) -> int | None:
    """Index of the first item after ExclusiveStartKey in a forward query, or None (let moto skip).

    moto walks the partition from the top and drops every item that sorts at or before the start
    key (Table._item_comes_before_dct): for a 19,000-item partition read 500 at a time that walk
    made an export quadratic. Items strictly after the key, in the same order, are what it keeps.
    """
    if not sort_keys or not isinstance(start_key, dict):
        return None
    order, _ = _key_order(table, index_name)
    try:
        wanted = tuple(_native(DynamoType(start_key[a])) for a in order)
        return bisect.bisect_right(sort_keys, wanted)
    except (KeyError, TypeError, IndexError, ArithmeticError):
        return None


def _bounds(values: list[Any], comparison: str, objs: list[DynamoType]) -> tuple[int, int] | None:
    """[lo, hi) of the sorted condition-key values that satisfy the key condition, or None."""
    try:
        v = [_native(o) for o in objs]
        if comparison == "BEGINS_WITH" and isinstance(v[0], str):
            return bisect.bisect_left(values, v[0]), bisect.bisect_left(values, v[0] + "\U0010ffff")
        if comparison == "BETWEEN":
            return bisect.bisect_left(values, v[0]), bisect.bisect_right(values, v[1])
        if comparison == "EQ":
            return bisect.bisect_left(values, v[0]), bisect.bisect_right(values, v[0])
        if comparison == "LT":
            return 0, bisect.bisect_left(values, v[0])
        if comparison == "LE":
            return 0, bisect.bisect_right(values, v[0])
        if comparison == "GT":
            return bisect.bisect_right(values, v[0]), len(values)
        if comparison == "GE":
            return bisect.bisect_left(values, v[0]), len(values)
    except (TypeError, IndexError, ArithmeticError):
        return None
    return None


def _query_candidates(table: Table, hash_key: DynamoType, index_name: str | None,
                      range_comparison: str | None = None, range_objs: list[DynamoType] | None = None,
                      forward: bool = True, limit: Any = None, start_key: Any = None) -> list[Item] | None:
    """Superset of the items moto's query would keep; None = let moto do it all.

    With a key condition on the sort key, only the matching run is handed over, plus one item just
    past it in the direction of the query: moto looks one item beyond a full page to decide whether
    to return LastEvaluatedKey, so keeping that neighbour keeps its paging exactly as it was.
    """
    try:
        hash(hash_key)
    except TypeError:
        return None
    if not index_name:
        value = table.items.get(hash_key)
        if value is None:
            return []
        if isinstance(value, Item):
            return [value]
        source: Callable[[], list[Item]] = lambda: list(value.values())  # noqa: E731
    else:
        if index_name not in {index.name for index in table.all_indexes()}:
            return None  # moto raises the proper ValidationException
        indexes = _get_indexes(table)
        bucket = indexes.buckets.get(index_name)
        if bucket is None:
            return None
        source = lambda: list(bucket.get(hash_key, {}).values())  # noqa: E731
    ordered, values, bisectable, sort_keys = _sorted_partition(table, index_name, hash_key, source)
    lo, hi = 0, len(ordered)
    exact = not range_comparison  # does every item in [lo, hi) satisfy the key condition?
    if range_comparison and bisectable and range_objs:
        bounds = _bounds(values, range_comparison, range_objs)
        if bounds is not None:
            lo, hi = bounds
            exact = True
    if not forward:
        return ordered[max(lo - 1, 0):hi] if lo > 0 else ordered[lo:hi]
    # A first page with Limit: every item in [lo, hi) satisfies the key condition, so moto stops at
    # the item after the Limit-th one (the neighbour it inspects before returning LastEvaluatedKey).
    # Later pages start just after ExclusiveStartKey, when its place is known; else moto skips to it.
    if start_key is not None:
        after = _after_start_key(table, index_name, sort_keys, start_key)
        if after is None:
            return ordered[lo:hi + 1]
        lo = max(lo, after)
    if exact and isinstance(limit, int) and limit > 0:
        hi = min(hi, lo + limit)
    return ordered[lo:hi + 1]


def _query(
    self: Table,
    hash_key: DynamoType,
    range_comparison: str | None,
    range_objs: list[DynamoType],
    limit: int,
    exclusive_start_key: dict[str, Any],
    scan_index_forward: bool,
    projection_expressions: list[list[str]] | None,
    index_name: str | None = None,
    consistent_read: bool = False,
    filter_expression: Any = None,
    **filter_kwargs: Any,
) -> tuple[list[Item], int, dict[str, Any] | None]:
    original = _ORIGINALS["Table.query"]
    args = (
        self,
        hash_key,
        range_comparison,
        range_objs,
        limit,
        exclusive_start_key,
        scan_index_forward,
        projection_expressions,
        index_name,
        consistent_read,
        filter_expression,
    )
    with _LOCK:
        candidates = _query_candidates(self, hash_key, index_name, range_comparison, range_objs,
                                       scan_index_forward is not False, limit, exclusive_start_key)
        if candidates is None:
            return original(*args, **filter_kwargs)
        previous = getattr(_TLS, "candidates", None)
        _TLS.candidates = (self, candidates)
        # moto deep-copies every result so that callers can't see later writes.
        # Inside an HTTP request the response is serialised before the lock is
        # released, so nothing can mutate the items meanwhile: skip the copy.
        _TLS.skip_results_deepcopy = bool(getattr(_TLS, "in_handler", False))
        try:
            return original(*args, **filter_kwargs)
        finally:
            _TLS.candidates = previous
            _TLS.skip_results_deepcopy = False


def _all_items(self: Table) -> list[Item]:
    override = getattr(_TLS, "candidates", None)
    if override is not None and override[0] is self:
        # moto's query re-filters by hash key/index membership and then sorts,
        # so handing it just the partition is equivalent to the full table.
        return list(override[1])
    return _ORIGINALS["Table.all_items"](self)


def _table_put_item(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
    with _LOCK:
        pk = _pk_from_attrs(self, item_attrs)
        try:
            item = _ORIGINALS["Table.put_item"](self, item_attrs, *args, **kwargs)
        except BaseException:
            # Usually nothing was written (validation/condition failure), but
            # a stream consumer may fail after the write: resync defensively.
            if pk is not None:
                _reindex(self, *pk, wrote=False)
            raise
        _reindex(self, item.hash_key, item.range_key)
        return item


def _table_delete_item(
    self: Table,
    hash_key: DynamoType,
    range_key: DynamoType | None,
    *args: Any,
    **kwargs: Any,
) -> Item | None:
    with _LOCK:
        try:
            return _ORIGINALS["Table.delete_item"](self, hash_key, range_key, *args, **kwargs)
        finally:
            if self.range_key_attr is not None and range_key is None:
                # moto pops the whole partition in that case
                _invalidate(self)
            else:
                _reindex(self, hash_key, range_key)


# --------------------------------------------------------------------------
# Backend patches
# --------------------------------------------------------------------------
def _locked(name: str, original: F) -> F:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return original(*args, **kwargs)

    setattr(wrapper, _MARKER, True)
    _ORIGINALS[name] = original
    return cast(F, wrapper)


def _locked_counting(name: str, original: F) -> F:
    """Locked wrapper for table-level DDL: counts as a change for snapshots."""

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _write_generation
        with _LOCK:
            try:
                return original(*args, **kwargs)
            finally:
                _write_generation += 1

    setattr(wrapper, _MARKER, True)
    _ORIGINALS[name] = original
    return cast(F, wrapper)


def _backend_update_item(
    self: DynamoDBBackend,
    table_name: str,
    key: dict[str, Any],
    *args: Any,
    **kwargs: Any,
) -> Item:
    with _LOCK:
        wrote = True
        try:
            return _ORIGINALS["DynamoDBBackend.update_item"](self, table_name, key, *args, **kwargs)
        except ConditionalCheckFailed:
            wrote = False  # raised before anything is touched
            raise
        finally:
            # update_item mutates the stored Item in place (possibly after
            # creating it, possibly failing half-way), so re-derive its index
            # entries from the stored state whatever happened.
            table = self.tables.get(table_name)
            if table is None:
                try:
                    table = self.get_table(table_name)
                except ResourceNotFoundException:
                    table = None
            if table is not None:
                pk = _pk_from_update_key(table, key)
                if pk is None:
                    _invalidate(table)
                else:
                    _reindex(table, *pk, wrote=wrote)


class _UndoLog:
    """Before-images of the items a transaction touches (first touch wins)."""

    def __init__(self) -> None:
        self._entries: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = []
        self._seen: set[tuple[int, DynamoType, DynamoType | None]] = set()
        self._stream_lengths: dict[int, tuple[Table, int]] = {}

    def record(
        self,
        table: Table,
        hash_key: DynamoType,
        range_key: DynamoType | None,
        current: Item | None,
    ) -> None:
        marker = (id(table), hash_key, range_key)
        if marker in self._seen:
            return
        self._seen.add(marker)
        # update_item mutates items in place, so keep a private copy.
        self._entries.append((table, hash_key, range_key, copy.deepcopy(current)))
        if id(table) not in self._stream_lengths and table.stream_shard is not None:
            self._stream_lengths[id(table)] = (table, len(table.stream_shard.items))

    def rollback(self) -> None:
        for table, hash_key, range_key, before in reversed(self._entries):
            if table.range_key_attr is None:
                if before is None:
                    table.items.pop(hash_key, None)
                else:
                    # A table without range key maps hash -> Item; moto annotates items as hash -> dict only.
                    cast("dict[DynamoType, Item]", table.items)[hash_key] = before
            else:
                if before is None:
                    partition = table.items.get(hash_key)
                    if partition is not None:
                        partition.pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = before
            _reindex(table, hash_key, range_key)
        # The deep-copied table of the original rollback also dropped the
        # stream records of the cancelled writes.
        for table, length in self._stream_lengths.values():
            shard = table.stream_shard
            if shard is not None and len(shard.items) > length:
                del shard.items[length:]


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's transact_write_items with an item-level undo log.

    Kept statement-for-statement equal to moto 5.1.18 except for the rollback
    (and that every escaping exception rolls back, so a malformed later
    operation can no longer leave earlier writes applied).
    """
    with _LOCK:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        undo = _UndoLog()
        target_items: set[tuple[str, str]] = set()

        def check_unicity(table_name: str, key: dict[str, Any]) -> None:
            item = (str(table_name), str(key))
            if item in target_items:
                raise MultipleTransactionsException()
            target_items.add(item)

        errors: list[Any] = []  # [(Code, Message, Item), ..]
        try:
            for item in transact_items:
                original_item: dict[str, Any] | None = None
                if len(list(item.keys())) > 1:
                    raise TransactWriteSingleOpException

                try:
                    op_type, op = next(iter(item.items()))
                    if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                        raise ValueError("Unsupported transaction operation")

                    table_name = op["TableName"]
                    condition_expression = op.get("ConditionExpression")
                    expression_attribute_names = op.get("ExpressionAttributeNames")
                    expression_attribute_values = op.get("ExpressionAttributeValues")
                    return_values_on_condition_check_failure = op.get("ReturnValuesOnConditionCheckFailure")

                    if op_type == "Put":
                        attrs = op["Item"]
                        table = self.get_table(table_name)
                        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                        if table.range_key_attr is not None:
                            key[table.range_key_attr] = attrs[table.range_key_attr]
                    else:
                        key = op["Key"]

                    check_unicity(table_name, key)

                    current = self.get_item(table_name, key)
                    if op_type != "ConditionCheck":
                        table = self.get_table(table_name)
                        undo.record(table, *self.get_keys_value(table, key), current)
                    if condition_expression is not None:
                        condition_op = get_filter_expression(
                            condition_expression,
                            expression_attribute_names,
                            expression_attribute_values,
                        )
                        if not condition_op.expr(current):
                            if return_values_on_condition_check_failure == "ALL_OLD" and current:
                                original_item = current.to_json()["Attributes"]
                            raise ConditionalCheckFailed(item=original_item)

                    if op_type == "Put":
                        attrs = op["Item"]
                        self.put_item(
                            table_name,
                            attrs,
                            condition_expression=condition_expression,
                            expression_attribute_names=expression_attribute_names,
                            expression_attribute_values=expression_attribute_values,
                        )
                    elif op_type == "Delete":
                        self.delete_item(
                            table_name,
                            key,
                            condition_expression=condition_expression,
                            expression_attribute_names=expression_attribute_names,
                            expression_attribute_values=expression_attribute_values,
                        )
                    elif op_type == "Update":
                        update_expression = op["UpdateExpression"]
                        self.update_item(
                            table_name,
                            key,
                            update_expression=update_expression,
                            condition_expression=condition_expression,
                            expression_attribute_names=expression_attribute_names,
                            expression_attribute_values=expression_attribute_values,
                        )
                    errors.append((None, None, None))
                except (MultipleTransactionsException, MockValidationException):
                    raise  # rolled back below, like moto
                except ConditionalCheckFailed as e:
                    errors.append(("ConditionalCheckFailed", str(e.message), original_item))
                except Exception as e:  # noqa: BLE001 - moto reports any error per item
                    errors.append((type(e).__name__, str(e), original_item))
        except BaseException:
            undo.rollback()
            raise

        if any(code is not None for code, _, _ in errors):
            undo.rollback()
            raise TransactionCanceledException(errors)


# --------------------------------------------------------------------------
# HTTP handler patch
# --------------------------------------------------------------------------
def _handler_call_action(original: F) -> F:
    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        # The whole request, including moto's response-side reads (e.g.
        # ReturnValues=ALL_OLD fetched before the write, BatchWriteItem loops,
        # response serialisation), runs under the lock so every request is
        # atomic with respect to every other one.
        with _LOCK:
            previous = getattr(_TLS, "in_handler", False)
            _TLS.in_handler = True
            try:
                return original(self, *args, **kwargs)
            finally:
                _TLS.in_handler = previous

    setattr(wrapper, _MARKER, True)
    _ORIGINALS["DynamoHandler.call_action"] = original
    return cast(F, wrapper)


class _CopyModuleProxy:
    """Stands in for the ``copy`` module inside moto.dynamodb.models.table.

    Only Table.query's ``results = copy.deepcopy(results)`` is short-circuited,
    and only when _query armed the one-shot flag (i.e. inside a locked HTTP
    request).  Everything else is the real ``copy`` module.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(x: Any, memo: dict[int, Any] | None = None) -> Any:
        if type(x) is list and getattr(_TLS, "skip_results_deepcopy", False):
            _TLS.skip_results_deepcopy = False
            return list(x)
        return copy.deepcopy(x, memo)


_SET_MEMBER_TYPE = {"SS": "S", "NS": "N", "BS": "B"}


def _utf8_len(value: Any) -> int:
    return len(value) if isinstance(value, bytes) else len(value.encode("utf-8"))


def _dynamo_type_size(self: DynamoType) -> int:
    """Same result as moto's DynamoType.size, without allocating temporaries.

    moto computes every result item's size twice per query (1 MB page limit)
    and re-sizes the whole item on every attribute assignment; its version
    builds a throw-away DynamoType per set member/map value, which made
    sizing the single biggest cost of a large Query after the full-table sort.
    """
    type_, value = self.type, self.value
    if type_ == "N":
        return len(str(value))
    if type_ == "S" and isinstance(value, str):
        return len(value.encode("utf-8"))
    member_type = _SET_MEMBER_TYPE.get(type_)
    if member_type is not None:
        if member_type == "N":
            return sum(len(str(member)) for member in value)
        return sum(1 if isinstance(member, bool) else _utf8_len(member) for member in value)
    if type_ == "L":
        return sum(_dynamo_type_size(member) for member in value)
    if type_ == "M":
        return sum(
            _utf8_len(key) + _dynamo_type_size(member if isinstance(member, DynamoType) else DynamoType(member))
            for key, member in value.items()
        )
    if isinstance(value, bool):
        return 1
    return _utf8_len(value)


def _item_size(self: Item) -> int:
    return sum(_utf8_len(key) + _dynamo_type_size(value) for key, value in self.attrs.items())


def _has_binary(value: DynamoType) -> bool:
    if value.type in ("B", "BS"):
        return True
    if value.type == "L":
        return any(_has_binary(v) for v in value.value)
    if value.type == "M":
        return any(_has_binary(v if isinstance(v, DynamoType) else DynamoType(v)) for v in value.value.values())
    return False


def _item_project(self: Item, projection_expressions: list[list[str]]) -> Item:
    """moto's Item.project, with a fast path for top-level attribute names.

    moto converts the whole item to plain JSON once per projected path, then re-serialises the
    result: projecting 13 attributes of 30 made a Query five times slower than returning every
    attribute. Picking top-level attributes directly gives the same item; nested paths
    (``a.b``, ``l[0]``) still go through moto's own code.
    """
    if any(len(path) != 1 or path[0].endswith("]") for path in projection_expressions):
        return _MOTO_ITEM_PROJECT(self, projection_expressions)
    picked = [self.attrs[path[0]] for path in projection_expressions if path[0] in self.attrs]
    if any(_has_binary(value) for value in picked):
        # moto's round trip re-encodes binary values; keep its exact output for them.
        return _MOTO_ITEM_PROJECT(self, projection_expressions)
    # moto annotates BaseModel.__new__ as returning BaseModel, not the class it is called on.
    projected = cast(Item, Item.__new__(Item))
    projected.hash_key, projected.range_key = self.hash_key, self.range_key
    # A subset of a stored item is within the size limit: skip LimitedSizeDict's per-key re-sizing
    # (quadratic in the attribute count) by filling it through dict.update.
    projected.attrs = LimitedSizeDict({path[0]: DynamoType(self.attrs[path[0]])
                                       for path in projection_expressions if path[0] in self.attrs})
    return projected


def _untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    # BaseModel.__new__ appends every instance to cls.instances_tracked (for
    # moto's dashboard) and never forgets it: a leak of every query result.
    return object.__new__(cls)


# --------------------------------------------------------------------------
# the moto guard
# --------------------------------------------------------------------------
class UnsupportedMotoError(RuntimeError):
    """moto is not a version this module supports, or the internals it patches changed."""


# The moto functions install() replaces or this module's code calls, by owner, with the parameters
# it relies on (names, kinds and order, as _parameters() renders them; defaults and annotations are
# not compared). The backend methods install() only wraps in the lock are added by _expected_moto().
_TABLE_QUERY_PARAMETERS = (
    "(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward, "
    "projection_expressions, index_name, consistent_read, filter_expression, **filter_kwargs)"
)
_EXPECTED_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    # Table: replaced; the wrappers pass these parameters positionally or inspect them.
    ("Table", "query", _TABLE_QUERY_PARAMETERS),
    ("Table", "all_items", "(self)"),
    ("Table", "put_item", (
        "(self, item_attrs, expected, condition_expression, expression_attribute_names, "
        "expression_attribute_values, overwrite, return_values_on_condition_check_failure)"
    )),
    ("Table", "delete_item", "(self, hash_key, range_key)"),
    ("Table", "all_indexes", "(self)"),
    # DynamoDBBackend: called with these arguments by the copy of transact_write_items ...
    ("DynamoDBBackend", "get_item", "(self, table_name, keys, projection_expressions)"),
    ("DynamoDBBackend", "put_item", (
        "(self, table_name, item_attrs, expected, condition_expression, expression_attribute_names, "
        "expression_attribute_values, overwrite, return_values_on_condition_check_failure)"
    )),
    ("DynamoDBBackend", "delete_item", (
        "(self, table_name, key, expression_attribute_names, expression_attribute_values, "
        "condition_expression, return_values_on_condition_check_failure)"
    )),
    ("DynamoDBBackend", "update_item", (
        "(self, table_name, key, update_expression, expression_attribute_names, expression_attribute_values, "
        "attribute_updates, expected, condition_expression, return_values_on_condition_check_failure)"
    )),
    ("DynamoDBBackend", "get_table", "(self, table_name)"),
    ("DynamoDBBackend", "get_keys_value", "(self, table, keys)"),
    # ... or replaced by that copy.
    ("DynamoDBBackend", "transact_write_items", "(self, transact_items)"),
    ("moto.dynamodb.comparisons", "get_filter_expression", "(expr, names, values)"),
    ("moto.dynamodb.exceptions.ConditionalCheckFailed", "__init__", "(self, msg, item)"),
    ("moto.dynamodb.exceptions.TransactionCanceledException", "__init__", "(self, errors)"),
    # Item / DynamoType: replaced by equivalents with the same parameters.
    ("Item", "size", "(self)"),
    ("Item", "project", "(self, projection_expressions)"),
    ("DynamoType", "size", "(self)"),
)


def _expected_moto() -> list[tuple[str, str, str | None]]:
    """_EXPECTED_PARAMETERS, plus the functions install() wraps whatever their parameters (None)."""
    listed = {(owner, name) for owner, name, _ in _EXPECTED_PARAMETERS}
    wrapped: list[tuple[str, str, str | None]] = [
        ("DynamoDBBackend", name, None)
        for name in (*_LOCKED_BACKEND_METHODS, *_COUNTING_BACKEND_METHODS)
        if ("DynamoDBBackend", name) not in listed
    ]
    return [*_EXPECTED_PARAMETERS, *wrapped, ("DynamoHandler", "call_action", None)]


def _expected_owners() -> dict[str, Any]:
    return {
        "Table": Table,
        "DynamoDBBackend": DynamoDBBackend,
        "DynamoHandler": ddb_responses.DynamoHandler,
        "Item": Item,
        "DynamoType": DynamoType,
        "moto.dynamodb.comparisons": ddb_comparisons,
        "moto.dynamodb.exceptions.ConditionalCheckFailed": ddb_exceptions.ConditionalCheckFailed,
        "moto.dynamodb.exceptions.TransactionCanceledException": ddb_exceptions.TransactionCanceledException,
    }


def _parameters(function: Callable[..., Any]) -> str:
    """``(self, a, *args, b, **kwargs)``: the parameter names and kinds of a function, in order."""
    rendered: list[str] = []
    parameters = list(inspect.signature(function).parameters.values())
    starred = False
    for position, parameter in enumerate(parameters):
        if parameter.kind is parameter.VAR_POSITIONAL:
            rendered.append(f"*{parameter.name}")
            starred = True
        elif parameter.kind is parameter.VAR_KEYWORD:
            rendered.append(f"**{parameter.name}")
        else:
            if parameter.kind is parameter.KEYWORD_ONLY and not starred:
                rendered.append("*")
                starred = True
            rendered.append(parameter.name)
        following = parameters[position + 1] if position + 1 < len(parameters) else None
        if parameter.kind is parameter.POSITIONAL_ONLY and (
            following is None or following.kind is not parameter.POSITIONAL_ONLY
        ):
            rendered.append("/")
    return f"({', '.join(rendered)})"


def _moto_surface_problems() -> list[str]:
    """What differs from the moto internals this module was written for (empty: nothing)."""
    problems: list[str] = []
    owners = _expected_owners()
    for owner_name, name, expected in _expected_moto():
        label = f"{owner_name}.{name}"
        found = getattr(owners[owner_name], name, _MISSING)
        if found is _MISSING:
            problems.append(f"{label} is missing")
            continue
        if not callable(found):
            problems.append(f"{label} is no longer callable (found {type(found).__name__})")
            continue
        if expected is None:
            continue
        try:
            parameters = _parameters(found)
        except (TypeError, ValueError) as exc:
            problems.append(f"{label}: its signature cannot be read ({exc})")
            continue
        if parameters != expected:
            problems.append(f"{label} takes {parameters}, expected {expected}")
    # _untracked_new replaces the instance tracking of moto's BaseModel.__new__ with object.__new__:
    # right only while that is the __new__ Item gets.
    if Item.__new__ is not BaseModel.__new__:
        problems.append("Item.__new__ is no longer moto's instance-tracking BaseModel.__new__")
    if not isinstance(getattr(Item, "instances_tracked", None), list):
        problems.append("Item.instances_tracked (moto's dashboard list of instances) is missing")
    # _CopyModuleProxy stands in for Table.query's module-level `copy`.
    if getattr(table_module, "copy", None) is not copy:
        problems.append("moto.dynamodb.models.table no longer imports the copy module as `copy`")
    return problems


def _allow_untested_moto() -> bool:
    return os.environ.get(ALLOW_UNTESTED_MOTO_ENV, "").strip().lower() in {"1", "true", "yes"}


def _check_moto() -> None:
    """Raise UnsupportedMotoError unless install() may patch the installed moto (see the module docstring)."""
    version = str(getattr(moto, "__version__", "(unknown version)"))
    supported = ", ".join(sorted(SUPPORTED_MOTO_VERSIONS))
    untested = version not in SUPPORTED_MOTO_VERSIONS
    if untested and not _allow_untested_moto():
        raise UnsupportedMotoError(
            f"fast_dynamodb refuses to patch moto {version}: it was written and tested for moto {supported} "
            f"only (the pin in requirements-dev.txt). Install the pinned moto, or, to try this moto anyway, "
            f"set {ALLOW_UNTESTED_MOTO_ENV}=1 and run tests/integration/test_fast_dynamodb.py, which compares "
            f"the patched moto with stock moto."
        )
    problems = _moto_surface_problems()
    if problems:
        raise UnsupportedMotoError(
            f"fast_dynamodb cannot patch moto {version} (written for moto {supported}): the moto internals it "
            "patches or calls changed, so nothing was patched:\n  - " + "\n  - ".join(problems)
        )
    if untested:
        log.warning(
            "fast_dynamodb: PATCHING UNTESTED moto %s (supported: %s) because %s is set. Query results, "
            "transactions and conditional writes of the local DynamoDB may differ from stock moto; run "
            "tests/integration/test_fast_dynamodb.py before relying on them.",
            version, supported, ALLOW_UNTESTED_MOTO_ENV,
        )


# --------------------------------------------------------------------------
# install / uninstall
# --------------------------------------------------------------------------
def _patch(owner: Any, name: str, value: Any) -> None:
    _patches.append((owner, name, owner.__dict__.get(name, _MISSING)))
    setattr(owner, name, value)


_LOCKED_BACKEND_METHODS = (
    "get_item",
    "query",
    "scan",
    "put_item",
    "delete_item",
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
    "create_backup",
    "describe_table",
    "update_time_to_live",
    "export_table",
)
_COUNTING_BACKEND_METHODS = (
    "create_table",
    "delete_table",
    "update_table",
    "restore_table_from_backup",
    "restore_table_to_point_in_time",
    "import_table",
)


def _replace(owner: Any, label: str, name: str, replacement: Callable[..., Any]) -> None:
    """Swap in a replacement that keeps moto's original reachable (for wrappers and differential tests)."""
    _ORIGINALS[f"{label}.{name}"] = getattr(owner, name)
    wrapped = functools.wraps(getattr(owner, name))(replacement)
    setattr(wrapped, _MARKER, True)
    _patch(owner, name, wrapped)


def install() -> None:
    """Patch moto in-process. Idempotent; safe to call before or after the server starts.

    Raises UnsupportedMotoError, having patched nothing, on a moto version other than
    SUPPORTED_MOTO_VERSIONS (unless UNIONCORE_ALLOW_UNTESTED_MOTO=1) or when a moto function it
    patches or calls is missing or takes other parameters (whatever the version).
    """
    global _installed
    with _LOCK:
        if _installed:
            return
        if getattr(getattr(Table, "query", None), _MARKER, False):
            # Already patched by another copy of this module (e.g. imported
            # under a second name); patching twice would nest the wrappers.
            log.warning("fast_dynamodb: moto already patched by another module copy")
            return
        _check_moto()
        try:
            _apply_patches()
        except BaseException:
            _undo_patches()  # never leave moto half-patched
            raise
        _INDEXES.clear()
        _installed = True


def _apply_patches() -> None:
    """Every patch install() makes (the caller holds the lock and undoes them on failure)."""
    for name, replacement in (
        ("query", _query),
        ("all_items", _all_items),
        ("put_item", _table_put_item),
        ("delete_item", _table_delete_item),
    ):
        _replace(Table, "Table", name, replacement)

    for name in _LOCKED_BACKEND_METHODS:
        original = getattr(DynamoDBBackend, name)
        _patch(DynamoDBBackend, name, _locked(f"DynamoDBBackend.{name}", original))
    for name in _COUNTING_BACKEND_METHODS:
        original = getattr(DynamoDBBackend, name)
        _patch(
            DynamoDBBackend,
            name,
            _locked_counting(f"DynamoDBBackend.{name}", original),
        )
    backend_replacements: tuple[tuple[str, Callable[..., Any]], ...] = (
        ("update_item", _backend_update_item),
        ("transact_write_items", _transact_write_items),
    )
    for name, replacement in backend_replacements:
        _replace(DynamoDBBackend, "DynamoDBBackend", name, replacement)

    handler = ddb_responses.DynamoHandler
    _patch(handler, "call_action", _handler_call_action(handler.call_action))
    _patch(table_module, "copy", _CopyModuleProxy())
    _patch(Item, "__new__", staticmethod(_untracked_new))
    _ORIGINALS["Item.size"] = Item.size
    _ORIGINALS["DynamoType.size"] = DynamoType.size
    _patch(Item, "size", _item_size)
    _ORIGINALS["Item.project"] = Item.project
    _patch(Item, "project", _item_project)
    _patch(DynamoType, "size", _dynamo_type_size)
    # moto's InstanceTrackerMeta creates instances_tracked at class creation; mypy cannot see it.
    Item.instances_tracked.clear()  # type: ignore[attr-defined]


def _undo_patches() -> None:
    while _patches:
        owner, name, previous = _patches.pop()
        if previous is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, previous)
    _ORIGINALS.clear()


def uninstall() -> None:
    """Undo :func:`install` (used by benchmarks/tests to compare with stock moto)."""
    global _installed
    with _LOCK:
        _undo_patches()
        _INDEXES.clear()
        _installed = False
