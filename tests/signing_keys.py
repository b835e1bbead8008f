"""An RSA key pair and access tokens shaped like Cognito's, for tests that verify tokens without a user pool."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_test"
CLIENT_ID = "test-client"


class SigningKey:
    def __init__(self, kid: str = "test-key") -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        jwk = dict(RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return jwk

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk()]}

    def data_url(self) -> str:
        """The key set inline, the way the local runtime hands moto's over (JWKS_URL)."""
        return "data:application/json;base64," + base64.b64encode(json.dumps(self.jwks()).encode()).decode()

    def access_token(self, sub: str, groups: list[str], *, issued_at: int | None = None, kid: str | None = None,
                     client_id: str = CLIENT_ID, issuer: str = ISSUER) -> str:
        now = int(time.time()) if issued_at is None else issued_at
        claims = {"sub": sub, "username": sub, "iss": issuer, "client_id": client_id, "token_use": "access",
                  "iat": now, "auth_time": now, "exp": now + 1800, "jti": f"jti-{sub}-{now}",
                  "cognito:groups": groups}
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": kid or self.kid})
