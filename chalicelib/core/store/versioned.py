"""The one versioned-write path: commit a batch and turn a lost race into the API's 409 contract.

Every write that changes an existing record carries the version the caller saw; every create of a
business key claims a unique marker. When the table refuses either, the caller gets a 409 — with the
record as it is now, so the web app can show what changed — and nothing of the batch is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core.errors import AppError, DuplicateKey, FieldProblem, StaleVersion, conflict
from chalicelib.core.store.ports import WriteBatch

CONCURRENT_UPDATE = "CONCURRENT_UPDATE"


def stale(current: Any = None, what: str = "record") -> AppError:
    """The 409 every lost update gets: code CONCURRENT_UPDATE and the record as it is now."""
    return conflict(CONCURRENT_UPDATE, f"This {what} was changed by someone else.", current=current)


def require_version(seen: int, stored: int, current: Callable[[], Any], what: str = "record") -> None:
    """A form saved from an old version is refused before any rule runs, so the user sees what changed."""
    if seen != stored:
        raise stale(current(), what)


def commit(batch: WriteBatch, *, current: Callable[[], Any] | None = None, what: str = "record",
           duplicates: dict[str, Callable[[], AppError]] | Callable[[str], AppError] | None = None) -> None:
    """Commit, mapping `StaleVersion` to the 409 (re-reading `current()` for the body) and `DuplicateKey`
    to the 409 that names the taken field (`duplicates`: unique-key prefix -> error, or one function)."""
    try:
        batch.commit()
    except StaleVersion as exc:
        raise stale(current() if current else None, what) from exc
    except DuplicateKey as exc:
        if callable(duplicates):
            raise duplicates(exc.field_name) from exc
        for prefix, error in (duplicates or {}).items():
            if exc.field_name.startswith(prefix):
                raise error() from exc
        raise conflict("DUPLICATE", "This value is already in use.",
                       FieldProblem("id", "already in use")) from exc
