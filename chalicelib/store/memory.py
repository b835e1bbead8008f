"""In-memory twin of the storage ports: same behaviour as DynamoDB, for fast unit tests."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.audit_chain import Seal
from chalicelib.domain.members import Member, MemberSummary, name_key, summary_of
from chalicelib.errors import DuplicateKey, FieldProblem, StaleVersion, bad_request
from chalicelib.store import keys
from chalicelib.store.ports import (
    Child,
    MemberQuery,
    Organization,
    OrganizationSummary,
    Page,
    User,
    organization_summary,
)
from chalicelib.store.recent_users import RECENT_USERS

E = TypeVar("E")


def _page(sorted_pairs: Iterable[tuple[str, E]], limit: int, cursor: str | None,
          keep: Callable[[E], bool] = lambda _: True) -> Page[E]:
    after = None
    if cursor:
        raw = keys.decode_cursor(cursor) or {}
        after = raw.get("after")
        if not isinstance(after, str):
            raise bad_request("The cursor is not valid.", FieldProblem("cursor", "not a cursor this API issued"))
    items: list[E] = []
    last = None
    for sort_key, value in sorted_pairs:
        if after is not None and sort_key <= after:
            continue
        if not keep(value):
            continue
        items.append(value)
        last = sort_key
        if len(items) >= limit:
            return Page(items, keys.encode_cursor({"after": last}))
    return Page(items, None)


class _State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.members: dict[str, Member] = {}
        self.orgs: dict[str, Organization] = {}
        self.children: dict[tuple[str, str], Child] = {}  # (parent_key, child id)
        self.users: dict[str, User] = {}
        self.unique: dict[str, str] = {}
        self.audit: list[AuditEntry] = []
        self.seals: dict[date, Seal] = {}
        self.counters: dict[str, int] = {}
        self.failures: dict[str, tuple[int, float | None]] = {}
        self.tickets: dict[str, tuple[dict[str, Any], int]] = {}


class MemoryWriteBatch:
    def __init__(self, state: _State) -> None:
        self._state = state
        self._ops: list[tuple[str, Any, int | None]] = []

    def member(self, member: Member, expected_version: int | None) -> None:
        self._ops.append(("member", member, expected_version))

    def organization(self, org: Organization, expected_version: int | None) -> None:
        self._ops.append(("org", org, expected_version))

    def child(self, child: Child, expected_version: int | None) -> None:
        self._ops.append(("child", child, expected_version))

    def user(self, user: User, expected_version: int | None) -> None:
        self._ops.append(("user", user, expected_version))

    def claim(self, unique_key: str, owner_id: str) -> None:
        self._ops.append(("claim", (unique_key, owner_id), None))

    def release(self, unique_key: str, owner_id: str) -> None:
        self._ops.append(("release", (unique_key, owner_id), None))

    def audit(self, entry: AuditEntry) -> None:
        self._ops.append(("audit", entry, None))

    def _table(self, kind: str) -> dict[Any, Any]:
        s = self._state
        tables: dict[str, dict[Any, Any]] = {"member": s.members, "org": s.orgs, "child": s.children,
                                             "user": s.users}
        return tables[kind]

    @staticmethod
    def _key(kind: str, value: Any) -> Any:
        return (value.parent_key, value.id) if kind == "child" else value.id

    def commit(self) -> None:
        if len(self._ops) > 100:
            raise ValueError("a batch holds at most 100 changes")
        s = self._state
        with s.lock:
            # Check every condition first, then apply: all or nothing, like TransactWriteItems.
            for kind, value, expected in self._ops:
                if kind == "claim":
                    if value[0] in s.unique:
                        raise DuplicateKey(value[0])
                elif kind == "release":
                    if s.unique.get(value[0]) != value[1]:
                        raise StaleVersion()
                elif kind != "audit":
                    current = self._table(kind).get(self._key(kind, value))
                    if expected is None and current is not None:
                        raise StaleVersion()
                    if expected is not None and (current is None or current.version != expected):
                        raise StaleVersion()
            for kind, value, expected in self._ops:
                if kind == "claim":
                    s.unique[value[0]] = value[1]
                elif kind == "release":
                    s.unique.pop(value[0], None)
                elif kind == "audit":
                    s.audit.append(value)
                else:
                    stored = copy.deepcopy(value)
                    new_version = 1 if expected is None else expected + 1
                    if isinstance(stored, Member):
                        stored = stored.model_copy(update={"version": new_version})
                    else:
                        stored = replace(stored, version=new_version)
                    self._table(kind)[self._key(kind, value)] = stored
        for kind, value, _ in self._ops:
            if kind == "user":
                RECENT_USERS.forget(value.id)


class MemoryMembers:
    def __init__(self, state: _State) -> None:
        self._s = state

    def get(self, member_id: str) -> Member | None:
        return self._s.members.get(member_id)

    def get_by_number(self, member_number: str) -> Member | None:
        owner = self._s.unique.get(keys.member_number_key(member_number))
        return self._s.members.get(owner) if owner else None

    def by_email(self, email: str) -> list[Member]:
        return [m for m in self._s.members.values() if m.email and m.email.lower() == email.lower()]

    def search(self, query: MemberQuery, limit: int, cursor: str | None) -> Page[MemberSummary]:
        with self._s.lock:
            pairs = sorted((f"NAME#{name_key(m.last_name, m.first_name)}#{m.id}", m) for m in self._s.members.values())

        def keep(m: Member) -> bool:
            return (
                (query.include_deleted or m.deleted_at is None)
                and (not query.name_prefix or name_key(m.last_name, m.first_name).startswith(query.name_prefix))
                and (not query.status or m.status.value == query.status)
                and (not query.classification or m.classification.value == query.classification)
                and (not query.card_type or m.card_type.value == query.card_type)
            )

        page = _page(pairs, limit, cursor, keep)
        return Page([summary_of(m) for m in page.items], page.next_cursor)


class MemoryOrganizations:
    def __init__(self, state: _State) -> None:
        self._s = state

    def get(self, org_id: str) -> Organization | None:
        return self._s.orgs.get(org_id)

    def get_by_code(self, code: str) -> Organization | None:
        owner = self._s.unique.get(keys.org_code_key(code))
        return self._s.orgs.get(owner) if owner else None

    def search(self, name_prefix: str | None, contract_code: str | None, limit: int,
               cursor: str | None) -> Page[OrganizationSummary]:
        with self._s.lock:
            pairs = sorted((f"NAME#{name_key(o.name)}#{o.id}", o) for o in self._s.orgs.values())

        def keep(o: Organization) -> bool:
            return (
                o.deleted_at is None
                and (not name_prefix or name_key(o.name).startswith(name_prefix))
                and (not contract_code or contract_code in o.contract_codes)
            )

        page = _page(pairs, limit, cursor, keep)
        return Page([organization_summary(o) for o in page.items], page.next_cursor)


class MemoryChildren:
    def __init__(self, state: _State) -> None:
        self._s = state

    def list(self, parent_key: str, kind: str, sort_prefix: str = "") -> list[Child]:
        with self._s.lock:
            found = [c for (p, _), c in self._s.children.items()
                     if p == parent_key and c.kind == kind and c.sort.startswith(sort_prefix)]
        return sorted(found, key=lambda c: keys.child_sk(c.kind, c.sort, c.id))

    def get(self, parent_key: str, kind: str, child_id: str) -> Child | None:
        child = self._s.children.get((parent_key, child_id))
        return child if child and child.kind == kind else None

    def by_index(self, index_key: str, limit: int, cursor: str | None) -> Page[Child]:
        with self._s.lock:
            pairs = sorted(
                (keys.child_sk(c.kind, c.sort, c.id), c) for c in self._s.children.values() if c.index_key == index_key
            )
        return _page(pairs, limit, cursor)


class MemoryAuditLog:
    def __init__(self, state: _State) -> None:
        self._s = state

    def append(self, entry: AuditEntry) -> None:
        with self._s.lock:
            self._s.audit.append(entry)

    def _query(self, keep: Callable[[AuditEntry], bool], limit: int, cursor: str | None,
               newest_first: bool) -> Page[AuditEntry]:
        with self._s.lock:
            pairs = sorted(((f"{e.occurred_at.isoformat()}#{e.id}", e) for e in self._s.audit if keep(e)),
                           reverse=newest_first)
        if not newest_first:
            return _page(pairs, limit, cursor)
        # Newest first: invert the key so the shared "after" paging still moves forward.
        inverted = [("".join(chr(0x10FFFF - ord(ch)) for ch in k), e) for k, e in pairs]
        return _page(inverted, limit, cursor)

    def by_entity(self, entity_type: str, entity_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
        return self._query(lambda e: e.entity_type == entity_type and e.entity_id == entity_id, limit, cursor, True)

    def by_actor(self, actor_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
        return self._query(lambda e: e.actor_id == actor_id, limit, cursor, True)

    def by_day(self, day: date, limit: int, cursor: str | None) -> Page[AuditEntry]:
        iso = day.isoformat()
        return self._query(lambda e: e.occurred_at.isoformat()[:10] == iso, limit, cursor, False)


class MemoryAuditSeals:
    def __init__(self, state: _State) -> None:
        self._s = state

    def put(self, seal: Seal) -> bool:
        with self._s.lock:
            if seal.day in self._s.seals:
                return False
            self._s.seals[seal.day] = seal
            return True

    def get(self, day: date) -> Seal | None:
        return self._s.seals.get(day)

    def between(self, start: date, end: date) -> list[Seal]:
        with self._s.lock:
            return [s for d, s in sorted(self._s.seals.items()) if start <= d <= end]

    def first(self) -> Seal | None:
        with self._s.lock:
            return self._s.seals[min(self._s.seals)] if self._s.seals else None

    def latest(self) -> Seal | None:
        with self._s.lock:
            return self._s.seals[max(self._s.seals)] if self._s.seals else None


class MemoryUsers:
    def __init__(self, state: _State) -> None:
        self._s = state

    def get(self, user_id: str) -> User | None:
        return self._s.users.get(user_id)

    def list(self, limit: int, cursor: str | None) -> Page[User]:
        with self._s.lock:
            pairs = sorted((f"{u.email.lower()}#{u.id}", u) for u in self._s.users.values())
        return _page(pairs, limit, cursor)

    def owner_of(self, unique_key: str) -> str | None:
        return self._s.unique.get(unique_key)


class MemoryCounters:
    def __init__(self, state: _State) -> None:
        self._s = state

    def hit(self, key: str, window_s: int, now: float) -> tuple[int, int]:
        window = int(now // window_s) * window_s
        with self._s.lock:
            k = f"{key}#{window}"
            self._s.counters[k] = self._s.counters.get(k, 0) + 1
            return self._s.counters[k], int(window + window_s - now) + 1

    def failures(self, key: str) -> tuple[int, float | None]:
        return self._s.failures.get(key, (0, None))

    def record_failure(self, key: str, threshold: int, lock_s: int, now: float) -> tuple[int, float | None]:
        with self._s.lock:
            count, until = self._s.failures.get(key, (0, None))
            count += 1
            if count >= threshold:
                self._s.failures[key] = (0, now + lock_s)
                return count, now + lock_s
            self._s.failures[key] = (count, until)
            return count, None

    def clear_failures(self, key: str) -> None:
        with self._s.lock:
            self._s.failures.pop(key, None)


class MemoryTickets:
    def __init__(self, state: _State) -> None:
        self._s = state

    def put(self, key: str, data: dict[str, Any], expires_at: int) -> None:
        with self._s.lock:
            self._s.tickets[key] = (copy.deepcopy(data), expires_at)

    def get(self, key: str, now: float) -> dict[str, Any] | None:
        with self._s.lock:
            found = self._s.tickets.get(key)
            if found is None or found[1] <= now:
                return None
            return copy.deepcopy(found[0])

    def take(self, key: str, now: float) -> dict[str, Any] | None:
        with self._s.lock:
            data = self.get(key, now)
            if data is not None:
                del self._s.tickets[key]
            return data


class MemoryStore:
    def __init__(self) -> None:
        self._state = _State()
        self.members = MemoryMembers(self._state)
        self.organizations = MemoryOrganizations(self._state)
        self.children = MemoryChildren(self._state)
        self.audit_log = MemoryAuditLog(self._state)
        self.audit_seals = MemoryAuditSeals(self._state)
        self.users = MemoryUsers(self._state)
        self.counters = MemoryCounters(self._state)
        self.tickets = MemoryTickets(self._state)

    def batch(self) -> MemoryWriteBatch:
        return MemoryWriteBatch(self._state)

    def ping(self) -> None:
        return None
