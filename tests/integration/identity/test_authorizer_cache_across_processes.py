"""The real bound of a disable, a role change or a sign-out on OTHER warm containers: the authorizer's user
cache TTL (`USER_CACHE_SECONDS`). The authorizer runs in its own Lambda with its own cache, so the API's
in-process invalidation does not reach it. Here a second process plays that Lambda against the same
DynamoDB table (moto with the runtime's patch): it still accepts within the TTL and refuses after it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.store.dynamo import DynamoStore
from chalicelib.identity import store as users_repo
from chalicelib.identity import users as users_service
from chalicelib.identity.domain import User
from factories import ctx_for
from signing_keys import CLIENT_ID, ISSUER, SigningKey

ROOT = Path(__file__).resolve().parents[3]
TTL_S = 3.0

# The other container: reads one token per line, answers one JSON line per token.
AUTHORIZER = """
import json, sys
from chalicelib.core.authorizer import Denied, authorize
from chalicelib.core.store import get_store
for line in sys.stdin:
    try:
        principal, context = authorize("Bearer " + line.strip(), get_store())
        print(json.dumps({"allowed": True, "roles": context["roles"]}), flush=True)
    except Denied as exc:
        print(json.dumps({"allowed": False, "reason": str(exc)}), flush=True)
"""


class OtherContainer:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", AUTHORIZER], cwd=ROOT, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.check("not-a-token")["allowed"] is False  # warm: imports done before anything is timed

    def check(self, token: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(token + "\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture
def setting(provisioned: Any, moto_endpoint: str) -> Iterator[tuple[DynamoStore, SigningKey, OtherContainer]]:
    key = SigningKey()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TABLE_NAME": provisioned.table_name, "AWS_REGION": "us-west-2",
           "AWS_ENDPOINT_URL": moto_endpoint, "USER_POOL_ID": "us-west-2_test", "USER_POOL_CLIENT_ID": CLIENT_ID,
           "JWKS_URL": key.data_url(), "TOKEN_ISSUER": ISSUER, "USER_CACHE_SECONDS": str(TTL_S),
           "UNIONCORE_STAGE": "test", "POWERTOOLS_LOG_LEVEL": "ERROR"}
    other = OtherContainer(env)
    try:
        yield DynamoStore(provisioned.table_name, "us-west-2", moto_endpoint), key, other
    finally:
        other.close()


def _user(store: DynamoStore, roles: list[str]) -> User:
    user = User(id=f"sub-{uuid.uuid4().hex[:12]}", email=f"{uuid.uuid4().hex[:8]}@example.org", roles=roles,
                created_at="t", updated_at="t")
    batch = store.batch()
    batch.put(user)
    batch.commit()
    return user


def test_a_disable_reaches_another_containers_authorizer_within_the_cache_ttl(setting) -> None:  # type: ignore[no-untyped-def]
    """GIVEN an authorizer in another process that has just accepted a user's token (and cached the record)
    WHEN the user is disabled in the table
    THEN that authorizer still accepts the token until its cache entry is TTL seconds old, and refuses after."""
    store, key, other = setting
    user = _user(store, ["organizer"])
    token = key.access_token(user.id, ["organizer"], issued_at=int(time.time()) - 5)
    # The other container caches the record at some instant between these two readings.
    sent = time.monotonic()
    assert other.check(token) == {"allowed": True, "roles": "organizer"}
    answered = time.monotonic()

    users_service.save(ctx_for(store, "admin", user_id="admin-1"), user,
                       replace(user, enabled=False, tokens_valid_after=int(time.time()) + 1))
    stale = other.check(token)
    assert time.monotonic() - sent < TTL_S, "the machine was too slow to observe the window"
    assert stale["allowed"] is True  # the documented bound: another container's cache

    time.sleep(max(0.0, answered + TTL_S - time.monotonic()) + 0.3)
    after = other.check(token)
    assert after == {"allowed": False, "reason": "unknown or disabled user"}


def test_a_removed_role_is_refused_by_another_container_after_the_ttl_even_if_the_token_carries_it(  # type: ignore[no-untyped-def]
        setting) -> None:
    """GIVEN a user with two roles, cached by the other container
    WHEN one role is removed in the table (Cognito and a fresh token may still carry it)
    THEN after the TTL the other container grants only the role the record still holds."""
    store, key, other = setting
    user = _user(store, ["instructor", "organizer"])
    assert other.check(key.access_token(user.id, ["instructor", "organizer"]))["roles"] == "instructor,organizer"
    answered = time.monotonic()
    users_service.save(ctx_for(store, "admin", user_id="admin-1"), user, replace(user, roles=["organizer"]))
    time.sleep(max(0.0, answered + TTL_S - time.monotonic()) + 0.3)
    # A token issued later that still carries the removed group (Cognito lagging behind the table):
    late = key.access_token(user.id, ["instructor", "organizer"], issued_at=int(time.time()) + 1)
    assert other.check(late) == {"allowed": True, "roles": "organizer"}
    assert users_repo.get(store, user.id).roles == ["organizer"]  # type: ignore[union-attr]
