"""What every use case receives: the store, the caller and a clock (so rules are testable in time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.core.audit import Actor, AuditAction, AuditEntry, diff
from chalicelib.core.ids import new_ulid
from chalicelib.core.roles import Role, parse_roles
from chalicelib.core.store.ports import Store


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

    @property
    def id(self) -> str:
        return self.actor.id

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

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in the local's time zone (setting `LOCAL_TIME_ZONE`): every rule date is a local date."""
        from chalicelib.core.settings import get_settings

        return self.clock().astimezone(get_settings().zone).date()

    def audit_entry(
        self,
        action: AuditAction,
        entity_type: str,
        entity_id: str,
        old: dict[str, Any] | None = None,
        new: dict[str, Any] | None = None,
        *,
        read_rule: dict[str, Any] | None = None,
        **extra: Any,
    ) -> AuditEntry:
        """The entry of one change. `read_rule`: what the record's audit read rule needs (e.g. a note's
        visibility and author), recorded now because the values hold only the changed fields."""
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
            read_rule=read_rule,
        )

    def audit_read(self, entity_type: str, entity_id: str, *, bulk: bool = False, **extra: Any) -> None:
        """Reads of sensitive records are audited (§16.2); a read changes nothing, so it is written alone."""
        action = AuditAction.BULK_READ if bulk else AuditAction.READ
        self.store.create(self.audit_entry(action, entity_type, entity_id, **extra))

    def audit_event(self, entity_type: str, entity_id: str, **extra: Any) -> None:
        """An event that accompanies no record change (sign-in activity): a CREATE entry of its own."""
        self.store.create(self.audit_entry(AuditAction.CREATE, entity_type, entity_id, **extra))
