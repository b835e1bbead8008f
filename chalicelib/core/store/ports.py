"""The store's interface. Two implementations pass one contract suite: DynamoDB (`dynamo.py`) and the
in-memory twin (`memory.py`). Modules never see either: they read through `Store` with their codecs and
write through a `WriteBatch`, which commits all-or-nothing (one TransactWriteItems) with its audit entries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from chalicelib.core.store.codec import ItemCodec, Key
from chalicelib.core.store.query import Query

T = TypeVar("T")
R = TypeVar("R")

MAX_TRANSACTION_ITEMS = 100


class WriteOnce(TypeError):
    """A write-once item (audit entry, seal) was to be updated or deleted: refused before anything is sent."""


def refuse_rewrite(codec: ItemCodec[Any], expected_version: int | None, deleting: bool = False) -> None:
    """Write-once items (`versioned = False`: audit entries, seals) are only ever created, with
    `attribute_not_exists`. An update (a put at a version) or a delete of one is a defect in the caller:
    both twins refuse it here, so no code path can turn into a plain overwrite."""
    if not codec.versioned and (deleting or expected_version is not None):
        raise WriteOnce(f"{codec.entity} items are write-once: they can be created, never changed or deleted")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class WriteBatch(Protocol):
    """Changes committed all-or-nothing.

    `expected_version=None` means "must not exist yet" (create); an int means "must be at this version"
    (update): the item is written at the next version. A refused condition raises `DuplicateKey(<unique
    key>)` for a unique claim and `StaleVersion` otherwise; nothing is written then.
    """

    def put(self, record: Any, expected_version: int | None = None) -> None: ...
    def delete(self, record: Any, expected_version: int | None = None) -> None: ...
    def check(self, record: Any, expected_version: int) -> None:
        """Require a record to be at a version without writing it (it serialises rules that span records)."""
        ...

    def create_unique(self, unique_key: str, owner_id: str) -> None:
        """Reserve a business key (e.g. MEMBERNO#0012345); DuplicateKey if taken."""
        ...

    def release_unique(self, unique_key: str, owner_id: str) -> None: ...
    def transfer_unique(self, unique_key: str, from_owner: str, to_owner: str) -> None:
        """Hand a business key from one owner to another in one write (a transaction may touch an item only
        once, so a release and a claim of the same key cannot be combined); StaleVersion if `from_owner` does
        not hold it."""
        ...

    def audit(self, entry: Any) -> None: ...
    def commit(self) -> None: ...
    def __len__(self) -> int: ...


class Counters(Protocol):
    def hit(self, key: str, window_s: int, now: float) -> tuple[int, int]:
        """Count one event in the current fixed window; returns (count, seconds left in the window)."""
        ...

    def failures(self, key: str) -> tuple[int, float | None]:
        """(consecutive failures, locked-until epoch or None)."""
        ...

    def record_failure(self, key: str, threshold: int, lock_s: int, now: float) -> tuple[int, float | None]: ...
    def clear_failures(self, key: str) -> None: ...


class Tickets(Protocol):
    """Short-lived single-use items (MFA set-up sessions, e-mail verification codes).

    Expired tickets read as absent (the table's TTL removes them later); `take` deletes the ticket with a
    condition, so of two concurrent takers exactly one gets the data."""

    def put(self, key: str, data: dict[str, Any], expires_at: int) -> None: ...
    def get(self, key: str, now: float) -> dict[str, Any] | None: ...
    def take(self, key: str, now: float) -> dict[str, Any] | None: ...


class Sequences(Protocol):
    """Named gap-tolerant sequences (request numbers, same-day APN sequences): one atomic increment each,
    outside any transaction, so two callers never get the same number (a failed write may leave a gap)."""

    def next(self, name: str, floor: int = 0) -> int:
        """The next value: 1 + max(current, floor) (`floor` seeds a new sequence from existing data)."""
        ...

    def current(self, name: str) -> int: ...

    def raise_to(self, name: str, value: int) -> None:
        """Make the sequence at least `value` (an import that stores numbers the sequence must not reissue)."""
        ...


class Store(Protocol):
    @property
    def counters(self) -> Counters: ...
    @property
    def sequences(self) -> Sequences: ...
    @property
    def tickets(self) -> Tickets: ...

    def get(self, codec: ItemCodec[R], key: Key, consistent: bool = False) -> R | None: ...
    def query(self, codec: ItemCodec[R], query: Query, limit: int, cursor: str | None = None,
              decode: Callable[[Mapping[str, Any]], Any] | None = None) -> Page[Any]:
        """One page of a partition in sort-key order; `decode` maps a (projected) item to what the page holds."""
        ...

    def get_many(self, wanted: Sequence[tuple[ItemCodec[Any], Key]], consistent: bool = False) -> list[Any]:
        """Several items of any kinds in one round trip (BatchGetItem, 100 keys a call), in the order asked;
        None for an item that does not exist."""
        ...

    def query_all(self, codec: ItemCodec[R], query: Query) -> list[R]:
        """Every item of a (small) partition: a parent's children, a book's settings."""
        ...

    def count(self, query: Query) -> int: ...
    def owner_of(self, unique_key: str) -> str | None: ...
    def create(self, record: Any) -> bool:
        """One conditional put outside a transaction (write-once items); False if the item exists."""
        ...

    def batch(self) -> WriteBatch: ...
    def ping(self) -> None: ...
