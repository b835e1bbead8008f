"""The morning referral sheet (referral-rules MRS, S3.2, §5.3): per request of a book and referral date, the next
eligible candidates in queue order, who was skipped above them and why, and the outcomes recorded so far."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.core.context import Ctx
from chalicelib.core.errors import not_found
from chalicelib.referral import store as repo
from chalicelib.referral.domain.checkmarks import Outcome
from chalicelib.referral.domain.eligibility import RequestFacts
from chalicelib.referral.domain.registration import Registration
from chalicelib.referral.domain.round import skip_summary, walk
from chalicelib.referral.service import context

FACTS_BATCH = 50  # members per BatchGetItem (two items each)


def sheet(ctx: Ctx, book_code: str, referral_date: date) -> dict[str, Any]:
    """One Query for the sheet's requests, one for the queue, then members' facts in batches as the walks go
    down the queue (most sheets need one batch)."""
    book = context.books_by_code(ctx.store).get(book_code)
    if book is None:
        raise not_found("Book")
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    today = rules.calendar.local_date(now)
    requests = [q for q in repo.sheet(ctx.store, book_code, referral_date) if not q.by_name]
    queue = repo.full_queue(ctx.store, book_code)
    rnd = repo.round_of(ctx.store, book_code, referral_date)
    facts = context.Facts({}, {})
    fetched = 0

    def ensure(upto: int) -> None:
        nonlocal fetched
        while fetched < min(upto, len(queue)):
            chunk = [r.member_id for r in queue[fetched : fetched + FACTS_BATCH]]
            got = context.facts_from(chunk, ctx.store.get_many(context.fact_keys(chunk)))
            facts.members.update(got.members)
            facts.states.update(got.states)
            fetched += FACTS_BATCH

    out = []
    alternates = rules.local.sheet_alternates
    for q in requests:
        want = q.positions_remaining + alternates
        local_rules = rules.for_agreement(q.agreement_type)
        req_facts = RequestFacts(
            employer_id=q.employer_id,
            referral_date=q.referral_date,
            required_certifications=frozenset(q.required_certifications),
        )
        recorded = {rid: Outcome(o) for rid, o in q.outcomes.items()}
        span = FACTS_BATCH
        while True:
            ensure(span)
            part: list[Registration] = queue[:fetched]
            members = {r.member_id: facts.of(r.member_id, today) for r in part}
            w = walk(part, members, req_facts, recorded, frozenset(), local_rules, now, today, limit=want)
            opened = sum(1 for c in w.candidates if c.outcome is None and c.skip is None)
            if opened >= want or fetched >= len(queue):
                break
            span += FACTS_BATCH
        first_open = next((c.position for c in w.candidates if c.outcome is None and c.skip is None), None)
        out.append(
            {
                "request": q.model_dump(mode="json"),
                "generates_check_mark": q.generates_check_mark,
                "positions_remaining": q.positions_remaining,
                "candidates": [
                    {
                        "position": c.position,
                        "registration_id": c.registration_id,
                        "member_id": c.member_id,
                        "tier": c.tier,
                        "apn": c.apn,
                        "outcome": c.outcome.value if c.outcome else None,
                        "skip_reason": c.skip.value if c.skip else None,
                        "check_marks": next(r.check_mark_count for r in part if r.id == c.registration_id),
                        "name": _name(facts, c.member_id),
                    }
                    for c in w.candidates
                ],
                "skipped_above_first": skip_summary(w, first_open) if first_open else {},
            }
        )
    ctx.audit_read(
        "referral_sheet", f"{book_code}.{referral_date.isoformat()}", bulk=True, report_code="MRS", row_count=len(out)
    )
    return {
        "book": book.model_dump(mode="json"),
        "referral_date": referral_date.isoformat(),
        "round": rnd.model_dump(mode="json") if rnd else None,
        "queue_length": len(queue),
        "requests": out,
    }


def _name(facts: context.Facts, member_id: str) -> str | None:
    m = facts.members.get(member_id)
    return f"{m.last_name}, {m.first_name}" if m else None
