"""Sealing and verifying the audit trail (modules.md §16.3; design and limits in docs/audit.md).

Audit entries are written by many Lambdas inside their business transactions; nothing on that path
touches a shared chain head. Instead a nightly job seals each finished UTC day: one seal item per day,
chained to the previous day's seal, written once with a conditional put.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.core.audit import AuditEntry
from chalicelib.audit.domain import GENESIS, DayReport, Finding, FindingKind, Seal, make_seal, verify_day
from chalicelib.core.errors import FieldProblem, bad_request
from chalicelib.core.observability import logger, metrics
from chalicelib.core.context import Ctx
from chalicelib.audit import store as repo
from chalicelib.audit.archive import Archive, S3Archive, compare_day
from chalicelib.core.store import Store

# A day is sealed only this long after it ended (UTC): every transaction stamped with that day has
# committed by then (a Lambda runs at most 15 minutes) and the by-day index has caught up.
SETTLE = timedelta(hours=1)
# A job that was down catches up at most this many days per run (the rest on the next runs).
MAX_DAYS_PER_RUN = 62
VERIFY_MAX_DAYS = 366
NIGHTLY_VERIFY_DAYS = 31
ARCHIVE_API_MAX_DAYS = 31
DAY_PAGE = 1000


class ChainGap(Exception):
    """Sealing a day whose previous day is not sealed would leave a hole in the chain."""


def day_entries(store: Store, day: date) -> list[AuditEntry]:
    """Every entry of one UTC day, through the by-day index (the same read as the CSV export)."""
    found: list[AuditEntry] = []
    cursor = None
    while True:
        page = repo.by_day(store, day, DAY_PAGE, cursor)
        found.extend(page.items)
        cursor = page.next_cursor
        if not cursor:
            return found


def _before(day: date) -> date | None:
    return None if day == date.min else day - timedelta(days=1)


@dataclass
class SealOutcome:
    seal: Seal
    written: bool  # False: another run had sealed the day already (its seal is returned)


def seal_day(store: Store, day: date, now: datetime) -> SealOutcome:
    """Seal one finished UTC day. The first seal ever starts the chain; later ones need yesterday's seal."""
    if day > (now - SETTLE).date() - timedelta(days=1):
        raise ValueError(f"{day.isoformat()} has not settled yet")
    existing = repo.get_seal(store, day)
    if existing is not None:
        return SealOutcome(existing, False)
    previous_day = _before(day)
    previous = repo.get_seal(store, previous_day) if previous_day else None
    if previous is None:
        latest = repo.latest_seal(store)
        if latest is not None:
            raise ChainGap(f"cannot seal {day.isoformat()}: the chain ends at {latest.day.isoformat()}")
    prev_hash = previous.hash if previous else GENESIS
    seal = make_seal(day, prev_hash, day_entries(store, day), now.astimezone(UTC).isoformat())
    if repo.put_seal(store, seal):
        logger.info("audit day sealed", extra={"day": day.isoformat(), "entries": seal.count, "hash": seal.hash,
                                               "prev": seal.prev})
        return SealOutcome(seal, True)
    winner = repo.get_seal(store, day)
    assert winner is not None  # the conditional put failed because this seal exists
    return SealOutcome(winner, False)


def seal_due(store: Store, now: datetime) -> list[SealOutcome]:
    """Seal every settled day after the chain's last seal (yesterday starts a new chain)."""
    last_settled = (now - SETTLE).date() - timedelta(days=1)
    latest = repo.latest_seal(store)
    day = latest.day + timedelta(days=1) if latest else last_settled
    done: list[SealOutcome] = []
    while day <= last_settled and len(done) < MAX_DAYS_PER_RUN:
        done.append(seal_day(store, day, now))
        day += timedelta(days=1)
    return done


@dataclass
class IntegrityReport:
    start: date
    end: date
    chain_start: date | None
    sealed_through: date | None
    days: list[DayReport] = field(default_factory=list)
    archive_compared: bool = False
    archive_entries: int = 0  # entries compared with their archived copy
    archive_pending: int = 0  # entries too new to be archived yet (not a finding)

    @property
    def findings(self) -> list[Finding]:
        return [f for d in self.days for f in d.findings]

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "ok": self.ok,
            "chain_start": self.chain_start.isoformat() if self.chain_start else None,
            "sealed_through": self.sealed_through.isoformat() if self.sealed_through else None,
            "days_verified": sum(1 for d in self.days if d.status != "unsealed"),
            "entries_checked": sum(d.entries for d in self.days),
            "findings": [f.as_json() for f in self.findings],
            "days": [{"day": d.day.isoformat(), "status": d.status, "entries": d.entries} for d in self.days],
            "archive": {"compared": self.archive_compared, "entries_compared": self.archive_entries,
                        "pending": self.archive_pending},
        }


