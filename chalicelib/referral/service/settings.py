"""Rule-set versions (referral-rules S9, Appendix A, §3.1): local, per-book and agreement-pack settings change with
an effective instant, by officers and admins, audited; every activity entry and decision records the version in
force. A change can be previewed before it takes effect: the book's queue and each member's treatment under the
proposed settings beside the current ones (the same pure rules on other settings), and what the last 30 days
would have looked like under them (S9's what-if).

Versions are complete and append-only: a new version is the latest one with the change applied, effective after
every existing version and not in the past, so no stored version is ever rewritten and none misses a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, bad_request, not_found
from chalicelib.core.store import versioned
from chalicelib.members.store import member_pk
from chalicelib.referral import store as repo
from chalicelib.referral.domain.preview import differences, generates_marks, treatment
from chalicelib.referral.domain.rules import BOOK_KEYS, RuleSet, SettingsProblem, changed, in_force
from chalicelib.referral.service import context

ENTITY = "rule_set"
WHAT_IF_DAYS = 30
FACTS_BATCH = 50


@dataclass(frozen=True)
class Change:
    effective_from: datetime | None
    reason: str
    local: dict[str, Any]
    books: dict[str, dict[str, Any]]
    packs: dict[str, dict[str, Any]]


def _summary(r: RuleSet) -> dict[str, Any]:
    return {
        "version": r.version,
        "effective_from": r.effective_from.isoformat() if r.effective_from else None,
        "reason": r.reason,
        "created_by": r.created_by,
        "created_at": r.created_at.isoformat() if r.created_at else None,
    }


def _stored(ctx: Ctx) -> list[RuleSet]:
    return repo.rule_sets(ctx.store)


def _start(r: RuleSet) -> datetime:
    return r.effective_from or datetime.min.replace(tzinfo=datetime.now().astimezone().tzinfo)


def view(ctx: Ctx) -> dict[str, Any]:
    """The version in force now (complete, with every book's effective settings), the scheduled ones (future
    effective instants, soonest first) and the earlier ones (newest first)."""
    now = ctx.now()
    versions = _stored(ctx) or [RuleSet()]
    current = in_force(versions, now)
    scheduled = sorted((v for v in versions if v.effective_from and v.effective_from > now), key=_start)
    earlier = sorted((v for v in versions if v is not current and v not in scheduled), key=_start, reverse=True)
    books = context.books_by_code(ctx.store, now)
    return {
        "current": current.model_dump(mode="json"),
        "books": [
            {"code": b.code, "name": b.name, **{k: getattr(b, k) for k in sorted(BOOK_KEYS)}} for b in books.values()
        ],
        "scheduled": [v.model_dump(mode="json") for v in scheduled],
        "history": [_summary(v) for v in earlier],
    }


def _proposal(ctx: Ctx, change: Change) -> tuple[list[RuleSet], RuleSet, RuleSet]:
    """(stored versions, the latest version, the proposed next version) — or 400 naming each wrong field, 409
    when a later version is already scheduled."""
    now = ctx.now()
    stored = _stored(ctx)
    versions = stored or [RuleSet()]
    latest = max(versions, key=_start)
    effective = change.effective_from or now
    if effective.tzinfo is None:
        effective = effective.replace(tzinfo=latest.calendar.zone)
    if effective < now:
        raise bad_request(
            "A settings change applies from now or later; it never rewrites past decisions.",
            FieldProblem("effective_from", "must not be in the past"),
        )
    if latest.effective_from is not None and effective <= latest.effective_from:
        raise AppError(
            409,
            "LATER_VERSION_SCHEDULED",
            f"Version {latest.version} takes effect {latest.effective_from.isoformat()}; a change must follow it.",
            [FieldProblem("effective_from", f"after {latest.effective_from.isoformat()}")],
        )
    catalogue = repo.catalogue(ctx.store)
    try:
        proposed = changed(
            latest,
            version=f"rules-{len(versions) + 1}",
            effective_from=effective,
            local=change.local,
            books=change.books,
            packs=change.packs,
            book_codes=frozenset(b.code for b in catalogue),
            reason=change.reason,
            created_by=ctx.caller.id,
            created_at=now,
        )
    except SettingsProblem as err:
        raise bad_request("Some settings are not valid.", *(FieldProblem(f, p) for f, p in err.problems)) from None
    same = ("local", "packs", "books")
    if all(getattr(proposed, k) == getattr(latest, k) for k in same):
        raise bad_request("Nothing would change.", FieldProblem("body", "no setting differs from the latest version"))
    return stored, latest, proposed


def change(ctx: Ctx, change: Change) -> dict[str, Any]:
    """S9: a new version, effective from `effective_from` (default now; future-dated allowed), audited with the
    old and new values. Two changes at once: the second is `409 CONCURRENT_UPDATE` (the version name is unique)."""
    stored, latest, proposed = _proposal(ctx, change)
    batch = ctx.store.batch()
    batch.create_unique(f"RULESETVERSION#{proposed.version}", proposed.version)
    if not stored:  # the rulebook's defaults become version 1, so every instant keeps a version in force
        batch.create_unique(f"RULESETVERSION#{latest.version}", latest.version)
        batch.put(latest)
    batch.put(proposed)
    batch.audit(
        ctx.audit_entry(
            AuditAction.CREATE,
            ENTITY,
            proposed.version,
            latest.model_dump(mode="json"),
            proposed.model_dump(mode="json"),
            previous_version=latest.version,
        )
    )
    versioned.commit(batch, duplicates=lambda _: versioned.stale(None, "rule set"))
    context.forget_cached()
    return proposed.model_dump(mode="json")


def preview(ctx: Ctx, change: Change, book_code: str) -> dict[str, Any]:
    """The proposed version beside the one in force now, written nowhere: each book's settings that change, then
    for `book_code` every registration in queue order (positions do not move: queue order is invariant) with its
    treatment now and under the proposal on the effective date, and S9's what-if over the last 30 days."""
    _, _, proposed = _proposal(ctx, change)
    now = ctx.now()
    current = context.rules_at(ctx.store, now)
    base = {b.code: b for b in repo.catalogue(ctx.store)}
    if book_code not in base:
        raise not_found("Book")
    settings = []
    for code, book in base.items():
        cur, new = current.book(book), proposed.book(book)
        diff = {
            k: {"current": getattr(cur, k), "proposed": getattr(new, k)}
            for k in sorted(BOOK_KEYS)
            if getattr(cur, k) != getattr(new, k)
        }
        if diff:
            settings.append({"book_code": code, "changes": diff})
    local_diff = {
        k: {"current": v, "proposed": proposed.local.model_dump(mode="json")[k]}
        for k, v in current.local.model_dump(mode="json").items()
        if proposed.local.model_dump(mode="json")[k] != v
    }
    at = proposed.effective_from or now
    day = proposed.calendar.local_date(at)
    book_now, book_then = current.book(base[book_code]), proposed.book(base[book_code])
    queue = repo.full_queue(ctx.store, book_code)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(queue), FACTS_BATCH):
        chunk = queue[start : start + FACTS_BATCH]
        ids = [r.member_id for r in chunk]
        facts = context.facts_from(ids, ctx.store.get_many(context.fact_keys(ids)))
        for n, reg in enumerate(chunk, start=start + 1):
            member = facts.members.get(reg.member_id)
            f = facts.of(reg.member_id, day)
            now_t = treatment(reg, f, current, book_now, day, at)
            then_t = treatment(reg, f, proposed, book_then, day, at)
            rows.append(
                {
                    "position": n,
                    "registration_id": reg.id,
                    "member_id": reg.member_id,
                    "name": f"{member.last_name}, {member.first_name}" if member else None,
                    "tier": reg.tier,
                    "apn": reg.apn_text,
                    "current": now_t.as_dict(),
                    "proposed": then_t.as_dict(),
                    "differs": differences(now_t, then_t),
                }
            )
    changed_rows = [r for r in rows if r["differs"]]
    counts: dict[str, int] = {}
    for r in changed_rows:
        for k in r["differs"]:
            counts[k] = counts.get(k, 0) + 1
    ctx.audit_read("rule_set_preview", book_code, bulk=True, row_count=len(rows), proposed=proposed.version)
    return {
        "current_version": current.version,
        "proposed": proposed.model_dump(mode="json"),
        "effective_from": at.isoformat(),
        "local_changes": local_diff,
        "book_changes": settings,
        "book_code": book_code,
        "queue": rows,
        "summary": {"registrations": len(rows), "treated_differently": len(changed_rows), "by_aspect": counts},
        "what_if": _what_if(ctx, book_code, current, proposed, now),
    }


