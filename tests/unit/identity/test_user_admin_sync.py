"""Roles and enable/disable (identity/users.py): the user record first, with its audit entry and cut-off,
then Cognito with bounded retries; a pending state that says so honestly; and an authorizer that grants only
the roles the record still holds. On the in-memory twin with a fake Cognito."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from chalicelib.audit import store as audit_repo
from chalicelib.core.errors import AppError
from chalicelib.core.settings import reset_settings
from chalicelib.core.store.memory import MemoryStore
from chalicelib.identity import cognito as identity
from chalicelib.identity import store as users_repo
from chalicelib.identity import users as users_service
from chalicelib.identity.cognito import IdentityError
from chalicelib.identity.domain import User
from chalicelib.identity.schemas import RolesUpdate
from factories import ctx_for


@dataclass
class Idp:
    calls: list[tuple[str, Any]] = field(default_factory=list)
    fail: dict[str, list[IdentityError]] = field(default_factory=dict)

    def sync_user(self, email: str, roles: list[str], enabled: bool) -> None:
        self.calls.append(("sync_user", (email, tuple(roles), enabled)))
        queue = self.fail.get("sync_user")
        if queue:
            raise queue.pop(0)

    def called(self, name: str) -> list[Any]:
        return [args for n, args in self.calls if n == name]


@pytest.fixture
def idp(monkeypatch: pytest.MonkeyPatch) -> Idp:
    fake = Idp()
    monkeypatch.setattr(identity, "sync_user", fake.sync_user)
    return fake


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def _user(store: MemoryStore, email: str, roles: list[str], **over: Any) -> User:
    user = User(id=f"sub-{email}", email=email, roles=roles, created_at="t", updated_at="t", **over)
    batch = store.batch()
    batch.create_unique(users_repo.user_email_key(email), user.id)
    batch.put(user)
    batch.commit()
    return user


def _activities(store: MemoryStore, entity: str, entity_id: str) -> list[str]:
    return [str(e.extra.get("activity")) for e in audit_repo.by_entity(store, entity, entity_id, 50, None).items]


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(users_service, "_sleep", waits.append)
    return waits


def test_given_a_role_change_then_the_table_is_written_first_and_cognito_follows(
        store: MemoryStore, idp: Idp, no_backoff: list[float]) -> None:
    target = _user(store, "t@example.org", ["instructor", "organizer"])
    ctx = ctx_for(store, "admin", user_id="admin-1")
    seen_in_table: list[list[str]] = []
    original = idp.sync_user

    def sync_after_table(email: str, roles: list[str], enabled: bool) -> None:
        seen_in_table.append(users_repo.get(store, target.id).roles)  # type: ignore[union-attr]
        original(email, roles, enabled)

    identity.sync_user = sync_after_table  # type: ignore[assignment]
    result = users_service.set_roles(ctx, target.id, RolesUpdate.model_validate({"roles": ["organizer"]}))
    assert seen_in_table == [["organizer"]]  # Cognito was called after the table held the new roles
    assert result.roles == ["organizer"] and not result.identity_sync_pending
    activities = _activities(store, "user", target.id)
    assert "identity_provider_updated" in activities


def test_given_cognito_keeps_failing_when_disabling_then_the_table_change_stands_and_says_so(
        store: MemoryStore, idp: Idp, no_backoff: list[float]) -> None:
    """GIVEN Cognito failing three times WHEN an admin disables a user THEN the record is disabled (with its
    audit entry and cut-off, so the authorizer refuses the user), retried with backoff, and the answer and
    the record say `identity_sync_pending`."""
    target = _user(store, "t@example.org", ["organizer"])
    idp.fail["sync_user"] = [IdentityError("unavailable")] * 3
    result = users_service.set_enabled(ctx_for(store, "admin", user_id="admin-1"), target.id, False)
    assert not result.enabled and result.identity_sync_pending
    stored = users_repo.get(store, target.id)
    assert stored is not None and not stored.enabled and stored.identity_sync_pending
    assert stored.tokens_valid_after > time.time()
    assert len(idp.called("sync_user")) == 3 and no_backoff == [0.25, 0.5]
    entry = audit_repo.by_entity(store, "user", target.id, 10, None).items[0]
    assert {"enabled", "identity_sync_pending"} <= set(entry.changed_fields)
    # Sending the same change again, with Cognito back, finishes it.
    again = users_service.set_enabled(ctx_for(store, "admin", user_id="admin-1"), target.id, False)
    assert not again.identity_sync_pending


def test_given_a_permanent_cognito_error_then_no_pointless_retries(
        store: MemoryStore, idp: Idp, no_backoff: list[float]) -> None:
    target = _user(store, "t@example.org", ["organizer"])
    idp.fail["sync_user"] = [IdentityError("invalid_credentials", "User does not exist.")]
    result = users_service.set_enabled(ctx_for(store, "admin", user_id="admin-1"), target.id, False)
    assert result.identity_sync_pending and len(idp.called("sync_user")) == 1 and no_backoff == []


def test_given_a_version_conflict_on_the_table_then_cognito_is_never_touched(
        store: MemoryStore, idp: Idp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The failure the old order turned into disagreement: now a conflict changes nothing anywhere."""
    target = _user(store, "t@example.org", ["organizer"])
    real_existing = users_service.existing

    def read_then_someone_writes(ctx: Any, user_id: str) -> User:
        seen = real_existing(ctx, user_id)
        batch = store.batch()
        batch.put(replace(seen, display_name="changed meanwhile"), seen.version)
        batch.commit()
        return seen

    monkeypatch.setattr(users_service, "existing", read_then_someone_writes)
    with pytest.raises(AppError) as err:
        users_service.set_roles(ctx_for(store, "admin", user_id="admin-1"), target.id,
                                RolesUpdate.model_validate({"roles": ["instructor"]}))
    assert err.value.status == 409
    assert idp.called("sync_user") == []
    assert users_repo.get(store, target.id).roles == ["organizer"]  # type: ignore[union-attr]


# -- the authorizer grants only roles the record still holds (item 2) ----------------------------------------

def test_given_a_token_with_a_group_the_record_no_longer_holds_then_the_role_is_not_granted(
        store: MemoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core.authorizer import Denied, authorize
    from chalicelib.core.tokens import reset_key_sets
    from chalicelib.identity.recent_users import RECENT_USERS
    from signing_keys import CLIENT_ID, ISSUER, SigningKey

    key = SigningKey()
    for name, value in {"JWKS_URL": key.data_url(), "TOKEN_ISSUER": ISSUER, "USER_POOL_CLIENT_ID": CLIENT_ID,
                        "USER_CACHE_SECONDS": "0"}.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    reset_key_sets()
    RECENT_USERS.clear()
    user = _user(store, "t@example.org", ["organizer"])
    _, context = authorize("Bearer " + key.access_token(user.id, ["admin", "organizer"]), store)
    assert context["roles"] == "organizer"
    with pytest.raises(Denied):
        authorize("Bearer " + key.access_token(user.id, ["admin"]), store)
    reset_key_sets()
