"""How users, their unique markers and identity tickets are stored (docs/data-model.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.core.store import ItemCodec, Page, Query, Store, build, register
from chalicelib.identity.domain import User
from chalicelib.identity.recent_users import RECENT_USERS

PROFILE = "PROFILE"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def user_email_key(email: str) -> str:
    """One user per e-mail address."""
    return f"USEREMAIL#{email.lower()}"


def member_link_key(member_id: str) -> str:
    """One portal user per member (§1.4)."""
    return f"MEMBERLINK#{member_id}"


def mfa_setup_ticket(session_id: str) -> str:
    """A pending TOTP enrolment: the pre-MFA tokens, held server-side for 5 minutes (§1.2)."""
    return f"TICKET#MFASETUP#{session_id}"


def refresh_session(session_id: str) -> str:
    """A refresh session: the sealed Cognito refresh token behind the API's rotating refresh token (7 days)."""
    return f"TICKET#REFRESH#{session_id}"


def signup_ticket(email: str) -> str:
    """A pending member portal sign-up: the hashed e-mail code, valid 24 hours (§1.3, §1.4)."""
    return f"TICKET#SIGNUP#{email.lower()}"


class UserCodec(ItemCodec[User]):
    entity = "user"
    record_type = User

    def keys(self, user: User) -> dict[str, str]:
        return {"PK": user_pk(user.id), "SK": PROFILE, "GSI1PK": "USERS", "GSI1SK": f"{user.email.lower()}#{user.id}"}

    def decode(self, item: Mapping[str, Any]) -> User:
        values = dict(item)
        values["roles"] = list(values.get("roles") or [])
        values["tokens_valid_after"] = int(values.get("tokens_valid_after") or 0)
        values["mfa_enabled"] = bool(values.get("mfa_enabled"))
        values["password_reset_at"] = int(values.get("password_reset_at") or 0)
        values["identity_sync_pending"] = bool(values.get("identity_sync_pending"))
        return build(User, values)

    def after_commit(self, user: User) -> None:
        # A sign-out, reset, disable or role change takes effect on this instance's next request (other
        # containers' authorizers: within USER_CACHE_SECONDS, docs/security.md).
        RECENT_USERS.forget(user.id)


USERS = register(UserCodec())


def get(store: Store, user_id: str) -> User | None:
    return store.get(USERS, (user_pk(user_id), PROFILE))


def by_email(store: Store, email: str) -> User | None:
    owner = store.owner_of(user_email_key(email))
    return get(store, owner) if owner else None


def list_users(store: Store, limit: int, cursor: str | None) -> Page[User]:
    return store.query(USERS, Query("USERS", index="GSI1"), limit, cursor)


class _Reader:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, user_id: str) -> User | None:
        return get(self._store, user_id)


def cached_user(store: Store, user_id: str, ttl_s: float) -> User | None:
    """The authorizer's read: reused for a few seconds (identity/recent_users.py)."""
    return RECENT_USERS.get(_Reader(store), user_id, ttl_s)
