"""Access tokens as the local Cognito (moto) signs them, for tests that need one the API must refuse
for a real reason: an expired copy of a real token is signed with moto's own key, so the authorizer
checks it like any other token and refuses it only because it has expired."""

from __future__ import annotations

import json
import time

import jwt
from moto.utilities.utils import load_resource


def expired_copy(access_token: str, seconds_ago: int = 60) -> str:
    """`access_token` with the same claims, issued an hour earlier and expired `seconds_ago`."""
    claims = jwt.decode(access_token, options={"verify_signature": False})
    header = jwt.get_unverified_header(access_token)
    now = int(time.time())
    claims.update(iat=now - 3600 - seconds_ago, auth_time=now - 3600 - seconds_ago, exp=now - seconds_ago)
    key = jwt.algorithms.RSAAlgorithm.from_jwk(
        json.dumps(load_resource("moto.cognitoidp.models", "resources/jwks-private.json")))
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": header.get("kid", "dummy")})  # type: ignore[arg-type]
