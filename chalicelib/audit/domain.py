"""Daily seals over the audit trail (modules.md §16): hash chain, canonical JSON, verification.

Pure functions only; docs/audit.md explains the design and its limits.

- Each entry gets a digest: SHA-256 over its canonical JSON (keys sorted by code point, no whitespace,
  UTF-8, integral numbers as integers, other numbers as exact plain decimals; NaN/Infinity refused).
- A day's seal lists the (entry id, digest) pairs of that UTC day in (occurred_at, id) order and chains
  to the previous day's seal: seal_n = SHA-256(tag || seal_{n-1} || day || count || id:digest lines).
- `verify_day` compares a seal with the entries the table holds now and names what differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from chalicelib.core.canonical import canonical_json
from chalicelib.core.audit import AuditEntry

ALGORITHM = "sha256"
SEAL_VERSION = 1
GENESIS = "0" * 64  # the `prev` of the first seal of a chain
_ENTRY_TAG = b"unioncore.audit.entry.v1\n"
_SEAL_TAG = b"unioncore.audit.seal.v1\n"


# Fields added to AuditEntry after v1 of the digest: hashed only when set, so an entry written before
# they existed keeps the digest it was sealed with (absent and unset are the same state, so any value
# that is set is covered).
_ADDED_AFTER_V1 = ("read_rule",)


def entry_document(entry: AuditEntry) -> dict[str, Any]:
    """The entry as the digest and the write-once archive see it: every field, the post-v1 ones if set."""
    data = entry.model_dump(mode="json")
    for name in _ADDED_AFTER_V1:
        if data.get(name) is None:
            data.pop(name, None)
    return data


def entry_canonical(entry: AuditEntry) -> bytes:
    """The entry's canonical JSON as UTF-8: the bytes that are hashed and archived."""
    # "surrogatepass": a lone surrogate (JSON "\ud800" decodes to one) still hashes, deterministically.
    return canonical_json(entry_document(entry)).encode("utf-8", "surrogatepass")


def entry_digest(entry: AuditEntry) -> str:
    """SHA-256 (hex) of the entry's canonical JSON, every field included."""
    return hashlib.sha256(_ENTRY_TAG + entry_canonical(entry)).hexdigest()


# -- seals ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealedEntry:
    entry_id: str
    digest: str
    occurred_at: str  # ISO text as stored; kept so findings can say when the entry happened


@dataclass(frozen=True)
class Seal:
    day: date
    prev: str
    entries: tuple[SealedEntry, ...]
    hash: str
    sealed_at: str
    version: int = SEAL_VERSION

    @property
    def count(self) -> int:
        return len(self.entries)


def _ordered(entries: Iterable[AuditEntry]) -> list[SealedEntry]:
    rows = [SealedEntry(e.id, entry_digest(e), e.model_dump(mode="json")["occurred_at"]) for e in entries]
    return sorted(rows, key=lambda r: (r.occurred_at, r.entry_id))


def seal_hash(prev: str, day: date, entries: Sequence[SealedEntry]) -> str:
    """seal_n = H(tag || prev || day || count || "id:digest" per entry), each part newline-terminated."""
    h = hashlib.sha256(_SEAL_TAG)
    h.update(f"{prev}\n{day.isoformat()}\n{len(entries)}\n".encode())
    for row in entries:
        h.update(f"{row.entry_id}:{row.digest}\n".encode())
    return h.hexdigest()


def make_seal(day: date, prev: str, entries: Iterable[AuditEntry], sealed_at: str) -> Seal:
    """The seal of one UTC day's entries, chained to the previous day's seal hash (or GENESIS)."""
    rows = tuple(_ordered(entries))
    return Seal(day=day, prev=prev, entries=rows, hash=seal_hash(prev, day, rows), sealed_at=sealed_at)


# -- verification --------------------------------------------------------------------------------


class FindingKind(StrEnum):
    EDITED = "edited"  # an entry sealed then differs now
    MISSING = "missing"  # an entry sealed then is gone now (gap)
    INSERTED = "inserted"  # an entry of a sealed day that the seal does not list
    BROKEN_LINK = "broken_link"  # a seal's `prev` is not the previous day's seal hash
    SEAL_ALTERED = "seal_altered"  # a seal's stored hash does not match its own contents
    MISSING_SEAL = "missing_seal"  # a day inside the sealed span has no seal
    # The table against the write-once archive (audit/archive.py):
    NOT_ARCHIVED = "not_archived"  # in the table, not in the archive (after the grace period)
    ARCHIVE_DIFFERS = "archive_differs"  # in the table, different from its archived copy
    ARCHIVED_ONLY = "archived_only"  # in the archive, gone from the table (deleted or moved to another day)
    ARCHIVE_REWRITTEN = "archive_rewritten"  # an archived object has a second version or a delete marker
    TAMPERING_SEEN = "tampering_seen"  # the stream consumer saw an audit item changed or removed


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    day: date
    entry_id: str | None = None
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "day": self.day.isoformat(), "entry_id": self.entry_id, "detail": self.detail}


@dataclass
class DayReport:
    day: date
    status: str  # "verified" | "failed" | "unsealed" (before the chain starts or not sealed yet)
    entries: int = 0
    findings: list[Finding] = field(default_factory=list)


def check_seal(seal: Seal, previous: Seal | None, is_first: bool) -> list[Finding]:
    """The seal's own hash, and its link to the previous day's seal (or GENESIS for the first seal)."""
    found: list[Finding] = []
    if seal_hash(seal.prev, seal.day, seal.entries) != seal.hash:
        found.append(Finding(FindingKind.SEAL_ALTERED, seal.day, detail="stored hash does not match the seal"))
    if is_first:
        if seal.prev != GENESIS:
            found.append(Finding(FindingKind.BROKEN_LINK, seal.day, detail="first seal does not start the chain"))
    elif previous is None:
        found.append(Finding(FindingKind.BROKEN_LINK, seal.day, detail="previous day's seal is missing"))
    elif seal.prev != previous.hash:
        found.append(
            Finding(
                FindingKind.BROKEN_LINK, seal.day, detail=f"prev does not match the seal of {previous.day.isoformat()}"
            )
        )
    return found


def check_entries(seal: Seal, current: Iterable[AuditEntry]) -> list[Finding]:
    """The entries the table holds now for the seal's day against the ones the seal lists."""
    sealed = {r.entry_id: r for r in seal.entries}
    now = {r.entry_id: r for r in _ordered(current)}
    found: list[Finding] = []
    for entry_id, row in sealed.items():
        if entry_id not in now:
            found.append(Finding(FindingKind.MISSING, seal.day, entry_id, f"sealed entry of {row.occurred_at}"))
        elif now[entry_id].digest != row.digest:
            found.append(Finding(FindingKind.EDITED, seal.day, entry_id, "digest differs from the seal"))
    for entry_id, row in now.items():
        if entry_id not in sealed:
            found.append(Finding(FindingKind.INSERTED, seal.day, entry_id, f"not in the seal ({row.occurred_at})"))
    return sorted(found, key=lambda f: (f.entry_id or "", f.kind.value))


def verify_day(seal: Seal, previous: Seal | None, is_first: bool, current: Iterable[AuditEntry]) -> DayReport:
    entries = list(current)
    findings = check_seal(seal, previous, is_first) + check_entries(seal, entries)
    return DayReport(seal.day, "failed" if findings else "verified", len(entries), findings)
