"""What every use case receives: the store, the caller and a clock (so rules are testable in time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.audit import Actor, AuditAction, AuditEntry, diff
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.roles import Role, parse_roles
from chalicelib.store.ports import Store


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Caller:
    """The authenticated principal. Built only from the verified token (never the request body)."""

    actor: Actor

    @property
    def roles(self) -> frozenset[Role]:
        return parse_roles(self.actor.roles)

    @property
    def member_id(self) -> str | None:
        return self.actor.member_id

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_member_only(self) -> bool:
        return self.roles == {Role.MEMBER}


@dataclass
class Ctx:
    store: Store
    caller: Caller
    clock: Callable[[], datetime] = field(default=utc_now)

    def audit_entry(
        self,
        action: AuditAction,
        entity_type: str,
        entity_id: str,
        old: dict[str, Any] | None = None,
        new: dict[str, Any] | None = None,
        **extra: Any,
    ) -> AuditEntry:
        a = self.caller.actor
        changed, old_values, new_values = diff(old or {}, new or {})
        if action in (AuditAction.READ, AuditAction.BULK_READ):
            changed, old_values, new_values = [], {}, {}
        return AuditEntry(
            id=new_ulid(),
            occurred_at=self.clock(),
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            actor_id=a.id,
            actor_email=a.email,
            actor_roles=list(a.roles),
            changed_fields=changed,
            old_values=old_values,
            new_values=new_values,
            request_id=a.request_id,
            source_ip=a.source_ip,
            user_agent=a.user_agent,
            channel=a.channel,
            extra=extra,
        )
