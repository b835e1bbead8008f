"""How the audit trail is read (entries are written by every module through the store core: see
core/store/audit_codec.py) and how its daily seals are stored: a head item per day under `SEAL#AUDIT` and
the day's entry list in part items keyed by the seal's hash. Seals are write-once (docs/audit.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chalicelib.audit.domain import Seal, SealedEntry
from chalicelib.core.audit import AuditEntry
from chalicelib.core.store import ItemCodec, Page, Query, Store, register
from chalicelib.core.store.audit_codec import AUDIT_ENTRIES, actor_partition, audit_pk, day_partition

SEALS_PK = "SEAL#AUDIT"
# Lines of ~125 bytes: a part stays well under DynamoDB's 400 KB item limit.
SEAL_PART_ROWS = 2500


def seal_sk(day_iso: str) -> str:
    return f"DAY#{day_iso}"


def seal_part_pk(day_iso: str) -> str:
    return f"SEAL#AUDIT#{day_iso}"


@dataclass(frozen=True)
class SealHead:
    """One UTC day's seal; its entry list is in `SealPart`s named by `manifest` (the hash at sealing time)."""

    day: str
    prev: str
    hash: str
    entry_count: int
    parts: int
    manifest: str
    sealed_at: str
    seal_version: int


@dataclass(frozen=True)
class SealPart:
    """Up to SEAL_PART_ROWS "<entry id> <digest> <occurred at>" lines of a seal, in seal order."""

    day: str
    manifest: str
    number: int
    rows: str


class SealHeadCodec(ItemCodec[SealHead]):
    entity = "audit_seal"
    record_type = SealHead
    versioned = False

    def keys(self, head: SealHead) -> dict[str, str]:
        return {"PK": SEALS_PK, "SK": seal_sk(head.day)}


class SealPartCodec(ItemCodec[SealPart]):
    entity = "audit_seal_part"
    record_type = SealPart
    versioned = False

    def keys(self, part: SealPart) -> dict[str, str]:
        return {"PK": seal_part_pk(part.day), "SK": f"PART#{part.manifest}#{part.number:05d}"}


SEAL_HEADS = register(SealHeadCodec())
SEAL_PARTS = register(SealPartCodec())


def by_entity(store: Store, entity_type: str, entity_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
    """Newest first."""
    return store.query(AUDIT_ENTRIES, Query(audit_pk(entity_type, entity_id), newest_first=True), limit, cursor)


def by_actor(store: Store, actor_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
    """Newest first."""
    return store.query(AUDIT_ENTRIES, Query(actor_partition(actor_id), index="GSI2", newest_first=True), limit,
                       cursor)


def by_day(store: Store, day: date, limit: int, cursor: str | None) -> Page[AuditEntry]:
    """One UTC day, oldest first."""
    return store.query(AUDIT_ENTRIES, Query(day_partition(day.isoformat()), index="GSI3"), limit, cursor)


def _seal_of(store: Store, head: SealHead) -> Seal:
    rows: list[SealedEntry] = []
    parts = store.query_all(SEAL_PARTS, Query(seal_part_pk(head.day), begins_with=f"PART#{head.manifest}#",
                                              consistent=True))
    for part in parts:
        for line in part.rows.splitlines():
            entry_id, digest, occurred_at = line.split(" ", 2)
            rows.append(SealedEntry(entry_id, digest, occurred_at))
    return Seal(day=date.fromisoformat(head.day), prev=head.prev, entries=tuple(rows), hash=head.hash,
                sealed_at=head.sealed_at, version=int(head.seal_version))


def put_seal(store: Store, seal: Seal) -> bool:
    """Write a day's seal if that day has none yet; False if one already exists.

    The parts go first, keyed by the seal's hash: a part already there holds these very rows (a concurrent
    run of the same seal wrote it). The head decides: one conditional put, so one seal per day, ever."""
    day = seal.day.isoformat()
    rows = list(seal.entries)
    chunks = [rows[i:i + SEAL_PART_ROWS] for i in range(0, len(rows), SEAL_PART_ROWS)]
    for n, chunk in enumerate(chunks):
        text = "\n".join(f"{r.entry_id} {r.digest} {r.occurred_at}" for r in chunk)
        store.create(SealPart(day=day, manifest=seal.hash, number=n, rows=text))
    head = SealHead(day=day, prev=seal.prev, hash=seal.hash, entry_count=len(rows), parts=len(chunks),
                    manifest=seal.hash, sealed_at=seal.sealed_at, seal_version=seal.version)
    return store.create(head)


def get_seal(store: Store, day: date) -> Seal | None:
    head = store.get(SEAL_HEADS, (SEALS_PK, seal_sk(day.isoformat())), consistent=True)
    return _seal_of(store, head) if head else None


def seals_between(store: Store, start: date, end: date) -> list[Seal]:
    """Seals of the days start..end inclusive, oldest first."""
    heads = store.query_all(SEAL_HEADS, Query(SEALS_PK, between=(seal_sk(start.isoformat()),
                                                                 seal_sk(end.isoformat())), consistent=True))
    return [_seal_of(store, h) for h in heads]


def _end_seal(store: Store, newest: bool) -> Seal | None:
    page = store.query(SEAL_HEADS, Query(SEALS_PK, newest_first=newest, consistent=True), 1)
    return _seal_of(store, page.items[0]) if page.items else None


def first_seal(store: Store) -> Seal | None:
    return _end_seal(store, newest=False)


def latest_seal(store: Store) -> Seal | None:
    return _end_seal(store, newest=True)
