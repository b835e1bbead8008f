"""The store core: one write path (`WriteBatch`), codecs per entity, two twins behind one interface."""

from __future__ import annotations

from chalicelib.core.store import audit_codec as _audit_codec  # registers the audit entry codec
from chalicelib.core.store.codec import ItemCodec, Key, build, register, with_version
from chalicelib.core.store.ports import Page, Store, WriteBatch
from chalicelib.core.store.query import Query, absent, contains, eq, present
from chalicelib.core.store import versioned
from chalicelib.core.store.wiring import get_store, set_store

__all__ = ["_audit_codec", "ItemCodec", "Key", "Page", "Query", "Store", "WriteBatch", "absent", "build",
           "contains", "eq", "get_store", "present", "register", "set_store", "versioned", "with_version"]
