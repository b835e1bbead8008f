"""The write-once archive of the audit trail (modules.md §16.3; docs/audit.md "Archive").

A consumer of the table's stream (app.py `audit_archive`; locally the runtime polls the stream and calls
the same handler) copies every audit entry, seal and seal part, as it is written, to an S3 bucket with
Object Lock in COMPLIANCE mode: no archived object can be deleted or replaced before its retention ends.
The table stays the working copy; the archive is the evidence. `compare_day` checks the table against it
without downloading anything: each object's body is the record's canonical JSON and its ETag (SSE-S3,
single-part PUT) is the MD5 of that body, so one listing per day compares every entry.

Object keys (one object per item, written with `If-None-Match: *`, i.e. only ever created), day first so
that one listing per day returns everything the comparison needs:

    <yyyy-mm-dd>/entries/<entry id>.json               the entry (entry_canonical: what its digest hashes)
    <yyyy-mm-dd>/seal.json                             the day's seal head
    <yyyy-mm-dd>/seal-parts/<manifest>/<nnnnn>.json    its entry list, part by part
    <yyyy-mm-dd>/tamper/<stream event id>.json         an audit item changed or removed in the table (which
                                                       the application never does): the stream's old and
                                                       new image
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.audit import store as repo
from chalicelib.audit.domain import Finding, FindingKind, canonical_json, entry_canonical
from chalicelib.core.audit import AuditEntry
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store.attrs import from_item
from chalicelib.core.store.audit_codec import AUDIT_ENTRIES
from chalicelib.core.store.ports import Store
from chalicelib.core.store.query import Query

# An entry younger than this that is not archived yet is "pending" (the stream is seconds behind),
# not a finding.
ARCHIVE_GRACE = timedelta(minutes=15)
PUT_THREADS = 16


# -- what goes into the archive ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveObject:
    key: str
    body: bytes


def _kind(pk: str) -> str | None:
    if pk.startswith("AUDIT#"):
        return "entry"
    if pk == repo.SEALS_PK:
        return "seal"
    if pk.startswith(repo.SEALS_PK + "#"):
        return "seal_part"
    return None


def entry_object(entry: AuditEntry) -> ArchiveObject:
    day = entry.model_dump(mode="json", include={"occurred_at"})["occurred_at"][:10]
    return ArchiveObject(f"{day}/entries/{entry.id}.json", entry_canonical(entry))


def seal_object(head: repo.SealHead) -> ArchiveObject:
    return ArchiveObject(f"{head.day}/seal.json", canonical_json(dataclasses.asdict(head)).encode())


def seal_part_object(part: repo.SealPart) -> ArchiveObject:
    return ArchiveObject(f"{part.day}/seal-parts/{part.manifest}/{part.number:05d}.json",
                         canonical_json(dataclasses.asdict(part)).encode())


def object_of(image: Mapping[str, Any]) -> ArchiveObject | None:
    """The archive object of a table item (stream image, attribute-value form); None if not audit data."""
    values = from_item(image)
    kind = _kind(str(values.get("PK", "")))
    if kind == "entry":
        return entry_object(AUDIT_ENTRIES.decode(values))
    if kind == "seal":
        return seal_object(repo.SEAL_HEADS.decode(values))
    if kind == "seal_part":
        return seal_part_object(repo.SEAL_PARTS.decode(values))
    return None


def _day_of_key(pk: str, sk: str) -> str:
    """The UTC day an audit item belongs to, from its key alone (a REMOVE carries no new image)."""
    if pk.startswith("AUDIT#"):
        return sk[:10]  # <occurred at ISO>#<ulid>
    if pk == repo.SEALS_PK:
        return sk.removeprefix("DAY#")
    return pk.removeprefix(repo.SEALS_PK + "#")


def tamper_object(record: Mapping[str, Any]) -> ArchiveObject:
    ddb = record.get("dynamodb") or {}
    keys = from_item(ddb.get("Keys") or {})
    day = _day_of_key(str(keys.get("PK", "")), str(keys.get("SK", "")))
    body = {"event_id": record.get("eventID"), "event_name": record.get("eventName"), "keys": ddb.get("Keys"),
            "approximate_creation": str(ddb.get("ApproximateCreationDateTime")),
            "old_image": ddb.get("OldImage"), "new_image": ddb.get("NewImage")}
    return ArchiveObject(f"{day}/tamper/{record.get('eventID')}.json", canonical_json(body).encode())


# -- where it goes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedVersion:
    etag: str  # MD5 (hex) of the body: SSE-S3, single-part PUT
    last_modified: datetime
    delete_marker: bool = False


class Archive(Protocol):
    def put_once(self, obj: ArchiveObject) -> bool:
        """Create the object; False if its key exists already (the archive is never overwritten)."""
        ...

    def versions(self, prefix: str) -> dict[str, list[ArchivedVersion]]:
        """Every version (and delete marker) of every key under `prefix`, oldest first per key."""
        ...


class S3Archive:
    """The audit archive bucket (setting AUDIT_ARCHIVE_BUCKET)."""

    def __init__(self, bucket: str | None = None) -> None:
        from chalicelib.core.settings import get_settings

        self.bucket = bucket or get_settings().audit_archive_bucket

    def put_once(self, obj: ArchiveObject) -> bool:
        from botocore.exceptions import ClientError

        from chalicelib.core.aws import s3_client

        try:
            # If-None-Match: * makes the PUT create-only (the bucket policy refuses any other); Object Lock
            # needs a checksum on the request; retention comes from the bucket's default (COMPLIANCE).
            s3_client().put_object(Bucket=self.bucket, Key=obj.key, Body=obj.body, IfNoneMatch="*",
                                   ContentType="application/json", ChecksumAlgorithm="SHA256")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
                return False
            raise
        return True

    def versions(self, prefix: str) -> dict[str, list[ArchivedVersion]]:
        from chalicelib.core.aws import s3_client

        found: dict[str, list[ArchivedVersion]] = {}
        for page in s3_client().get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=prefix):
            for v in page.get("Versions", []):
                found.setdefault(v["Key"], []).append(
                    ArchivedVersion(str(v["ETag"]).strip('"'), v["LastModified"]))
            for m in page.get("DeleteMarkers", []):
                found.setdefault(m["Key"], []).append(ArchivedVersion("", m["LastModified"], delete_marker=True))
        return {k: sorted(vs, key=lambda v: v.last_modified) for k, vs in found.items()}


class MemoryArchive:
    """The in-memory twin of the archive bucket (unit tests): versions kept, create-only puts."""

    def __init__(self) -> None:
        self.objects: dict[str, list[tuple[bytes | None, datetime]]] = {}
        self._tick = datetime(2000, 1, 1)

    def _now(self) -> datetime:
        self._tick += timedelta(seconds=1)
        return self._tick

    def put_once(self, obj: ArchiveObject) -> bool:
        if obj.key in self.objects:
            return False
        self.objects[obj.key] = [(obj.body, self._now())]
        return True

    def replace(self, key: str, body: bytes | None) -> None:
        """What a principal allowed around the bucket policy could add: a new version (None: a delete
        marker). Object Lock still keeps the first version."""
        self.objects.setdefault(key, []).append((body, self._now()))

    def body(self, key: str) -> bytes | None:
        return self.objects[key][0][0]

    def versions(self, prefix: str) -> dict[str, list[ArchivedVersion]]:
        return {k: [ArchivedVersion(hashlib.md5(b).hexdigest() if b is not None else "", t,  # noqa: S324
                                    delete_marker=b is None) for b, t in vs]
                for k, vs in self.objects.items() if k.startswith(prefix)}


# -- the stream consumer -----------------------------------------------------------------------------------


_puts: ThreadPoolExecutor | None = None
_puts_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """Puts of a batch run side by side (S3 latency, not CPU, bounds them); one pool per container."""
    global _puts
    with _puts_lock:
        if _puts is None:
            _puts = ThreadPoolExecutor(max_workers=PUT_THREADS, thread_name_prefix="archive")
        return _puts


@dataclass
class ArchiveOutcome:
    archived: int = 0
    already: int = 0  # redelivered records (the stream delivers at least once)
    tampering: int = 0
    ignored: int = 0
    keys: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"archived": self.archived, "already": self.already, "tampering": self.tampering,
                "ignored": self.ignored}


def archive_records(records: Iterable[Mapping[str, Any]], archive: Archive) -> ArchiveOutcome:
    """Copy the audit items of a batch of stream records (Lambda's DynamoDB event shape) to the archive.

    INSERT of an audit entry, seal or seal part: its object, created once. MODIFY or REMOVE of one: the
    application never does either (IAM denies it, the store refuses it), so it is tampering or a restore:
    a tamper object with both images, an error log line and the AuditArchiveTampering metric. Any failure
    raises, so the batch is retried (every write is idempotent); nothing is ever skipped."""
    outcome = ArchiveOutcome()
    todo: list[ArchiveObject] = []
    for record in records:
        ddb = record.get("dynamodb") or {}
        keys = ddb.get("Keys") or {}
        pk = str((keys.get("PK") or {}).get("S", ""))
        if _kind(pk) is None:
            outcome.ignored += 1
            continue
        if record.get("eventName") == "INSERT":
            obj = object_of(ddb.get("NewImage") or {})
            if obj is not None:
                todo.append(obj)
            continue
        outcome.tampering += 1
        tamper = tamper_object(record)
        logger.error("audit item changed after it was written", extra={
            "event": record.get("eventName"), "pk": pk, "sk": (keys.get("SK") or {}).get("S"),
            "archive_key": tamper.key})
        todo.append(tamper)
    if todo:
        for obj, created in zip(todo, _pool().map(archive.put_once, todo), strict=True):
            outcome.keys.append(obj.key)
            if created:
                outcome.archived += 1
            else:
                outcome.already += 1
    if outcome.tampering:
        metrics.add_metric(name="AuditArchiveTampering", unit=MetricUnit.Count, value=outcome.tampering)
    return outcome


def handle(event: Iterable[Any]) -> dict[str, Any]:
    """The stream consumer's entry point (app.py registers it): a Chalice DynamoDBEvent."""
    records = [r.to_dict() if hasattr(r, "to_dict") else r for r in event]
    outcome = archive_records(records, S3Archive())
    metrics.add_metric(name="AuditArchived", unit=MetricUnit.Count, value=outcome.archived)
    metrics.flush_metrics()
    return outcome.as_json()


# -- the table against the archive ------------------------------------------------------------------------


@dataclass
class ArchiveDayReport:
    day: date
    compared: int = 0
    pending: int = 0
    findings: list[Finding] = field(default_factory=list)


def _md5(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()  # noqa: S324 - S3's ETag, compared, not a security digest


def _check(day: date, what: str, obj: ArchiveObject, versions: list[ArchivedVersion] | None,
           findings: list[Finding], entry_id: str | None) -> bool:
    """One table item against its archived object; True when it was compared."""
    if not versions:
        return False
    first = versions[0]
    if len(versions) > 1 or first.delete_marker:
        findings.append(Finding(FindingKind.ARCHIVE_REWRITTEN, day, entry_id,
                                f"{what}: {len(versions)} versions in the archive (written once, ever)"))
    if first.delete_marker or first.etag != _md5(obj.body):
        findings.append(Finding(FindingKind.ARCHIVE_DIFFERS, day, entry_id,
                                f"{what} in the table differs from its archived copy"))
    return True


def compare_day(store: Store, archive: Archive, day: date, entries: list[AuditEntry],
                now: datetime) -> ArchiveDayReport:
    """The day's entries and seal in the table against the archive (docs/audit.md: what it detects)."""
    iso = day.isoformat()
    report = ArchiveDayReport(day)
    listed = archive.versions(f"{iso}/")  # one listing: entries, seal and tamper records of the day
    archived = {k: v for k, v in listed.items() if k.startswith(f"{iso}/entries/")}
    seen: set[str] = set()
    for entry in entries:
        obj = entry_object(entry)
        seen.add(obj.key)
        if _check(day, "entry", obj, archived.get(obj.key), report.findings, entry.id):
            report.compared += 1
        elif now - entry.occurred_at < ARCHIVE_GRACE:
            report.pending += 1
        else:
            report.findings.append(Finding(FindingKind.NOT_ARCHIVED, day, entry.id,
                                           "in the table but not in the archive"))
    for key, versions in archived.items():
        if key not in seen and not versions[0].delete_marker:
            entry_id = key.rsplit("/", 1)[-1].removesuffix(".json")
            report.findings.append(Finding(FindingKind.ARCHIVED_ONLY, day, entry_id,
                                           "archived, but gone from the table's day"))
    head = store.get(repo.SEAL_HEADS, (repo.SEALS_PK, repo.seal_sk(iso)), consistent=True)
    seal_versions = listed.get(f"{iso}/seal.json")
    if head is not None:
        if not _check(day, "seal", seal_object(head), seal_versions, report.findings, None):
            sealed_at = datetime.fromisoformat(head.sealed_at)
            if now - sealed_at >= ARCHIVE_GRACE:
                report.findings.append(Finding(FindingKind.NOT_ARCHIVED, day, None, "seal not in the archive"))
    elif seal_versions and not seal_versions[0].delete_marker:
        report.findings.append(Finding(FindingKind.ARCHIVED_ONLY, day, None, "archived seal, gone from the table"))
    for key in (k for k in listed if k.startswith(f"{iso}/tamper/")):
        report.findings.append(Finding(FindingKind.TAMPERING_SEEN, day, None,
                                       f"the stream saw an audit item changed or removed: {key}"))
    report.findings.sort(key=lambda f: (f.entry_id or "", f.kind.value))
    return report


def backfill(store: Store, archive: Archive, day: date) -> int:
    """Archive a day's entries and seal from the table (entries written before the archive existed, or
    that left the stream unarchived); existing objects are left as they are. Returns objects created."""
    from chalicelib.audit.integrity import day_entries

    iso = day.isoformat()
    objects = [entry_object(e) for e in day_entries(store, day)]
    head = store.get(repo.SEAL_HEADS, (repo.SEALS_PK, repo.seal_sk(iso)), consistent=True)
    if head is not None:
        objects.append(seal_object(head))
        parts = store.query_all(repo.SEAL_PARTS, Query(repo.seal_part_pk(iso), consistent=True))
        objects.extend(seal_part_object(p) for p in parts)
    if not objects:
        return 0
    return sum(_pool().map(archive.put_once, objects))
