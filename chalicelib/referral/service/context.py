"""What every referral use case needs besides the store: the rule set in force, the book catalogue (both read
rarely and cached for a few seconds per container), activity entries, and the facts eligibility reads."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.core.context import Ctx
from chalicelib.core.ids import new_ulid
from chalicelib.core.store import ItemCodec, Key
from chalicelib.core.store.ports import Store
from chalicelib.members import store as members_repo
from chalicelib.members.domain import Member
from chalicelib.referral import store as repo
from chalicelib.referral.domain import Book
from chalicelib.referral.domain.eligibility import Blackout, MemberFacts
from chalicelib.referral.domain.records import ActivityEntry, ReferralState
from chalicelib.referral.domain.rules import RuleSet, in_force

CACHE_SECONDS = 10.0
_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, Any]]] = weakref.WeakKeyDictionary()


def _cached(store: Store, name: str, load: Any) -> Any:
    """Rule sets and the catalogue change a few times a year; every dispatch would otherwise read them."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(store, {}).get(name)
    if hit and hit[0] > now:
        return hit[1]
    value = load()
    with _lock:
        _cache.setdefault(store, {})[name] = (now + CACHE_SECONDS, value)
    return value


def forget_cached() -> None:
    """After a settings or catalogue change in this container (other containers see it within the TTL)."""
    with _lock:
        _cache.clear()


def rules_at(store: Store, at: datetime) -> RuleSet:
    """S9: the rule set version in force at `at` (the rulebook's defaults when none is stored)."""
    versions = _cached(store, "rulesets", lambda: repo.rule_sets(store)) or [RuleSet()]
    return in_force(versions, at)


def books_by_code(store: Store, at: datetime | None = None) -> dict[str, Book]:
    """The books with the settings in force at `at` (default: now) — the catalogue row with its rule-set
    version's per-book settings (§3.1, S9: a moved slot applies from its effective instant, R2.2), in
    morning referral order."""
    catalogue: dict[str, Book] = _cached(store, "books", lambda: {b.code: b for b in repo.catalogue(store)})
    rules = rules_at(store, at or datetime.now(UTC))
    if not rules.books:
        return catalogue
    books = [rules.book(b) for b in catalogue.values()]
    return {b.code: b for b in sorted(books, key=lambda b: (b.morning_sort_order, b.code))}


def processor_label(ctx: Ctx) -> str:
    """§10.1: SYSTEM, MEMBER VIA WEB, or the staff user's name."""
    a = ctx.caller.actor
    if "system" in a.roles:
        return "IMPORT" if a.id == "IMPORT" else "SYSTEM"
    if a.roles == ["member"]:
        return "MEMBER VIA WEB"
    return a.email or a.id


def activity(ctx: Ctx, rules: RuleSet, *, book_code: str, member_id: str, action: str, **fields: Any) -> ActivityEntry:
    return ActivityEntry(
        id=new_ulid(),
        book_code=book_code,
        member_id=member_id,
        action=action,
        occurred_at=ctx.now(),
        actor_id=ctx.caller.id,
        processor=processor_label(ctx),
        rule_set_version=rules.version,
        correlation_id=ctx.caller.actor.request_id,
        **fields,
    )


@dataclass
class Facts:
    """Members' facts read in one batch with whatever else the use case needs."""

    members: dict[str, Member | None]
    states: dict[str, ReferralState | None]

    def of(self, member_id: str, on_day: Any) -> MemberFacts:
        member = self.members.get(member_id)
        state = self.states.get(member_id)
        blackouts = tuple(
            Blackout(member_id, b.employer_id, b.start, b.first_eligible, b.scope)
            for b in (state.blackouts if state else [])
        )
        return MemberFacts(
            member_id=member_id,
            member_status=member.status.value if member and not member.deleted_at else "deleted",
            has_open_dispatch=bool(state and state.open_dispatch_id),
            blackouts=blackouts,
            bidding_suspended_until=state.bidding_suspended_until if state else None,
            certifications=frozenset(state.certifications if state else ()),
        )


def fact_keys(member_ids: Sequence[str]) -> list[tuple[ItemCodec[Any], Key]]:
    """The keys a batch read needs for members' facts: profile and referral state of each."""
    out: list[tuple[ItemCodec[Any], Key]] = []
    for m in dict.fromkeys(member_ids):
        out.append((members_repo.MEMBERS, (members_repo.member_pk(m), members_repo.PROFILE)))
        out.append((repo.STATES, repo.state_key(m)))
    return out


def facts_from(member_ids: Sequence[str], values: Sequence[Any]) -> Facts:
    """Split what `fact_keys` asked for back into members and states."""
    ids = list(dict.fromkeys(member_ids))
    members = {m: values[2 * n] for n, m in enumerate(ids)}
    states = {m: values[2 * n + 1] for n, m in enumerate(ids)}
    return Facts(members, states)