def verify(store: Store, start: date, end: date, archive: Archive | None = None,
           now: datetime | None = None) -> IntegrityReport:
    """Recompute seals and links for start..end and compare each sealed day with the entries held now;
    with `archive`, also compare every day (sealed or not) with the write-once archive."""
    first, latest = repo.first_seal(store), repo.latest_seal(store)
    report = IntegrityReport(start, end, first.day if first else None, latest.day if latest else None,
                             archive_compared=archive is not None)
    seals: dict[date, Seal] = {}
    if first and latest:
        lo, hi = max(start, first.day), min(end, latest.day)
        if lo <= hi:
            seals = {s.day: s for s in repo.seals_between(store, _before(lo) or lo, hi)}
    day = start
    while True:
        entries = day_entries(store, day) if (archive is not None or day in seals) else []
        if first is None or latest is None or not first.day <= day <= latest.day:
            day_report = DayReport(day, "unsealed", len(entries) if archive is not None else 0)
        elif day not in seals:
            day_report = DayReport(day, "failed", 0, [Finding(FindingKind.MISSING_SEAL, day,
                                                              detail="no seal inside the sealed span")])
        else:
            previous_day = _before(day)
            previous = seals.get(previous_day) if previous_day else None
            day_report = verify_day(seals[day], previous, day == first.day, entries)
        if archive is not None:
            compared = compare_day(store, archive, day, entries, now or datetime.now(UTC))
            report.archive_entries += compared.compared
            report.archive_pending += compared.pending
            if compared.findings:
                day_report.findings.extend(compared.findings)
                day_report.status = "failed"
        report.days.append(day_report)
        if day >= end:
            return report
        day += timedelta(days=1)


def check_range(start: date, end: date) -> None:
    if end < start:
        raise bad_request("The range ends before it starts.", FieldProblem("to", "must not be before from"))
    if (end - start).days >= VERIFY_MAX_DAYS:
        raise bad_request("Verify at most 366 days at a time.", FieldProblem("to", "range longer than 366 days"))


def configured_archive() -> Archive | None:
    """The write-once archive when this deployment has one (setting AUDIT_ARCHIVE_BUCKET)."""
    from chalicelib.core.settings import get_settings

    bucket = get_settings().audit_archive_bucket
    return S3Archive(bucket) if bucket else None


def verify_for_admin(ctx: Ctx, start: date, end: date, with_archive: bool = False,
                     archive: Archive | None = None) -> dict[str, Any]:
    """GET /audit/integrity: the report, itself audited like every report (§16.2). With `with_archive`,
    the table is also compared with the write-once archive (docs/audit.md)."""
    check_range(start, end)
    if with_archive:
        if (end - start).days >= ARCHIVE_API_MAX_DAYS:
            # One archive listing per day: keep a request well inside API Gateway's 29 s (the CLI and the
            # nightly job compare longer ranges).
            raise bad_request("Compare at most 31 days with the archive at a time.",
                              FieldProblem("to", "range longer than 31 days with archive=true"))
        archive = archive or configured_archive()
        if archive is None:
            raise bad_request("This deployment has no audit archive.", FieldProblem("archive", "no archive bucket"))
    report = verify(ctx.store, start, end, archive if with_archive else None, ctx.now())
    ctx.audit_read("audit", "INTEGRITY", bulk=True, report_code="AUDIT_INTEGRITY", format="json",
                   row_count=len(report.findings), archive=with_archive,
                   filters={"from": start.isoformat(), "to": end.isoformat()})
    return report.as_json()


def report_failures(report: IntegrityReport) -> None:
    """A failed verification is an error log line and a metric (an alarm watches AuditIntegrityFindings)."""
    metrics.add_metric(name="AuditIntegrityFindings", unit=MetricUnit.Count, value=len(report.findings))
    if not report.ok:
        kinds: dict[str, int] = {}
        for f in report.findings:
            kinds[f.kind.value] = kinds.get(f.kind.value, 0) + 1
        logger.error("audit integrity check failed", extra={
            "from": report.start.isoformat(), "to": report.end.isoformat(), "findings": len(report.findings),
            "kinds": kinds, "first_finding": report.findings[0].as_json()})


def nightly(store: Store, now: datetime, zone: ZoneInfo, local_hour: int,
            archive: Archive | None = None) -> dict[str, Any]:
    """The scheduled job. It is invoked hourly (EventBridge cron is UTC-only) and works only in the
    configured local hour, so "02:15 America/Los_Angeles" stays right across daylight-saving changes."""
    local = now.astimezone(zone)
    if local.hour != local_hour:
        return {"skipped": True, "local_time": local.isoformat()}
    outcomes = seal_due(store, now)
    metrics.add_metric(name="AuditDaysSealed", unit=MetricUnit.Count, value=sum(o.written for o in outcomes))
    first, latest = repo.first_seal(store), repo.latest_seal(store)
    report: IntegrityReport | None = None
    if first is not None and latest is not None:
        end = latest.day
        report = verify(store, max(end - timedelta(days=NIGHTLY_VERIFY_DAYS - 1), first.day), end, archive, now)
        report_failures(report)
    metrics.flush_metrics()
    return {"skipped": False, "sealed": [o.seal.day.isoformat() for o in outcomes if o.written],
            "verified": report.as_json() if report else None}


def nightly_job(event: Any) -> dict[str, Any]:
    """The scheduled entry point (app.py registers it): seal and verify in the configured local hour."""
    from chalicelib.core.settings import get_settings
    from chalicelib.core.store import get_store

    s = get_settings()
    return nightly(get_store(), datetime.now(UTC), s.zone, s.audit_seal_local_hour, configured_archive())
