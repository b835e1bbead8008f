"""The authorizer's short-lived user cache: reuse within the TTL, never past a change."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.identity.domain import User
from chalicelib.identity.recent_users import RecentUsers


class Reader:
    def __init__(self, user: User | None) -> None:
        self.user = user
        self.reads = 0

    def get(self, user_id: str) -> User | None:
        self.reads += 1
        return self.user


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _user(**over: object) -> User:
    base = User(id="u1", email="a@example.org", roles=["staff"], created_at="t", updated_at="t")
    return replace(base, **over)  # type: ignore[arg-type]


def test_a_second_lookup_within_the_ttl_is_served_from_memory() -> None:
    """GIVEN a user read once WHEN read again 4 s later with a 5 s TTL THEN no second table read."""
    clock, reader = Clock(), Reader(_user())
    cache = RecentUsers(clock)
    cache.get(reader, "u1", 5)
    clock.now += 4
    assert cache.get(reader, "u1", 5) == _user()
    assert reader.reads == 1


def test_an_entry_expires_after_the_ttl() -> None:
    """GIVEN a cached user WHEN the TTL has passed THEN the table is read again and the new state wins."""
    clock, reader = Clock(), Reader(_user())
    cache = RecentUsers(clock)
    cache.get(reader, "u1", 5)
    reader.user = _user(enabled=False)
    clock.now += 5.01
    assert cache.get(reader, "u1", 5) == _user(enabled=False)
    assert reader.reads == 2


def test_forget_drops_the_entry_at_once() -> None:
    """GIVEN a cached user WHEN this process changes the user (forget) THEN the next read goes to the table."""
    clock, reader = Clock(), Reader(_user())
    cache = RecentUsers(clock)
    cache.get(reader, "u1", 5)
    reader.user = _user(tokens_valid_after=999)
    cache.forget("u1")
    assert cache.get(reader, "u1", 5) == _user(tokens_valid_after=999)


def test_ttl_zero_never_caches() -> None:
    """GIVEN USER_CACHE_SECONDS=0 WHEN a user is read twice THEN both reads reach the table."""
    reader = Reader(_user())
    cache = RecentUsers(Clock())
    cache.get(reader, "u1", 0)
    cache.get(reader, "u1", 0)
    assert reader.reads == 2


def test_unknown_users_are_cached_too_but_forgotten_on_create() -> None:
    """GIVEN a token for a user not stored yet WHEN the user is then created (forget) THEN it is found."""
    clock, reader = Clock(), Reader(None)
    cache = RecentUsers(clock)
    assert cache.get(reader, "u1", 5) is None
    reader.user = _user()
    cache.forget("u1")
    assert cache.get(reader, "u1", 5) == _user()


def test_a_change_during_a_read_is_not_overwritten_by_the_older_copy() -> None:
    """GIVEN a read in flight WHEN the user is changed (forget) before it returns THEN the stale copy is not kept."""
    clock = Clock()
    cache = RecentUsers(clock)
    stale = _user()

    class RacingReader(Reader):
        def get(self, user_id: str) -> User | None:
            self.reads += 1
            if self.reads == 1:
                cache.forget("u1")  # the change commits while we are reading
                return stale
            return _user(enabled=False)

    reader = RacingReader(None)
    assert cache.get(reader, "u1", 5) == stale
    assert cache.get(reader, "u1", 5) == _user(enabled=False)
    assert reader.reads == 2
