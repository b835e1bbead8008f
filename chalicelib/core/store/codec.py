"""Item codecs: each entity's keys and its item <-> record mapping, declared once in its module's store.py.

A codec is all the store needs to know about an entity. Both store twins (DynamoDB and in-memory) work
from it, so a new entity touches its own module folder and nothing in the store core:

    class ContractCodec(ItemCodec[Contract]):
        entity = "contract"
        record_type = Contract

        def keys(self, c: Contract) -> dict[str, str]:
            return {"PK": org_pk(c.org_id), "SK": f"CONTRACT#{c.contract_code}#{c.id}"}

    CONTRACTS = register(ContractCodec())

Records are pydantic models or dataclasses with a `version` field (optimistic locking: the store sets it).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

R = TypeVar("R")
T = TypeVar("T")
Key = tuple[str, str]  # (PK, SK)

# Attribute names the single table reserves: the item keys, the three overloaded indexes and bookkeeping.
TABLE_KEYS = ("PK", "SK")
INDEX_KEYS: dict[str | None, tuple[str, str]] = {
    None: ("PK", "SK"),
    "GSI1": ("GSI1PK", "GSI1SK"),
    "GSI2": ("GSI2PK", "GSI2SK"),
    "GSI3": ("GSI3PK", "GSI3SK"),
}
RESERVED = frozenset({"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "entity", "version"})


def dump(record: Any) -> dict[str, Any]:
    """A record's fields as storable plain values (dates as ISO text, enums as values, Decimal as text)."""
    if isinstance(record, BaseModel):
        return record.model_dump(mode="json")
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return dataclasses.asdict(record)
    raise TypeError(f"{type(record).__name__} is neither a pydantic model nor a dataclass")


def build(record_type: type[T], values: Mapping[str, Any]) -> T:
    """A record (or a summary of one) from item values: fields the item lacks take their defaults."""
    if isinstance(record_type, type) and issubclass(record_type, BaseModel):
        fields = record_type.model_fields
        return record_type.model_validate({k: values[k] for k in fields if k in values})
    if dataclasses.is_dataclass(record_type):
        names = {f.name for f in dataclasses.fields(record_type)}
        return record_type(**{k: v for k, v in values.items() if k in names})
    raise TypeError(f"{record_type!r} is neither a pydantic model nor a dataclass")


def version_of(record: Any) -> int:
    return int(getattr(record, "version", 1) or 1)


def with_version(record: R, version: int) -> R:
    if isinstance(record, BaseModel):
        return record.model_copy(update={"version": version})  # type: ignore[return-value]
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return dataclasses.replace(record, version=version)  # type: ignore[type-var]
    raise TypeError(f"{type(record).__name__} has no version")


class ItemCodec(Generic[R]):
    """How one entity is stored. Subclasses set `entity` and `record_type` and implement `keys`."""

    entity: ClassVar[str]
    record_type: ClassVar[type[Any]]
    # False for write-once items (audit entries, seals): no version attribute, create-only.
    versioned: ClassVar[bool] = True

    def keys(self, record: R) -> dict[str, str]:
        """PK and SK, plus the index keys (GSI1PK/GSI1SK …) this record appears under."""
        raise NotImplementedError

    def attributes(self, record: R) -> dict[str, Any]:
        values = dump(record)
        values.pop("version", None)
        return values

    def decode(self, item: Mapping[str, Any]) -> R:
        return build(self.record_type, item)

    def key(self, record: R) -> Key:
        k = self.keys(record)
        return k["PK"], k["SK"]

    def item(self, record: R, version: int | None) -> dict[str, Any]:
        values = self.attributes(record)
        clash = RESERVED & values.keys()
        if clash:
            raise ValueError(f"{self.entity}: attributes {sorted(clash)} are reserved by the table")
        out = {**values, **self.keys(record), "entity": self.entity}
        if self.versioned and version is not None:
            out["version"] = version
        return out

    def after_commit(self, record: R) -> None:
        """Called once the record's transaction has committed (e.g. to drop a cached copy)."""


_CODECS: dict[type[Any], ItemCodec[Any]] = {}


def register(codec: ItemCodec[R]) -> ItemCodec[R]:
    """The one registration line of an entity: `CONTRACTS = register(ContractCodec())`."""
    existing = _CODECS.get(codec.record_type)
    if existing is not None and type(existing) is not type(codec):
        raise ValueError(f"{codec.record_type.__name__} already has a codec ({type(existing).__name__})")
    _CODECS[codec.record_type] = codec
    return codec


def codec_for(record: Any) -> ItemCodec[Any]:
    """The codec of a record's type. A record's codec lives in its module's store.py (folders are the
    architecture), which is imported here if nothing has imported it yet."""
    codec = _CODECS.get(type(record))
    if codec is None:
        module = ".".join(type(record).__module__.split(".")[:2])  # chalicelib.<module>, whatever the depth
        importlib.import_module(f"{module}.store")
        codec = _CODECS.get(type(record))
    if codec is None:
        raise TypeError(f"no codec registered for {type(record).__name__}")
    return codec


class UniqueKey:
    """Marker items that make a business key unique through a conditional put (never check-then-insert)."""

    SK = "UNIQUE"
    ENTITY = "unique"
