"""The secrets the API holds: the user-pool app client's secret and the token-sealing key.

On AWS (and on the local runtime, whose moto serves Secrets Manager too) both come from Secrets Manager:
the template creates them and hands their ARNs to the functions (USER_POOL_CLIENT_SECRET_ARN,
TOKEN_KEY_SECRET_ARN). Each is read once per container and kept in memory: one GetSecretValue per cold
start, not per request. Local and test stages may instead give plain values (USER_POOL_CLIENT_SECRET,
TOKEN_ENCRYPTION_KEY); settings refuse those in deployed stages. A local stage with no key at all gets a
random key per process, so sealed items do not survive a restart there (they are short-lived anyway).
A secret that cannot be read is a 503 for the caller (and an error in the log), never a silent fallback.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets

from chalicelib.core.aws import interactive_client
from chalicelib.core.errors import AppError, unavailable
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings


def _unavailable(reason: str) -> AppError:
    """503 for the caller (the request may succeed shortly); the reason goes to the log, not the answer."""
    logger.error("a secret of the API could not be read", extra={"reason": reason})
    return unavailable("Signing in is not possible right now; try again shortly.", 5, code="SECRETS_UNAVAILABLE")


def _read(arn: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        value = interactive_client("secretsmanager").get_secret_value(SecretId=arn)
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable(f"GetSecretValue failed: {type(exc).__name__}") from exc
    text = value.get("SecretString")
    if not text:
        raise _unavailable("the secret holds no string")
    return str(text)


@functools.lru_cache(maxsize=1)
def client_secret() -> str | None:
    """The app client's secret, or None for a public client (no SECRET_HASH is sent then)."""
    s = get_settings()
    if s.user_pool_client_secret_arn:
        return _read(s.user_pool_client_secret_arn)
    return s.user_pool_client_secret or None


@functools.lru_cache(maxsize=1)
def token_key() -> bytes:
    """32 bytes for AES-256-GCM, derived from the secret's text (the template generates 64 random
    alphanumerics; hashing them gives a uniformly distributed key of the right length)."""
    s = get_settings()
    if s.token_key_secret_arn:
        material = _read(s.token_key_secret_arn)
    elif s.token_encryption_key:
        material = s.token_encryption_key
    elif s.is_local:
        return secrets.token_bytes(32)  # per process: sealed items do not outlive it (see the docstring)
    else:
        raise _unavailable("TOKEN_KEY_SECRET_ARN is not set (the template sets it for every function)")
    return hashlib.sha256(b"unioncore token sealing v1\0" + material.encode()).digest()


@functools.lru_cache(maxsize=1)
def cursor_key() -> bytes:
    """The HMAC key of list cursors (core/store/keys.py), derived from the token key: no secret of its own,
    the same in every container of a deployment (locally, per process like the token key)."""
    import hmac

    return hmac.new(token_key(), b"unioncore cursor signing v1", hashlib.sha256).digest()


def secret_hash(username: str, client_id: str, secret: str) -> str:
    """Cognito's SECRET_HASH: Base64(HMAC-SHA256(key = client secret, message = username + client id))."""
    import hmac

    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def reset() -> None:
    """Tests and the local runtime re-read the secrets after provisioning."""
    client_secret.cache_clear()
    token_key.cache_clear()
    cursor_key.cache_clear()
