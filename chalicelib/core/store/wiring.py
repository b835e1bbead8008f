"""Builds the store lazily once per Lambda container (tests may swap in the in-memory twin)."""

from __future__ import annotations

from chalicelib.core.settings import get_settings
from chalicelib.core.store.ports import Store

_store: Store | None = None


def get_store() -> Store:
    global _store
    if _store is None:
        from chalicelib.core.store.dynamo import DynamoStore

        s = get_settings()
        _store = DynamoStore(s.table_name, s.aws_region, s.aws_endpoint_url)
    return _store


def set_store(store: Store | None) -> None:
    global _store
    _store = store
