"""What the board and the member portal read about books and registrations (referral-rules §5.1, §3.2.4, §10.1):
books with tier counts, a book's queue (a page at a time, or rebuilt as of a past instant from the activity log),
a member's registrations with live positions, a book's activity log.

Positions are derived, never stored (§5.1): a page of the queue is one Query in queue-key order, and its first
position is one COUNT of the keys up to it — every later row on the page is the next position. A member's
position on a book is the same COUNT.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from chalicelib.core.context import Ctx
from chalicelib.core.errors import FieldProblem, bad_request, not_found
from chalicelib.core.store import Page, Query
from chalicelib.members import service as members
from chalicelib.members import store as members_repo
from chalicelib.members.domain import Member, name_key
from chalicelib.referral import store as repo
from chalicelib.referral.domain import Book
from chalicelib.referral.domain.apn import format_apn
from chalicelib.referral.domain.queue import QueueRow, rebuild
from chalicelib.referral.domain.records import ActivityEntry
from chalicelib.referral.domain.registration import LIVE, Registration, RegStatus
from chalicelib.referral.domain.rules import RuleSet
from chalicelib.referral.service import context

FIRST_PAGE = 100  # the board's first page of a queue
SEARCH_LIMIT = 200  # rows a name or card-number search returns
_CARD = re.compile(r"^\d{7}$")


def _book(ctx: Ctx, code: str, at: datetime | None = None) -> Book:
    book = context.books_by_code(ctx.store, at or ctx.now()).get(code)
    if book is None:
        raise not_found("Book")
    return book


def _labels(rules: RuleSet) -> dict[int, str]:
    return dict(enumerate(rules.local.tier_labels, start=1))


# -- books with counts (§3.2.4, B-01S) -----------------------------------------------------------------------


def books(ctx: Ctx, on: date | None = None) -> list[dict[str, Any]]:
    """Every book in morning order with the settings in force on `on` (default now; R2.2: a moved slot shows
    from its effective date) and the counts of its live registrations now, tiers 1–4 always present (zeros too):
    REGISTERED (the queue, of which exempt today), DISPATCHED and PENDING_REREGISTRATION."""
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    cal = rules.calendar
    today = cal.local_date(now)
    at = cal.at(on, datetime.min.time()) if on else now
    labels = dict(enumerate(context.rules_at(ctx.store, at).local.tier_labels, start=1))
    out = []
    for book in context.books_by_code(ctx.store, at).values():
        kinds = ("registered", "exempt", "dispatched", "pending_reregistration", "live")
        counts: dict[int, dict[str, int]] = {t: dict.fromkeys(kinds, 0) for t in range(1, 5)}
        for item in repo.queue_tiers(ctx.store, book.code):
            row = counts[int(item["tier"])]
            row["registered"] += 1
            row["exempt"] += any(
                e.get("status") == "ACTIVE" and e["start"] <= today.isoformat() <= e["end"]
                for e in item.get("exemptions") or []
            )
        for status, name in (
            (RegStatus.DISPATCHED, "dispatched"),
            (RegStatus.PENDING_REREGISTRATION, "pending_reregistration"),
        ):
            for t in repo.status_tiers(ctx.store, book.code, status):
                counts[t][name] += 1
        for row in counts.values():
            row["live"] = row["registered"] + row["dispatched"] + row["pending_reregistration"]
        tiers = [{"tier": t, "label": labels.get(t, f"Book {t}"), **row} for t, row in counts.items()]
        totals = {k: sum(r[k] for r in counts.values()) for k in kinds}
        out.append({**book.model_dump(mode="json"), "counts": {"tiers": tiers, **totals}})
    return out


# -- a book's queue (§5.1) -----------------------------------------------------------------------------------


def _names(ctx: Ctx, member_ids: list[str]) -> dict[str, Member | None]:
    ids = list(dict.fromkeys(member_ids))
    keys = [(members_repo.MEMBERS, (members_repo.member_pk(m), members_repo.PROFILE)) for m in ids]
    return dict(zip(ids, ctx.store.get_many(keys), strict=True)) if keys else {}


def _row(
    reg: Registration, position: int | None, member: Member | None, labels: dict[int, str], book: Book, today: date
) -> dict[str, Any]:
    exemption = reg.exemption_on(today)
    return {
        "position": position,
        "registration_id": reg.id,
        "member_id": reg.member_id,
        "name": f"{member.last_name}, {member.first_name}" if member else None,
        "member_number": member.member_number if member else None,
        "tier": reg.tier,
        "tier_label": labels.get(reg.tier),
        "apn": reg.apn_text,
        "registered_at": reg.registered_at.isoformat(),
        "status": reg.status.value,
        "check_marks": reg.check_mark_count,
        "max_check_marks": book.max_check_marks,
        "exempt": exemption.model_dump(mode="json") if exemption else None,
        "last_re_sign_at": reg.last_re_sign_at.isoformat(),
        "re_sign_due_date": reg.re_sign_due_date.isoformat(),
        "grace_end_date": reg.grace_end_date.isoformat(),
        "counted_restorations": reg.counted_restorations,
        "version": reg.version,
    }


def _search_ids(ctx: Ctx, text: str) -> set[str]:
    """A card number (7 digits) or the start of a name ("SPARKS", "Sparks, J")."""
    text = text.strip()
    if _CARD.match(text):
        found = members_repo.get_by_number(ctx.store, text)
        return {found.id} if found else set()
    last, _, first = text.partition(",")
    prefix = name_key(last.strip(), first.strip()) if first.strip() else name_key(last.strip()).rstrip("|")
    page = members_repo.search(ctx.store, members_repo.MemberQuery(name_prefix=prefix), SEARCH_LIMIT, None)
    return {m.id for m in page.items}


def queue(
    ctx: Ctx,
    book_code: str,
    *,
    tier: int | None = None,
    status: str = RegStatus.REGISTERED.value,
    search: str | None = None,
    limit: int = FIRST_PAGE,
    cursor: str | None = None,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """B-01 on the board: the book's queue in queue order with each row's live position (a page at a time), or
    the rows of one tier, or the members a name/card search finds (their real positions); `status` DISPATCHED or
    PENDING_REREGISTRATION lists those registrations (APN order, no position: they are not in the queue);
    `as_of` rebuilds the queue at a past instant from the activity log (§10.1)."""
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    book = _book(ctx, book_code)
    labels = _labels(rules)
    today = rules.calendar.local_date(now)
    if as_of is not None:
        return _as_of(ctx, book, as_of, tier, search, limit, cursor, labels)
    if status != RegStatus.REGISTERED.value:
        page = ctx.store.query(
            repo.REGISTRATIONS,
            Query(f"REGBOOK#{book_code}#{status}", index="GSI2"),
            limit,
            cursor,
        )
        regs: list[Registration] = [r for r in page.items if tier is None or r.tier == tier]
        names = _names(ctx, [r.member_id for r in regs])
        rows = [_row(r, None, names.get(r.member_id), labels, book, today) for r in regs]
        return _page(ctx, book, rows, page.next_cursor, {"status": status, "tier": tier})
    if search:
        wanted = _search_ids(ctx, search)
        full = repo.full_queue(ctx.store, book_code)
        hits = [
            (n, r) for n, r in enumerate(full, start=1) if r.member_id in wanted and (tier is None or r.tier == tier)
        ]
        names = _names(ctx, [r.member_id for _, r in hits])
        rows = [_row(r, n, names.get(r.member_id), labels, book, today) for n, r in hits[:SEARCH_LIMIT]]
        return _page(ctx, book, rows, None, {"search": search, "tier": tier})
    page = (
        repo.tier_page(ctx.store, book_code, tier, limit, cursor)
        if tier is not None
        else repo.queue_page(ctx.store, book_code, limit, cursor)
    )
    offset = 0
    if page.items and (cursor is not None or tier is not None):
        offset = repo.position(ctx.store, page.items[0]) - 1
    names = _names(ctx, [r.member_id for r in page.items])
    rows = [_row(r, offset + n, names.get(r.member_id), labels, book, today) for n, r in enumerate(page.items, 1)]
    return _page(ctx, book, rows, page.next_cursor, {"tier": tier})


def _page(
    ctx: Ctx, book: Book, rows: list[dict[str, Any]], next_cursor: str | None, params: dict[str, Any]
) -> dict[str, Any]:
    ctx.audit_read(
        "referral_queue",
        book.code,
        bulk=True,
        row_count=len(rows),
        **{k: v for k, v in params.items() if v is not None},
    )
    return {"book_code": book.code, "book_name": book.name, "items": rows, "next_cursor": next_cursor}


def _as_of(
    ctx: Ctx,
    book: Book,
    as_of: datetime,
    tier: int | None,
    search: str | None,
    limit: int,
    cursor: str | None,
    labels: dict[int, str],
) -> dict[str, Any]:
    """§10.1, §13.1.3: the queue as it stood at `as_of`, replayed from the book's activity entries up to it.
    Paged by offset (a past queue never changes)."""
    if as_of > ctx.now():
        raise bad_request("The queue of the future is not known yet.", FieldProblem("as_of", "must not be later"))
    try:
        offset = int(cursor or 0)
    except ValueError:
        raise bad_request("Not a cursor of this list.", FieldProblem("cursor", "invalid")) from None
    rows = rebuild(repo.book_log(ctx.store, book.code, as_of), as_of)
    placed: list[tuple[int, QueueRow]] = list(enumerate(rows, start=1))
    if tier is not None:
        placed = [(n, r) for n, r in placed if r.tier == tier]
    if search:
        wanted = _search_ids(ctx, search)
        placed = [(n, r) for n, r in placed if r.member_id in wanted]
    chunk = placed[offset : offset + limit]
    names = _names(ctx, [r.member_id for _, r in chunk])
    items = [
        {
            "position": n,
            "registration_id": r.registration_id,
            "member_id": r.member_id,
            "name": (lambda m: f"{m.last_name}, {m.first_name}" if m else None)(names.get(r.member_id)),
            "tier": r.tier,
            "tier_label": labels.get(r.tier),
            "apn": format_apn(r.apn),
            "registered_at": r.registered_at.isoformat(),
        }
        for n, r in chunk
    ]
    more = offset + limit < len(placed)
    out = _page(
        ctx,
        book,
        items,
        str(offset + limit) if more else None,
        {"as_of": as_of.isoformat(), "tier": tier, "search": search},
    )
    return {**out, "as_of": as_of.isoformat(), "total": len(placed)}


# -- a member's registrations (AP-04 on the board and in the portal) -------------------------------------------


def member_registrations(ctx: Ctx, member_id: str) -> dict[str, Any]:
    """The member's registrations, live ones first in book order, each REGISTERED one with its live position
    (one COUNT each), exemption, re-sign dates, whether it can be re-signed now, and its latest confirmation;
    then the member's intakes still held or refused. A member reaches only their own (route `own=`)."""
    members.ensure_can_read(ctx, member_id)
    if members_repo.get(ctx.store, member_id) is None:
        raise not_found("Member")
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    today = rules.calendar.local_date(now)
    books_now = context.books_by_code(ctx.store, now)
    order = {code: n for n, code in enumerate(books_now)}
    labels = _labels(rules)
    regs = repo.registrations_of(ctx.store, member_id)
    confirmations: dict[str, str] = {}
    for entry in repo.member_log(ctx.store, member_id, 100, None).items:  # newest first
        if entry.registration_id and entry.confirmation and entry.registration_id not in confirmations:
            confirmations[entry.registration_id] = entry.confirmation
    live = sorted((r for r in regs if r.status in LIVE), key=lambda r: (order.get(r.book_code, 999), r.book_code))
    closed = sorted((r for r in regs if r.status not in LIVE), key=lambda r: r.updated_at, reverse=True)
    items = []
    for r in live + closed:
        book = books_now.get(r.book_code)
        exemption = r.exemption_on(today)
        registered = r.status is RegStatus.REGISTERED
        items.append(
            {
                **r.model_dump(mode="json"),
                "book_name": book.name if book else r.book_code,
                "tier_label": labels.get(r.tier),
                "position": repo.position(ctx.store, r) if registered else None,
                "exempt": exemption.model_dump(mode="json") if exemption else None,
                "can_re_sign": registered and today <= r.grace_end_date,
                "can_re_sign_on_web": registered
                and today <= r.grace_end_date
                and "web" in rules.local.re_sign_channels,
                "confirmation": confirmations.get(r.id),
            }
        )
    intakes = [
        i.model_dump(mode="json") for i in repo.intakes_of(ctx.store, member_id) if i.status.value != "PROCESSED"
    ]
    ctx.audit_read("registration", member_id, bulk=True, report_code="AP-04", row_count=len(items))
    return {"items": items, "intakes": intakes}


# -- a book's activity log (§10.1) ------------------------------------------------------------------------------


def book_activity(ctx: Ctx, book_code: str, limit: int, cursor: str | None) -> Page[ActivityEntry]:
    _book(ctx, book_code)
    page = repo.book_log_page(ctx.store, book_code, limit, cursor)
    ctx.audit_read("referral_activity", book_code, bulk=True, row_count=len(page.items))
    return page
