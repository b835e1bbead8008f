"""Key strings the store core itself owns; every entity's keys are built in its module's codec."""

from __future__ import annotations

import base64
import hashlib
import hmac
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


def sequence(name: str) -> tuple[str, str]:
    """A named sequence; `name` is built by the module that owns it (e.g. REQSEQ#2026-03-02)."""
    return f"SEQ#{name}", "SEQ"


def ticket(key: str) -> tuple[str, str]:
    """A short-lived single-use ticket; `key` is built by the module that owns the ticket."""
    return key, "TICKET"


def _signing_key() -> bytes:
    from chalicelib.core.app_secrets import cursor_key

    return cursor_key()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))


def _signature(scope: str, payload: str) -> str:
    mac = hmac.new(_signing_key(), f"{scope}\n{payload}".encode(), hashlib.sha256).digest()
    return _b64(mac[:18])


def encode_cursor(key: dict[str, Any] | None, scope: str) -> str | None:
    """An opaque cursor: the start key, signed (HMAC-SHA256) together with the query it continues, so a
    client can neither forge a start key nor move a cursor to another query."""
    if not key:
        return None
    payload = _b64(json.dumps(key, sort_keys=True, separators=(",", ":")).encode())
    return f"{payload}.{_signature(scope, payload)}"


def _foreign() -> Exception:
    return bad_request("The cursor is not valid.", FieldProblem("cursor", "not a cursor this API issued for this list"))


def decode_cursor(cursor: str | None, scope: str) -> dict[str, Any] | None:
    """The start key of a cursor this API issued for this very query; anything else is a 400."""
    if not cursor:
        return None
    payload, _, signature = cursor.partition(".")
    if not payload or not signature or not hmac.compare_digest(signature, _signature(scope, payload)):
        raise _foreign()
    try:
        value = json.loads(_unb64(payload))
    except (ValueError, UnicodeDecodeError):
        raise _foreign() from None
    if not isinstance(value, dict) or not value or not all(
        isinstance(k, str) and isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str)
        for k, v in value.items()
    ):
        raise _foreign()
    return value
