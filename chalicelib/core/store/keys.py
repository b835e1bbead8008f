"""Key strings the store core itself owns; every entity's keys are built in its module's codec."""

from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.core.errors import FieldProblem, bad_request

UNIQUE_SK = "UNIQUE"


def rate_window(bucket_key: str, window_start: int) -> tuple[str, str]:
    """A fixed-window counter (rate limits): one item per key and window."""
    return f"RATE#{bucket_key}", f"W#{window_start}"


def failures(key: str) -> tuple[str, str]:
    """Consecutive failures and the lock-out instant of one key (sign-in lockout)."""
    return f"FAIL#{key}", "STATE"


def ticket(key: str) -> tuple[str, str]:
    """A short-lived single-use ticket; `key` is built by the module that owns the ticket."""
    return key, "TICKET"


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _foreign() -> Exception:
    return bad_request("The cursor is not valid.", FieldProblem("cursor", "not a cursor this API issued"))


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """A cursor is opaque to clients: an encoded start key of string attributes. Anything else is a 400."""
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise _foreign() from None
    if not isinstance(value, dict) or not value or not all(
        isinstance(k, str) and isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str)
        for k, v in value.items()
    ):
        raise _foreign()
    return value
