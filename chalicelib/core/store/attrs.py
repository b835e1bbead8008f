"""Plain Python values <-> DynamoDB attribute values, exactly.

Numbers are `int` (counts, cents, versions) or `Decimal`; a float is refused, so money and APNs can never
pass through binary floating point. Text that must survive byte for byte (APNs as imported, rates) is
stored as a string by its codec, because DynamoDB normalises numbers ("45880.40" comes back "45880.4").
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

AttributeValue = dict[str, Any]


def to_attr(value: Any) -> AttributeValue:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):  # before int: bool is an int
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, Mapping):
        return {"M": {str(k): to_attr(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attr(v) for v in value]}
    if isinstance(value, float):
        raise TypeError("floats are not stored: use int (cents) or Decimal")
    raise TypeError(f"cannot store a {type(value).__name__}")


def _number(text: str) -> int | Decimal:
    if text.lstrip("-").isdigit():
        return int(text)
    return Decimal(text)


def from_attr(av: AttributeValue) -> Any:
    (kind, value), = av.items()
    if kind == "S":
        return value
    if kind == "N":
        return _number(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: from_attr(v) for k, v in value.items()}
    if kind == "L":
        return [from_attr(v) for v in value]
    if kind == "SS":
        return sorted(value)
    if kind == "NS":
        return sorted(_number(v) for v in value)
    raise TypeError(f"unsupported attribute type {kind}")


def to_item(values: Mapping[str, Any]) -> dict[str, AttributeValue]:
    """Top-level None values are left out: an absent attribute is what `attribute_not_exists` filters see."""
    return {k: to_attr(v) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, AttributeValue]) -> dict[str, Any]:
    return {k: from_attr(v) for k, v in item.items()}
