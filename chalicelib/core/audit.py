"""Audit entries (modules.md §16): immutable, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from chalicelib.core.model import DomainModel


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


# Values never shown to anyone but admins (§16.4).
SENSITIVE_KEYS = frozenset({"password", "tax_id", "token", "secret", "bank_account"})
# Bookkeeping that changes on every write and says nothing about the change.
_IGNORED = frozenset({"version", "updated_at", "created_at"})


def diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    """Changed fields with their old and new values (JSON-mode dicts in, sorted field names out)."""
    changed = sorted(k for k in set(old) | set(new) if k not in _IGNORED and old.get(k) != new.get(k))
    return changed, {k: old.get(k) for k in changed}, {k: new.get(k) for k in changed}


def redact(entry: dict[str, Any], is_admin: bool) -> dict[str, Any]:
    if is_admin:
        return entry
    for side in ("old_values", "new_values"):
        values = entry.get(side) or {}
        entry[side] = {k: ("[REDACTED]" if k in SENSITIVE_KEYS else v) for k, v in values.items()}
    return entry
