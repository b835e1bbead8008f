"""Sealed values: identity-provider tokens the API must keep in the table, encrypted and bound to their item.

AES-256-GCM with the token key (core/app_secrets.py). The additional authenticated data is the item's key,
so a sealed value copied into another item does not open. A value sealed under another key (a rotated
key, or a local runtime restarted with a fresh random key) fails to open like a tampered one: the holder
treats it as absent (an expired sign-in step or session), never as a server error.

Format: "v1." + base64url(12-byte nonce || ciphertext || 16-byte tag).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from chalicelib.core import app_secrets

PREFIX = "v1."


class BrokenSeal(Exception):
    """The value was not sealed by this key for this item (or was changed)."""


def _aead() -> Any:
    # Imported on first use: most requests never seal anything (cold start).
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(app_secrets.token_key())


def seal(data: dict[str, Any], bound_to: str) -> str:
    nonce = os.urandom(12)
    body = _aead().encrypt(nonce, json.dumps(data, separators=(",", ":")).encode(), bound_to.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + body).decode().rstrip("=")


def open_sealed(value: str, bound_to: str) -> dict[str, Any]:
    from cryptography.exceptions import InvalidTag

    if not isinstance(value, str) or not value.startswith(PREFIX):
        raise BrokenSeal("not a sealed value")
    raw = value[len(PREFIX):]
    try:
        blob = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        plain = _aead().decrypt(blob[:12], blob[12:], bound_to.encode())
        data = json.loads(plain)
    except (InvalidTag, ValueError) as exc:
        raise BrokenSeal("the value does not open with this key for this item") from exc
    if not isinstance(data, dict):
        raise BrokenSeal("not a sealed object")
    return data
