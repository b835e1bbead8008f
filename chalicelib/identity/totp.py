"""RFC 6238 time-based one-time passwords (the codes authenticator apps show). Pure; no I/O.

The API never checks codes itself (Cognito does); this is used to enrol the demo users and by the
tests' sign-in helper, so they send the code a real authenticator would show for the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time


def secret_bytes(secret_b32: str) -> bytes:
    cleaned = secret_b32.strip().replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def totp(secret_b32: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(secret_bytes(secret_b32), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)
