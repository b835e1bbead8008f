"""The built-in Chalice authorizer: verifies the Cognito access token and loads the user record.

It lives on a Blueprint of its own (registered by app.py); every protected route names `jwt_auth`.
"""

from __future__ import annotations

from typing import Any

from chalice import AuthResponse, Blueprint

from chalicelib.core.observability import logger
from chalicelib.core.roles import needs_mfa, parse_roles
from chalicelib.core.settings import get_settings
from chalicelib.core.store import get_store
from chalicelib.core.store.ports import Store
from chalicelib.core.tokens import InvalidToken, verify_access_token

blueprint = Blueprint(__name__)


class Denied(Exception):
    pass


def authorize(token_header: str, store: Store) -> tuple[str, dict[str, Any]]:
    """Returns (principal id, context). Roles come from the token's groups that the user record still holds,
    never from the request."""
    scheme, _, token = (token_header or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Denied("no bearer token")
    s = get_settings()
    try:
        verified = verify_access_token(token, jwks_url=s.jwks, issuer=s.issuer, client_id=s.user_pool_client_id)
    except InvalidToken as exc:
        raise Denied(str(exc)) from exc
    from chalicelib.identity.store import cached_user

    user = cached_user(store, verified.sub, s.user_cache_seconds)
    if user is None or not user.enabled:
        raise Denied("unknown or disabled user")
    if verified.issued_at < user.tokens_valid_after:
        raise Denied("token revoked")
    # A role counts only if the token carries it AND the user record still holds it. The table is written
    # first when roles change (identity/users.py), so a removed role is gone at once even while Cognito —
    # and tokens it issued earlier — still say otherwise. A role added in the table takes effect with the
    # next token that carries it.
    stored = set(user.roles)
    roles = sorted(r.value for r in parse_roles(list(verified.groups)) if r.value in stored)
    if not roles:
        raise Denied("no role")
    # §1.2: a token for a role that requires MFA is refused until the user has enrolled through the API.
    # This is what makes a direct Cognito sign-in useless to a staff user without TOTP: Cognito (pool MFA
    # OPTIONAL) hands such a user tokens, but no route accepts them. Once enrolled, Cognito itself always
    # asks for the TOTP code, whoever calls it.
    if needs_mfa(roles, s.mfa_required_roles) and not user.mfa_enabled:
        raise Denied("mfa not enrolled")
    context = {
        "sub": verified.sub,
        "email": user.email,
        "roles": ",".join(roles),
        # A member's scope comes from the stored link, never from the request.
        "member_id": user.member_id or "",
    }
    return verified.sub, context


@blueprint.authorizer(ttl_seconds=0)
def jwt_auth(auth_request: Any) -> AuthResponse:
    try:
        principal, context = authorize(auth_request.token, get_store())
    except Denied as exc:
        logger.info("token refused", extra={"reason": str(exc)})
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(routes=["*"], principal_id=principal, context=context)
