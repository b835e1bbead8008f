"""Canonical JSON: one text per value, so equal data hashes equally (audit seals, decision records)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, bool):  # bool is an int subclass; handled by the caller, never here
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and Infinity have no canonical JSON form")
        value = Decimal(repr(value))  # the shortest decimal that round-trips: 0.1 -> "0.1"
    if not value.is_finite():
        raise ValueError("NaN and Infinity have no canonical JSON form")
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def canonical_json(value: Any) -> str:
    """One text per value: equal data gives equal text whatever the dict order or number type."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float, Decimal)):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("canonical JSON objects have string keys only")
        return (
            "{"
            + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{canonical_json(value[k])}" for k in sorted(value))
            + "}"
        )
    raise TypeError(f"no canonical JSON form for {type(value).__name__}")


