"""How audit entries are stored (docs/data-model.md): one partition per audited record, indexed by actor
and by UTC day. Entries are write-once: created with a condition, never updated (IAM denies it too)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.audit import AuditEntry
from chalicelib.core.store.codec import ItemCodec, register


def audit_pk(entity_type: str, entity_id: str) -> str:
    return f"AUDIT#{entity_type}#{entity_id}"


def actor_partition(actor_id: str) -> str:
    return f"ACTOR#{actor_id}"


def day_partition(day_iso: str) -> str:
    return f"AUDITDAY#{day_iso}"


class AuditCodec(ItemCodec[AuditEntry]):
    entity = "audit"
    record_type = AuditEntry
    versioned = False

    def keys(self, entry: AuditEntry) -> dict[str, str]:
        ts = self._occurred(entry)
        sk = f"{ts}#{entry.id}"
        return {"PK": audit_pk(entry.entity_type, entry.entity_id), "SK": sk,
                "GSI2PK": actor_partition(entry.actor_id), "GSI2SK": sk,
                "GSI3PK": day_partition(ts[:10]), "GSI3SK": sk}

    @staticmethod
    def _occurred(entry: AuditEntry) -> str:
        value: Any = entry.model_dump(mode="json", include={"occurred_at"})["occurred_at"]
        return str(value)


AUDIT_ENTRIES = register(AuditCodec())
