"""Storage interfaces.

Reads go through small repository protocols; every change goes through a `WriteBatch` that commits
atomically (one DynamoDB TransactWriteItems) together with its audit entries. Each port has a
DynamoDB implementation and an in-memory twin passing the same behavioural suite
(tests/integration/test_repository_contract.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.audit_chain import Seal
from chalicelib.domain.members import Member, MemberSummary

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass
class MemberQuery:
    name_prefix: str | None = None  # normalized by domain.members.name_key
    status: str | None = None
    classification: str | None = None
    card_type: str | None = None
    include_deleted: bool = False


@dataclass
class Child:
    """A small record under a parent: contract, contact, worksite (organization); employment, note (member)."""

    kind: str
    id: str
    parent_key: str  # "MEMBER#<id>" or "ORG#<id>"
    data: dict[str, Any]
    created_at: str
    updated_at: str
    version: int = 1
    sort: str = ""  # ordering inside the parent (e.g. start date)
    index_key: str | None = None  # secondary lookup (e.g. the employer of an employment record)


@dataclass
class Organization:
    id: str
    name: str
    created_at: str
    updated_at: str
    code: str | None = None
    legal_name: str | None = None
    org_type: str = "employer"
    address_line1: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    status: str = "active"
    contract_codes: list[str] = field(default_factory=list)
    deleted_at: str | None = None
    version: int = 1


@dataclass(frozen=True)
class OrganizationSummary:
    """What an employer list shows; list queries read only these attributes."""

    id: str
    name: str
    code: str | None = None
    city: str | None = None
    phone: str | None = None
    status: str = "active"
    contract_codes: list[str] = field(default_factory=list)


def organization_summary(org: Organization) -> OrganizationSummary:
    return OrganizationSummary(id=org.id, name=org.name, code=org.code, city=org.city, phone=org.phone,
                               status=org.status, contract_codes=list(org.contract_codes))


@dataclass
class User:
    id: str
    email: str
    roles: list[str]
    created_at: str
    updated_at: str
    member_id: str | None = None
    display_name: str | None = None
    enabled: bool = True
    tokens_valid_after: int = 0
    # Set by the API when the user has completed TOTP enrolment or answered a TOTP challenge (§1.2).
    mfa_enabled: bool = False
    version: int = 1


class WriteBatch(Protocol):
    """Changes committed all-or-nothing. `expected_version=None` means "must not exist yet"."""

    def member(self, member: Member, expected_version: int | None) -> None: ...
    def organization(self, org: Organization, expected_version: int | None) -> None: ...
    def child(self, child: Child, expected_version: int | None) -> None: ...
    def user(self, user: User, expected_version: int | None) -> None: ...
    def claim(self, unique_key: str, owner_id: str) -> None:
        """Reserve a business key (e.g. MEMBERNO#0012345); fails with DuplicateKey if taken."""
        ...

    def release(self, unique_key: str, owner_id: str) -> None: ...
    def audit(self, entry: AuditEntry) -> None: ...
    def commit(self) -> None:
        """Raises errors.DuplicateKey(<unique key>) or errors.StaleVersion; nothing is written then."""
        ...


class MemberReader(Protocol):
    def get(self, member_id: str) -> Member | None: ...
    def get_by_number(self, member_number: str) -> Member | None: ...
    def by_email(self, email: str) -> list[Member]: ...
    def search(self, query: MemberQuery, limit: int, cursor: str | None) -> Page[MemberSummary]: ...


class OrganizationReader(Protocol):
    def get(self, org_id: str) -> Organization | None: ...
    def get_by_code(self, code: str) -> Organization | None: ...
    def search(self, name_prefix: str | None, contract_code: str | None, limit: int,
               cursor: str | None) -> Page[OrganizationSummary]: ...


class ChildReader(Protocol):
    def list(self, parent_key: str, kind: str, sort_prefix: str = "") -> list[Child]:
        """Children of one kind in sort order; `sort_prefix` narrows by the start of their sort key
        (e.g. the versions of one note: kind `note_version`, prefix `<note id>#`)."""
        ...

    def get(self, parent_key: str, kind: str, child_id: str) -> Child | None: ...
    def by_index(self, index_key: str, limit: int, cursor: str | None) -> Page[Child]: ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None:
        """For READ / BULK_READ entries, which accompany no change."""
        ...

    def by_entity(self, entity_type: str, entity_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]: ...
    def by_actor(self, actor_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]: ...
    def by_day(self, day: date, limit: int, cursor: str | None) -> Page[AuditEntry]: ...


class AuditSeals(Protocol):
    """Daily seals of the audit trail (docs/audit.md): written once, never updated or deleted."""

    def put(self, seal: Seal) -> bool:
        """Write a day's seal if that day has none yet (conditional put); False if one already exists."""
        ...

    def get(self, day: date) -> Seal | None: ...
    def between(self, start: date, end: date) -> list[Seal]:
        """Seals of the days start..end inclusive, oldest first."""
        ...

    def first(self) -> Seal | None: ...
    def latest(self) -> Seal | None: ...


class UserReader(Protocol):
    def get(self, user_id: str) -> User | None: ...
    def list(self, limit: int, cursor: str | None) -> Page[User]: ...
    def owner_of(self, unique_key: str) -> str | None: ...


class Counters(Protocol):
    def hit(self, key: str, window_s: int, now: float) -> tuple[int, int]:
        """Count one event in the current fixed window; returns (count, seconds left in the window)."""
        ...

    def failures(self, key: str) -> tuple[int, float | None]:
        """(consecutive failures, locked-until epoch or None)."""
        ...

    def record_failure(self, key: str, threshold: int, lock_s: int, now: float) -> tuple[int, float | None]: ...
    def clear_failures(self, key: str) -> None: ...


class Tickets(Protocol):
    """Short-lived single-use items (MFA set-up sessions, e-mail verification codes).

    Expired tickets read as absent (the table's TTL removes them later); `take` deletes the ticket
    with a condition, so of two concurrent takers exactly one gets the data."""

    def put(self, key: str, data: dict[str, Any], expires_at: int) -> None: ...
    def get(self, key: str, now: float) -> dict[str, Any] | None: ...
    def take(self, key: str, now: float) -> dict[str, Any] | None: ...


class Store(Protocol):
    @property
    def members(self) -> MemberReader: ...
    @property
    def organizations(self) -> OrganizationReader: ...
    @property
    def children(self) -> ChildReader: ...
    @property
    def audit_log(self) -> AuditLog: ...
    @property
    def audit_seals(self) -> AuditSeals: ...
    @property
    def users(self) -> UserReader: ...
    @property
    def counters(self) -> Counters: ...
    @property
    def tickets(self) -> Tickets: ...

    def batch(self) -> WriteBatch: ...
    def ping(self) -> None: ...