def _what_if(ctx: Ctx, book_code: str, current: RuleSet, proposed: RuleSet, now: datetime) -> dict[str, Any]:
    """S9 (SHOULD): what the last 30 days of `book_code` would have looked like under the proposal — requests whose
    check-mark generation (R9.1, R11) flips, and the re-sign and check-mark roll-offs that would not have
    happened (grace or the mark limit longer). Roll-offs a *shorter* limit would have added are not derivable
    from the log and are not listed."""
    cal = current.calendar
    today = cal.local_date(now)
    requests = []
    for n in range(WHAT_IF_DAYS + 1):
        day = today - timedelta(days=n)
        for q in repo.sheet(ctx.store, book_code, day):
            before, after = generates_marks(q, current), generates_marks(q, proposed)
            if before != after:
                requests.append(
                    {
                        "request_id": q.id,
                        "number": q.number,
                        "referral_date": day.isoformat(),
                        "generates_check_mark": {"current": before, "proposed": after},
                    }
                )
    since = cal.at(today - timedelta(days=WHAT_IF_DAYS), datetime.min.time())
    entries = [
        e
        for e in repo.book_log(ctx.store, book_code, now)
        if e.occurred_at >= since
        and e.action == "ROLL_OFF"
        and e.reason_code in ("FAILED_RE_SIGN", "CHECK_MARKS")
        and e.registration_id
    ]
    keys: list[Any] = [
        (repo.REGISTRATIONS, (member_pk(e.member_id), f"REG#{book_code}#{e.registration_id}")) for e in entries
    ]
    regs = ctx.store.get_many(keys) if keys else []
    base = repo.book(ctx.store, book_code)
    assert base is not None
    book_then = proposed.book(base)
    kept = []
    for e, reg in zip(entries, regs, strict=True):
        if reg is None:
            continue
        run = cal.local_date(e.occurred_at)
        if e.reason_code == "FAILED_RE_SIGN":
            grace_end = reg.re_sign_due_date + timedelta(days=book_then.grace_period_days)
            if run <= grace_end:
                kept.append(
                    {
                        "registration_id": reg.id,
                        "member_id": reg.member_id,
                        "rolled_off": run.isoformat(),
                        "reason": "FAILED_RE_SIGN",
                        "proposed_grace_end": grace_end.isoformat(),
                    }
                )
        elif reg.check_mark_count <= book_then.max_check_marks:
            kept.append(
                {
                    "registration_id": reg.id,
                    "member_id": reg.member_id,
                    "rolled_off": run.isoformat(),
                    "reason": "CHECK_MARKS",
                    "marks": reg.check_mark_count,
                }
            )
    return {"days": WHAT_IF_DAYS, "requests": requests, "roll_offs_avoided": kept}
