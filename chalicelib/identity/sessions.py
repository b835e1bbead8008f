"""Refresh sessions: the API's own rotating refresh tokens, with Cognito's refresh token kept inside the API.

Cognito's refresh token never leaves the API. The client gets `<session id>.<secret>` instead; the table
holds, per session, the SHA-256 of the current secret (and of the one before it), when the session
began, and the Cognito refresh token sealed (core/sealing.py) together with the Cognito username that its
SECRET_HASH needs. Every refresh exchanges the secret for a new one (rotation), so:

- a refresh token copied from a device works only until the device's next refresh; if the stale copy is
  presented after that, the session has been forked and is ended for both (reuse detection);
- the same token presented twice within `REUSE_GRACE_S` of its exchange (two tabs refreshing at once) is
  answered 409 without ending the session: the other request got the new token;
- sign-out, a password reset, disabling the user or changing roles end the session through the user's
  token cut-off (`tokens_valid_after`), checked on every refresh, even if Cognito lagged.

Why not Cognito's own rotation (RefreshTokenRotation): it replaces REFRESH_TOKEN_AUTH with
GetTokensFromRefreshToken, which the local emulator (moto 5.1) does not implement — the path we ship
would be one the local suites never ran (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import FieldProblem, bad_request
from chalicelib.core.sealing import BrokenSeal, open_sealed, seal
from chalicelib.core.store import Store
from chalicelib.identity import store as users_repo

SESSION_SECONDS = 7 * 24 * 3600  # Cognito's refresh-token lifetime (RefreshTokenValidity, resources.yaml)
REUSE_GRACE_S = 30
_HANDLE = re.compile(r"^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{32,128})$")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Presented:
    session_id: str
    secret: str

    @property
    def key(self) -> str:
        return users_repo.refresh_session(self.session_id)

    @property
    def digest(self) -> str:
        return _digest(self.secret)


@dataclass(frozen=True)
class Session:
    """A session as read from the table, with the presented secret compared."""

    key: str
    data: dict[str, Any]
    current: bool  # the presented secret is the current one
    superseded: bool  # the presented secret is the one before (already exchanged)

    @property
    def user_id(self) -> str:
        return str(self.data["user_id"])

    @property
    def issued_at(self) -> int:
        return int(self.data["issued_at"])

    @property
    def rotated_at(self) -> int:
        return int(self.data["rotated_at"])

    @property
    def expires_at(self) -> int:
        return int(self.data["expires_at"])

    def inner(self) -> dict[str, Any]:
        """{"refresh_token", "username"} for Cognito. BrokenSeal if the key changed since."""
        return open_sealed(str(self.data["sealed"]), self.key)


def parse(handle: str, field: str = "refresh_token") -> Presented:
    """A refresh token this API issued, or a 400 naming the field (never a lookup for garbage)."""
    match = _HANDLE.match(handle or "")
    if not match:
        raise bad_request("The refresh token is not valid.",
                          FieldProblem(field, "not a refresh token this service issued"))
    return Presented(match.group(1), match.group(2))


def start(store: Store, user_id: str, username: str, cognito_refresh_token: str, now: float) -> str:
    """A new session for tokens just handed out; returns the refresh token for the client."""
    session_id, secret = secrets.token_urlsafe(18), secrets.token_urlsafe(32)
    key = users_repo.refresh_session(session_id)
    issued = int(now)
    data = {"user_id": user_id, "secret_hash": _digest(secret), "previous_hash": "", "issued_at": issued,
            "rotated_at": issued, "expires_at": issued + SESSION_SECONDS,
            "sealed": seal({"refresh_token": cognito_refresh_token, "username": username}, key)}
    store.tickets.put(key, data, issued + SESSION_SECONDS)
    return f"{session_id}.{secret}"


def find(store: Store, presented: Presented, now: float) -> Session | None:
    data = store.tickets.get(presented.key, now)
    if data is None:
        return None
    current = hmac.compare_digest(str(data.get("secret_hash", "")), presented.digest)
    previous = str(data.get("previous_hash") or "")
    superseded = bool(previous) and hmac.compare_digest(previous, presented.digest)
    return Session(presented.key, data, current, superseded)


def rotate(store: Store, presented: Presented, now: float) -> str | None:
    """Exchange the presented (current) secret for a new one. None if another request exchanged it first:
    the single-use take decides, so of two concurrent refreshes exactly one gets a new token."""
    taken = store.tickets.take(presented.key, now)
    if taken is None:
        return None
    if not hmac.compare_digest(str(taken.get("secret_hash", "")), presented.digest):
        # Another request rotated between our read and this take: put its session back untouched.
        store.tickets.put(presented.key, taken, int(taken["expires_at"]))
        return None
    secret = secrets.token_urlsafe(32)
    data = {**taken, "secret_hash": _digest(secret), "previous_hash": presented.digest, "rotated_at": int(now)}
    store.tickets.put(presented.key, data, int(taken["expires_at"]))
    return f"{presented.session_id}.{secret}"


def end(store: Store, session: Session, now: float) -> str | None:
    """Delete the session; returns the Cognito refresh token inside it (to revoke), if it still opens."""
    store.tickets.take(session.key, now)
    try:
        return str(session.inner()["refresh_token"])
    except (BrokenSeal, KeyError):
        return None


__all__ = ["REUSE_GRACE_S", "SESSION_SECONDS", "BrokenSeal", "Presented", "Session", "end", "find", "parse",
           "rotate", "start"]
