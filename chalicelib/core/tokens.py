"""Verification of Cognito access tokens: signature via JWKS, issuer, client, expiry, token use.

The pool's key set is fetched once per container and kept. A token naming a key id we do not hold
(a key rotation, or a forged header) may trigger a fresh download, but at most one per
`REFETCH_INTERVAL_S` per container and each with a short timeout: otherwise anyone could make every
request wait on — and every Lambda hammer — the JWKS endpoint just by sending made-up `kid`s.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

ACCESS_TOKEN_MAX_AGE_S = 30 * 60  # §1.2: access tokens live at most 30 minutes, whatever the IdP says
JWKS_TIMEOUT_S = 3.0  # a person is waiting on the request that triggers a download
REFETCH_INTERVAL_S = 60.0  # at most one download per minute for key ids we do not know


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class VerifiedToken:
    sub: str
    groups: tuple[str, ...]
    issued_at: int
    expires_at: int
    jti: str | None


def fetch_jwks(url: str, timeout_s: float) -> dict[str, Any]:
    """GET the key set. `data:` URLs are accepted because the local runtime hands moto's key set over
    inline (infrastructure/provision.py); anything but https/http/data is refused."""
    if not url.startswith(("https://", "http://", "data:")):
        raise InvalidToken("JWKS URL must be https, http or data")
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - scheme checked above
        document = json.loads(response.read())
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise InvalidToken("not a JWKS document")
    return document


class KeySet:
    """The signing keys of one issuer, cached per container, re-fetched only when needed and allowed."""

    def __init__(self, url: str, *, fetch: Callable[[str, float], dict[str, Any]] = fetch_jwks,
                 clock: Callable[[], float] = time.monotonic, timeout_s: float = JWKS_TIMEOUT_S,
                 refetch_interval_s: float = REFETCH_INTERVAL_S) -> None:
        self.url = url
        self._fetch = fetch
        self._clock = clock
        self.timeout_s = timeout_s
        self.refetch_interval_s = refetch_interval_s
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._last_attempt: float | None = None
        self._last_refetch: float | None = None

    def key(self, kid: str) -> Any:
        with self._lock:
            known = self._keys.get(kid)
            if known is not None:
                return known
            now = self._clock()
            # The first load is retried at most once per interval if it failed; once keys are held, an
            # unknown key id may trigger one re-fetch per interval. Both are counted before the download,
            # so a slow or failing endpoint is not asked again on every request.
            last = self._last_refetch if self._keys else self._last_attempt
            if last is not None and now - last < self.refetch_interval_s:
                raise InvalidToken("unknown signing key")
            if self._keys:
                self._last_refetch = now
            self._last_attempt = now
        # Downloaded outside the lock: requests with known keys never wait on it.
        try:
            document = self._fetch(self.url, self.timeout_s)
            keys = {jwk.key_id: jwk.key for jwk in jwt.PyJWKSet.from_dict(document).keys if jwk.key_id}
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            raise InvalidToken(f"signing keys unavailable: {exc}") from exc
        with self._lock:
            # Added to what we had: a key rotated out of the set stays usable until the container ends,
            # which the access-token lifetime bounds anyway.
            self._keys.update(keys)
            found = self._keys.get(kid)
        if found is None:
            raise InvalidToken("unknown signing key")
        return found


_KEY_SETS: dict[str, KeySet] = {}
_KEY_SETS_LOCK = threading.Lock()


def key_set(url: str) -> KeySet:
    with _KEY_SETS_LOCK:
        if url not in _KEY_SETS:
            _KEY_SETS[url] = KeySet(url)
        return _KEY_SETS[url]


def reset_key_sets() -> None:
    with _KEY_SETS_LOCK:
        _KEY_SETS.clear()


def verify_access_token(token: str, *, jwks_url: str, issuer: str, client_id: str,
                        now: float | None = None, keys: KeySet | None = None) -> VerifiedToken:
    try:
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("no key id")
        key = (keys or key_set(jwks_url)).key(kid)
        claims = jwt.decode(
            token, key, algorithms=["RS256"], issuer=issuer,
            options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
            leeway=5,
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("token_use") != "access":
        raise InvalidToken("not an access token")
    if claims.get("client_id") != client_id:
        raise InvalidToken("issued to another client")
    issued = int(claims.get("iat") or claims.get("auth_time") or 0)
    current = time.time() if now is None else now
    if issued and current - issued > ACCESS_TOKEN_MAX_AGE_S + 5:
        raise InvalidToken("token older than the access-token lifetime")
    return VerifiedToken(
        sub=str(claims["sub"]),
        groups=tuple(claims.get("cognito:groups") or ()),
        issued_at=issued,
        expires_at=int(claims["exp"]),
        jti=claims.get("jti"),
    )
