"""Audit entries (modules.md §16): immutable, written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from chalicelib.core.model import DomainModel
from chalicelib.core.roles import Role


class AuditAction(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    READ = "READ"
    BULK_READ = "BULK_READ"


class Actor(DomainModel):
    """Who did it: always from the verified token, or a named service principal."""

    id: str
    email: str | None = None
    roles: list[str] = Field(default_factory=list)
    member_id: str | None = None
    request_id: str | None = None
    source_ip: str | None = None
    user_agent: str | None = None
    channel: str = "api"


SYSTEM = Actor(id="SYSTEM", roles=["system"], channel="job")
IMPORT = Actor(id="IMPORT", roles=["system"], channel="import")


class AuditEntry(DomainModel):
    id: str
    occurred_at: datetime
    action: AuditAction
    entity_type: str
    entity_id: str
    actor_id: str
    actor_email: str | None = None
    actor_roles: list[str] = Field(default_factory=list)
    changed_fields: list[str] = Field(default_factory=list)
    old_values: dict[str, Any] = Field(default_factory=dict)
    new_values: dict[str, Any] = Field(default_factory=dict)
    request_id: str | None = None
    source_ip: str | None = None
    user_agent: str | None = None
    channel: str = "api"
    extra: dict[str, Any] = Field(default_factory=dict)
    # What the audited record's own read rule needs to decide who may see this entry's values, captured
    # when the entry is written (the values hold only the changed fields): e.g. a note's visibility before
    # and after the change and its author. None for records without a read rule. docs/audit.md.
    read_rule: dict[str, Any] | None = None


# Values never shown to anyone but admins (§16.4).
SENSITIVE_KEYS = frozenset({"password", "tax_id", "token", "secret", "bank_account"})
REDACTED = "[REDACTED]"
# Bookkeeping that changes on every write and says nothing about the change.
_IGNORED = frozenset({"version", "updated_at", "created_at"})


def diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    """Changed fields with their old and new values (JSON-mode dicts in, sorted field names out)."""
    changed = sorted(k for k in set(old) | set(new) if k not in _IGNORED and old.get(k) != new.get(k))
    return changed, {k: old.get(k) for k in changed}, {k: new.get(k) for k in changed}


# -- who may see what in the audit trail (docs/audit.md "Read rules") ---------------------------------------


@dataclass(frozen=True)
class Reader:
    """Who is reading the audit trail: enough to apply the records' own read rules."""

    id: str
    roles: frozenset[Role]

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


class EntryView(dict[str, Any]):
    """An entry as JSON (`AuditEntry.model_dump(mode="json")`) on its way to one reader; rules mask in it."""

    def mask(self, side: str, names: Iterable[str] | None = None) -> None:
        """Replace the values of `names` (every value when None) on one side ("old_values", "new_values",
        "extra") with REDACTED; the field names stay, so the reader still sees what changed."""
        hidden = None if names is None else frozenset(names)
        values = self.get(side) or {}
        self[side] = {k: (REDACTED if hidden is None or k in hidden else v) for k, v in values.items()}


# A record type's audit read rule masks, in an entry about such a record, what the reader could not see
# through the record's own routes. Rules are pure functions declared next to the record's rules (its
# module's domain.py) and registered here by entity type.
AuditReadRule = Callable[[EntryView, Reader], None]
_READ_RULES: dict[str, AuditReadRule] = {}


def audit_read_rule(*entity_types: str) -> Callable[[AuditReadRule], AuditReadRule]:
    """Register the function as the audit read rule of these entity types (one rule per type)."""

    def register(rule: AuditReadRule) -> AuditReadRule:
        for entity_type in entity_types:
            existing = _READ_RULES.get(entity_type)
            if existing is not None and existing.__qualname__ != rule.__qualname__:
                raise ValueError(f"{entity_type} already has an audit read rule ({existing.__qualname__})")
            _READ_RULES[entity_type] = rule
        return rule

    return register


def read_rule_for(entity_type: str) -> AuditReadRule | None:
    return _READ_RULES.get(entity_type)


def shown_to(entry: AuditEntry, reader: Reader) -> dict[str, Any]:
    """The entry as `reader` may see it, on every read path of the audit trail (by record, by actor, the
    export): admins see everything; anyone else gets the record's own read rule applied and sensitive
    keys masked (§16.4), and never the captured `read_rule` (it names e.g. the author of a hidden note)."""
    view = EntryView(entry.model_dump(mode="json"))
    if reader.is_admin:
        return dict(view)
    rule = _READ_RULES.get(entry.entity_type)
    if rule is not None:
        rule(view, reader)
    for side in ("old_values", "new_values"):
        view.mask(side, SENSITIVE_KEYS)
    view["read_rule"] = None
    return dict(view)
