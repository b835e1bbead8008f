"""The authorizer's short-lived cache of user records.

Every authenticated request needs the caller's user record (enabled? signed out after this token
was issued?). Reading it from the table on every request cost one round trip per call; API
Gateway's own authorizer cache would hide it for minutes. We keep it for a few seconds
(`USER_CACHE_SECONDS`, 0 turns it off). Both write batches drop a user's entry when they commit
a change to that user, so a sign-out or a disable through this API instance takes effect on the next request and,
on other warm instances, within the TTL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from typing import Protocol

from chalicelib.identity.domain import User

_MAX_ENTRIES = 10_000


class UserReader(Protocol):
    def get(self, user_id: str) -> User | None: ...


class RecentUsers:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, User | None]] = {}
        self._generation = 0

    def get(self, reader: UserReader, user_id: str, ttl_s: float) -> User | None:
        now = self._clock()
        if ttl_s > 0:
            with self._lock:
                hit = self._entries.get(user_id)
            if hit and hit[0] > now:
                return hit[1]
        with self._lock:
            generation = self._generation
        user = reader.get(user_id)
        if ttl_s > 0:
            with self._lock:
                # A change that happened while we read must not be papered over by the older copy.
                if generation == self._generation:
                    if len(self._entries) >= _MAX_ENTRIES:
                        self._entries.clear()
                    self._entries[user_id] = (now + ttl_s, user)
        return user

    def forget(self, user_id: str) -> None:
        with self._lock:
            self._generation += 1
            self._entries.pop(user_id, None)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


RECENT_USERS = RecentUsers()
