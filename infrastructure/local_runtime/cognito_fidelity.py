"""In-process fixes that make moto's Cognito behave like Cognito for a CONFIDENTIAL app client.

The product's app client has a secret (infrastructure/resources.yaml, docs/security.md). Cognito then
refuses every client-authenticated call without proof of the secret. moto 5.1.18 checks that proof only
for SRP sign-in, refresh and the SOFTWARE_TOKEN_MFA answer, and checks the refresh proof over the wrong
name, so without these fixes the local runtime would let exactly the direct calls through that the
secret exists to stop, and refuse the refresh that Cognito accepts:

1. ``InitiateAuth`` with ``USER_PASSWORD_AUTH``: SECRET_HASH over USERNAME is required (moto: ignored).
2. ``RespondToAuthChallenge`` with ``NEW_PASSWORD_REQUIRED``: SECRET_HASH over USERNAME is required
   (moto: ignored).
3. ``InitiateAuth`` with ``REFRESH_TOKEN_AUTH``: Cognito computes SECRET_HASH over the user's *username*
   — in a pool whose usernames are e-mail addresses, the generated id (the sub) — not over the alias the
   user signed in with; moto uses the sign-in alias. We check Cognito's way.
4. ``ForgotPassword`` / ``ConfirmForgotPassword``: ``SecretHash`` over Username is required (moto:
   ignored).
5. ``RevokeToken`` is implemented (moto 5.1.18 has no such action): a confidential client must send its
   ``ClientSecret``; the refresh token stops working.

Clients without a secret are untouched. Every refusal is Cognito's: ``NotAuthorizedException`` "Unable
to verify secret hash for client <id>" (``Client is not authorized`` style for RevokeToken).

Like fast_dynamodb, this leans on moto internals: :func:`install` checks that everything it wraps exists
and patches nothing otherwise.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_LOCK = threading.Lock()
_installed = False
_ORIGINALS: dict[tuple[Any, str], Any] = {}


class UnsupportedMotoError(RuntimeError):
    pass


def is_installed() -> bool:
    return _installed


def _refuse(client_id: str) -> Exception:
    from moto.cognitoidp.exceptions import NotAuthorizedError

    return NotAuthorizedError(f"Unable to verify secret hash for client {client_id}")


def _client(backend: Any, client_id: str) -> tuple[Any, Any]:
    for pool in backend.user_pools.values():
        if client_id in pool.clients:
            return pool, pool.clients[client_id]
    return None, None


def _proven(client: Any, username: str | None, proof: str | None) -> bool:
    # Our own HMAC over UTF-8: moto's check_secret_hash encodes as latin-1 and fails with a 500 on any other
    # character, where Cognito simply finds no such user.
    import hmac

    return bool(username) and bool(proof) and hmac.compare_digest(
        _hash(client.secret, client.id, str(username)), str(proof))


def _initiate_auth(original: Any) -> Any:
    @functools.wraps(original)
    def initiate_auth(self: Any, client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> Any:
        pool, client = _client(self, client_id)
        if client is None or not client.generate_secret:
            return original(self, client_id, auth_flow, auth_parameters)
        params = dict(auth_parameters or {})
        if auth_flow == "USER_PASSWORD_AUTH":
            if not _proven(client, params.get("USERNAME"), params.get("SECRET_HASH")):
                raise _refuse(client_id)
        elif auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            stored = pool.refresh_tokens.get(params.get("REFRESH_TOKEN") or "")
            if stored is not None:  # unknown or revoked tokens keep moto's own answer
                _, signed_in_as, _ = stored
                user = pool._get_user(signed_in_as)
                if user is None or not _proven(client, user.username, params.get("SECRET_HASH")):
                    raise _refuse(client_id)
                # moto re-checks over the sign-in alias: hand it the proof it expects.
                params["SECRET_HASH"] = _hash(client.secret, client.id, signed_in_as)
        return original(self, client_id, auth_flow, params)

    return initiate_auth


def _hash(secret: str, client_id: str, username: str) -> str:
    import base64
    import hashlib
    import hmac

    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _respond_to_auth_challenge(original: Any) -> Any:
    @functools.wraps(original)
    def respond_to_auth_challenge(self: Any, session: str, client_id: str, challenge_name: str,
                                  challenge_responses: dict[str, str]) -> Any:
        _, client = _client(self, client_id)
        if client is not None and client.generate_secret and challenge_name == "NEW_PASSWORD_REQUIRED":
            responses = challenge_responses or {}
            if not _proven(client, responses.get("USERNAME"), responses.get("SECRET_HASH")):
                raise _refuse(client_id)
        return original(self, session, client_id, challenge_name, challenge_responses)

    return respond_to_auth_challenge


def _password_reset(original: Any) -> Any:
    """ForgotPassword / ConfirmForgotPassword responses: moto never reads SecretHash."""

    @functools.wraps(original)
    def handler(self: Any) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends

        client_id = self._get_param("ClientId")
        for account in cognitoidp_backends.values():
            for region, backend in account.items():
                if region == "global":
                    continue
                _, client = _client(backend, client_id)
                if client is not None and client.generate_secret and not _proven(
                        client, self._get_param("Username"), self._get_param("SecretHash")):
                    raise _refuse(client_id)
        return original(self)

    return handler


def _revoke_token(self: Any) -> Any:
    """RevokeToken (moto 5.1.18 lacks it): ends a refresh token; a confidential client proves its secret."""
    from moto.cognitoidp.exceptions import NotAuthorizedError
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core.responses import EmptyResult

    token, client_id, secret = self._get_param("Token"), self._get_param("ClientId"), self._get_param("ClientSecret")
    for account in cognitoidp_backends.values():
        for region, backend in account.items():
            if region == "global":
                continue
            pool, client = _client(backend, client_id)
            if client is None:
                continue
            if client.generate_secret and secret != client.secret:
                raise NotAuthorizedError(f"Client {client_id} is not authorized to revoke this token")
            stored = pool.refresh_tokens.get(token)
            if stored is not None and stored[0] != client_id:
                raise NotAuthorizedError("The token was not issued to this client")
            if token in pool.refresh_tokens:
                pool.refresh_tokens[token] = None  # what a global sign-out does to it in moto
            return EmptyResult()
    raise NotAuthorizedError("Unknown client")


def _patch(owner: Any, name: str, replacement: Any) -> None:
    _ORIGINALS[(owner, name)] = owner.__dict__.get(name)
    setattr(owner, name, replacement)


def install() -> None:
    """Patch moto's Cognito in this process. Idempotent."""
    global _installed
    with _LOCK:
        if _installed:
            return
        try:
            from moto.cognitoidp.models import CognitoIdpBackend
            from moto.cognitoidp.responses import CognitoIdpResponse
            from moto.core.responses import EmptyResult  # noqa: F401
        except ImportError as exc:  # pragma: no cover - a moto without these modules
            raise UnsupportedMotoError(str(exc)) from exc
        needed = [(CognitoIdpBackend, "initiate_auth"), (CognitoIdpBackend, "respond_to_auth_challenge"),
                  (CognitoIdpResponse, "forgot_password"), (CognitoIdpResponse, "confirm_forgot_password")]
        missing = [f"{owner.__name__}.{name}" for owner, name in needed if not callable(getattr(owner, name, None))]
        if missing:
            raise UnsupportedMotoError(f"moto lacks {missing}; cognito_fidelity patched nothing")
        _patch(CognitoIdpBackend, "initiate_auth", _initiate_auth(CognitoIdpBackend.initiate_auth))
        _patch(CognitoIdpBackend, "respond_to_auth_challenge",
               _respond_to_auth_challenge(CognitoIdpBackend.respond_to_auth_challenge))
        _patch(CognitoIdpResponse, "forgot_password", _password_reset(CognitoIdpResponse.forgot_password))
        _patch(CognitoIdpResponse, "confirm_forgot_password",
               _password_reset(CognitoIdpResponse.confirm_forgot_password))
        if not callable(getattr(CognitoIdpResponse, "revoke_token", None)):
            _patch(CognitoIdpResponse, "revoke_token", _revoke_token)
        _installed = True


def uninstall() -> None:
    global _installed
    with _LOCK:
        for (owner, name), original in _ORIGINALS.items():
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        _ORIGINALS.clear()
        _installed = False
