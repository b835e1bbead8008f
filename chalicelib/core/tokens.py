"""Verification of Cognito access tokens: signature via JWKS, issuer, client, expiry, token use."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import jwt

ACCESS_TOKEN_MAX_AGE_S = 30 * 60  # §1.2: access tokens live at most 30 minutes, whatever the IdP says


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class VerifiedToken:
    sub: str
    groups: tuple[str, ...]
    issued_at: int
    expires_at: int
    jti: str | None


@functools.lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    # Keys are cached in the client, so a warm Lambda fetches the JWKS once.
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600)


def verify_access_token(token: str, *, jwks_url: str, issuer: str, client_id: str,
                        now: float | None = None) -> VerifiedToken:
    try:
        key = _jwks_client(jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token, key.key, algorithms=["RS256"], issuer=issuer,
            options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
            leeway=5,
        )
    except (jwt.PyJWTError, jwt.PyJWKClientError, ValueError) as exc:
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
