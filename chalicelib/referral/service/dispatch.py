"""The morning round and dispatch (referral-rules S2, S3, §5.4, §10.3): open a round, record outcomes, dispatch.

A dispatch makes three DynamoDB calls in the common case (benchmarked as `ddb_requests_per_dispatch`): one
Query of the book's queue head, one BatchGetItem (the request, the round, the day's dispatch counter, the
member's employment timeline and the facts of every member at or above the chosen one), and one
TransactWriteItems with every change (S2.1). Two dispatchers acting at once: the transaction's conditions
let one through; the other re-reads and re-decides (at most `ATTEMPTS` times) — refused with the rule that now
applies (`ALREADY_DISPATCHED`, `REQUEST_NOT_OPEN`, `OUT_OF_ORDER`) or, if the state kept moving, the 409.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import (
    AppError,
    DuplicateKey,
    FieldProblem,
    StaleVersion,
    conflict,
    not_found,
    unprocessable,
)
from chalicelib.core.ids import new_ulid
from chalicelib.core.store import versioned
from chalicelib.employment import service as employment
from chalicelib.employment import store as employment_repo
from chalicelib.employment.domain import EmploymentRecord
from chalicelib.referral import store as repo
from chalicelib.referral.domain.checkmarks import Outcome
from chalicelib.referral.domain.decisions import CandidateRow, DecisionRecord
from chalicelib.referral.domain.eligibility import RequestFacts
from chalicelib.referral.domain.records import DayCounter, Dispatch, Method, ReferralState, Round, RoundStatus
from chalicelib.referral.domain.registration import Action, Refused, Registration
from chalicelib.referral.domain.requests import NoMarkReason, RequestAction, dispatch_number, request_next_status
from chalicelib.referral.domain.round import Selection, Walk, select, walk
from chalicelib.referral.service import changes, context, exemptions

ATTEMPTS = 3
QUEUE_PAGE = 100
ENTITY_REG, ENTITY_REQ, ENTITY_DISPATCH, ENTITY_ROUND = "registration", "labor_request", "dispatch", "referral_round"


def refused(err: Refused, status: int = 409) -> AppError:
    fields = [FieldProblem(err.field, err.message)] if err.field else []
    return AppError(status, err.code, err.message, fields)


# -- rounds ----------------------------------------------------------------------------------------


def open_round(ctx: Ctx, book_code: str, referral_date: date) -> Round:
    """S3.1, R2.3: a dispatcher opens the round at or after the book's slot on the referral date."""
    book = context.books_by_code(ctx.store).get(book_code)
    if book is None:
        raise not_found("Book")
    rules = context.rules_at(ctx.store, ctx.now())
    cal = rules.calendar
    from chalicelib.referral.domain.calendar import parse_hhmm

    slot = cal.at(referral_date, parse_hhmm(book.referral_start_time))
    if ctx.now() < slot:
        raise AppError(
            409,
            "ROUND_TOO_EARLY",
            f"The {book.name} round opens at {book.referral_start_time}.",
            [FieldProblem("referral_date", "before the book's referral start time")],
        )
    current = repo.round_of(ctx.store, book_code, referral_date)
    now = ctx.now()
    if current is not None and current.status is not RoundStatus.NOT_STARTED:
        return current
    base = current or Round(
        book_code=book_code, referral_date=referral_date, created_at=now.isoformat(), updated_at=now.isoformat()
    )
    after = base.model_copy(
        update={
            "status": RoundStatus.IN_PROGRESS,
            "opened_at": now,
            "opened_by": ctx.caller.id,
            "updated_at": now.isoformat(),
        }
    )
    batch = ctx.store.batch()
    batch.put(after, current.version if current else None)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE if current else AuditAction.CREATE,
            ENTITY_ROUND,
            f"{book_code}.{referral_date.isoformat()}",
            base.model_dump(mode="json") if current else {},
            after.model_dump(mode="json"),
        )
    )
    versioned.commit(batch, current=lambda: _round_json(ctx, book_code, referral_date), what="round")
    return after.model_copy(update={"version": (current.version + 1) if current else 1})


def _round_json(ctx: Ctx, book_code: str, referral_date: date) -> dict[str, Any] | None:
    r = repo.round_of(ctx.store, book_code, referral_date)
    return r.model_dump(mode="json") if r else None


# -- dispatch --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchCommand:
    book_code: str
    referral_date: date
    request_id: str
    registration_id: str
    pass_above: bool = False
    override_reason: str | None = None
    method: Method = Method.MORNING_REFERRAL


@dataclass
class Reads:
    """What one dispatch attempt read: 2 calls (queue page(s), one batch)."""

    queue: list[Registration]
    request: Any
    round: Round | None
    counter: DayCounter | None
    timeline: Any
    facts: context.Facts
    calls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _read(ctx: Ctx, cmd: DispatchCommand) -> Reads:
    """The queue head down to the chosen registration, then everything else in one batch."""
    queue: list[Registration] = []
    cursor, calls = None, 0
    while True:
        page = repo.queue_page(ctx.store, cmd.book_code, QUEUE_PAGE, cursor)
        calls += 1
        queue.extend(page.items)
        cursor = page.next_cursor
        if any(r.id == cmd.registration_id for r in page.items) or not cursor:
            break
    upto = next((n for n, r in enumerate(queue) if r.id == cmd.registration_id), None)
    if upto is None:
        raise AppError(
            409,
            "NOT_IN_QUEUE",
            "That registration is not in this book's queue.",
            [FieldProblem("registration_id", "not REGISTERED on this book")],
        )
    queue = queue[: upto + 1]
    chosen = queue[-1]
    members = [r.member_id for r in queue]
    wanted: list[Any] = [
        (repo.REQUESTS, (f"REQUEST#{cmd.request_id}", "PROFILE")),
        (repo.ROUNDS, (f"ROUND#{cmd.book_code}#{cmd.referral_date.isoformat()}", "ROUND")),
        (repo.DAY_COUNTERS, repo.day_counter_key(f"DSP#{cmd.referral_date.isoformat()}")),
        (employment_repo.TIMELINES, employment_repo.timeline_key(chosen.member_id)),
        *context.fact_keys(members),
    ]
    values = ctx.store.get_many(wanted, consistent=True)
    calls += (len(wanted) + 99) // 100
    return Reads(queue, values[0], values[1], values[2], values[3], context.facts_from(members, values[4:]), calls)


def dispatch(ctx: Ctx, cmd: DispatchCommand) -> dict[str, Any]:
    """S2 / S3.3 / §5.4. Returns the dispatch, its decision record and the DynamoDB calls it made."""
    last: AppError | None = None
    for _ in range(ATTEMPTS):
        reads = _read(ctx, cmd)
        try:
            return _attempt(ctx, cmd, reads)
        except StaleVersion:
            last = _why_refused(ctx, cmd)
            if last.code != versioned.CONCURRENT_UPDATE:
                raise last from None
        except DuplicateKey:
            raise AppError(
                409,
                "ALREADY_WORKING",
                "This member has a current job on record; end it first.",
                [FieldProblem("registration_id", "has a current employment record")],
            ) from None
    assert last is not None
    raise last


def _why_refused(ctx: Ctx, cmd: DispatchCommand) -> AppError:
    """After a lost race: name the rule that now refuses, or the generic 409 (the caller re-tries)."""
    chosen = next((r for r in repo.full_queue(ctx.store, cmd.book_code) if r.id == cmd.registration_id), None)
    if chosen is not None:
        state = repo.referral_state(ctx.store, chosen.member_id)
        if state and state.open_dispatch_id:
            return AppError(
                409,
                "ALREADY_DISPATCHED",
                "This member was dispatched a moment ago.",
                [FieldProblem("registration_id", "already dispatched")],
            )
    request = repo.labor_request(ctx.store, cmd.request_id)
    if request is not None and not request.is_open:
        return AppError(
            409,
            "REQUEST_NOT_OPEN",
            "This request was filled a moment ago.",
            [FieldProblem("request_id", request.status.value)],
            {"current": request.model_dump(mode="json")},
        )
    return versioned.stale(None, "referral sheet")


def _attempt(ctx: Ctx, cmd: DispatchCommand, reads: Reads) -> dict[str, Any]:
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    local_rules = rules.for_agreement(reads.request.agreement_type) if reads.request else rules.local
    cal = rules.calendar
    request = reads.request
    if request is None or request.book_code != cmd.book_code or request.referral_date != cmd.referral_date:
        raise not_found("Labor request")
    if not request.is_open or request.positions_remaining <= 0:
        raise AppError(
            409,
            "REQUEST_NOT_OPEN",
            "This request is not open for dispatch.",
            [FieldProblem("request_id", request.status.value)],
        )
    if request.by_name:
        raise AppError(
            409,
            "BY_NAME_REQUEST",
            "A by-name request is dispatched to the named member (R13).",
            [FieldProblem("request_id", "by-name")],
        )
    today = cal.local_date(now)
    if request.emergency:
        method = Method.EMERGENCY
    elif reads.round is not None and reads.round.status is RoundStatus.COMPLETED:
        # S3.5, S1.4: once the round is over, a position still open is filled by an emergency walk in queue
        # order; it charges no marks (the round's charges are done).
        method = Method.EMERGENCY
    else:
        if reads.round is not None and reads.round.status is RoundStatus.COMPLETING:
            raise AppError(
                409,
                "ROUND_COMPLETING",
                "This round is being completed; dispatch again once it has completed (emergency walk).",
                [FieldProblem("referral_date", "the round is completing")],
            )
        if reads.round is None or reads.round.status is not RoundStatus.IN_PROGRESS:
            raise AppError(
                409,
                "ROUND_NOT_OPEN",
                "Open this book's round for the referral date first (S3.1).",
                [FieldProblem("referral_date", "the round is not in progress")],
            )
        if today < request.referral_date:
            raise AppError(
                409,
                "ROUND_TOO_EARLY",
                "This request is referred on its referral date.",
                [FieldProblem("referral_date", "in the future")],
            )
        method = cmd.method
    facts_of = {r.member_id: reads.facts.of(r.member_id, today) for r in reads.queue}
    req_facts = RequestFacts(
        employer_id=request.employer_id,
        referral_date=request.referral_date,
        required_certifications=frozenset(request.required_certifications),
    )
    recorded = {rid: Outcome(o) for rid, o in request.outcomes.items()}
    w = walk(reads.queue, facts_of, req_facts, recorded, frozenset(), local_rules, now, today)
    try:
        sel = select(w, cmd.registration_id, pass_above=cmd.pass_above, override_reason=cmd.override_reason)
    except Refused as err:
        raise refused(err) from None
    return commit_dispatch(ctx, cmd, reads, rules, w, sel, method, today)


def commit_dispatch(
    ctx: Ctx,
    cmd: DispatchCommand,
    reads: Reads,
    rules: Any,
    w: Walk,
    sel: Selection,
    method: Method,
    today: date,
    *,
    by_name: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything S2.1 writes, in one transaction. `by_name` (R13): the dispatcher's anti-collusion confirmation
    and the member's attestation — the dispatch, its employment record and its BY_NAME decision say so."""
    now, iso = ctx.now(), ctx.now().isoformat()
    request = reads.request
    chosen = next(r for r in reads.queue if r.id == sel.chosen.registration_id)
    counter = reads.counter or DayCounter(
        name=f"DSP#{cmd.referral_date.isoformat()}", created_at=iso, updated_at=iso, version=0
    )
    number = dispatch_number(cmd.referral_date, counter.value + 1)
    dispatch_id, decision_id, job_id = new_ulid(), new_ulid(), new_ulid()
    outcome = (
        Outcome.DISPATCHED_BY_NAME
        if by_name is not None
        else Outcome.DISPATCHED_IN_PERSON
        if method in (Method.MORNING_REFERRAL, Method.EMERGENCY)
        else Outcome.DISPATCHED_BID
    )
    outcomes = {
        **request.outcomes,
        chosen.id: outcome.value,
        **{c.registration_id: Outcome.PASSED.value for c in sel.passed_above},
    }
    under_scale = NoMarkReason.UNDER_SCALE in request.no_mark_reasons
    check_in = method.value in rules.local.check_in_required_methods
    d = Dispatch(
        id=dispatch_id,
        number=number,
        request_id=request.id,
        request_number=request.number,
        registration_id=chosen.id,
        member_id=chosen.member_id,
        employer_id=request.employer_id,
        employer_name=request.employer_name,
        book_code=chosen.book_code,
        tier=chosen.tier,
        apn=chosen.apn_text,
        queue_position=sel.chosen.position,
        method=method,
        referral_date=request.referral_date,
        start_date=request.effective_start_date,
        start_time=request.start_time.isoformat() if request.start_time else None,
        job_class=request.job_class,
        worksite_name=request.worksite_name,
        report_to=request.report_to,
        wage_rate=request.wage_rate,
        contract_code=request.contract_code,
        agreement_type=request.agreement_type.value,
        short_call=request.short_call,
        by_name=by_name is not None,
        under_scale=under_scale,
        check_in_required=check_in,
        check_in_deadline=rules.calendar.at(request.referral_date, rules.local.check_in_deadline_time)
        if check_in
        else None,
        out_of_order_reason=sel.override_reason,
        decision_id=decision_id,
        employment_id=job_id,
        dispatched_at=now,
        dispatched_by=ctx.caller.id,
        rule_set_version=rules.version,
        created_at=iso,
        updated_at=iso,
    )
    rnd = reads.round or Round(
        book_code=cmd.book_code, referral_date=cmd.referral_date, created_at=iso, updated_at=iso, version=0
    )
    rows = [
        CandidateRow(
            position=c.position,
            registration_id=c.registration_id,
            member_id=c.member_id,
            tier=c.tier,
            apn=c.apn,
            registered_at=c.registered_at,
            outcome=(
                outcome.value
                if c.registration_id == chosen.id
                else Outcome.PASSED.value
                if any(p.registration_id == c.registration_id for p in sel.passed_above)
                else (c.outcome.value if c.outcome else None)
            ),
            skip_reason=c.skip.value if c.skip else None,
            bid=c.bid,
        )
        for c in w.candidates
    ]
    decision = DecisionRecord(
        id=decision_id,
        kind="BY_NAME" if by_name is not None else "DISPATCH",
        book_code=cmd.book_code,
        referral_date=cmd.referral_date,
        request_id=request.id,
        round_id=f"{cmd.book_code}.{cmd.referral_date.isoformat()}",
        method=method.value,
        dispatch_id=dispatch_id,
        selected_registration_id=chosen.id,
        rule_set_version=rules.version,
        rule_pack_version=rules.pack(request.agreement_type).version,
        snapshot_at=now,
        candidates=rows,
        out_of_order_override=sel.override_reason,
        by_name=by_name,
        actor_id=ctx.caller.id,
        sequence=rnd.chain_sequence + 1,
        prev_hash=rnd.chain_head,
    ).sealed()
    dispatched = request.positions_dispatched + 1
    status = request_next_status(
        request.status, RequestAction.FILL, requested=request.positions_requested, dispatched=dispatched
    )
    req_after = request.model_copy(
        update={
            "positions_dispatched": dispatched,
            "status": status,
            "outcomes": outcomes,
            "updated_at": iso,
        }
    )
    state = reads.facts.states.get(chosen.member_id)
    state_after = (state or ReferralState(member_id=chosen.member_id, created_at=iso, updated_at=iso)).model_copy(
        update={"open_dispatch_id": dispatch_id, "updated_at": iso}
    )
    job = EmploymentRecord(
        id=job_id,
        member_id=chosen.member_id,
        employer_id=request.employer_id,
        employer_name=request.employer_name,
        worksite=request.worksite_name,
        start_date=request.effective_start_date,
        job_class=request.job_class,
        hourly_rate=request.wage_rate,
        source="dispatch",
        book=chosen.book_code,
        request_number=request.number,
        dispatch_number=number,
        short_call=request.short_call,
        by_name=by_name is not None,
        created_at=iso,
        updated_at=iso,
    )

    batch = ctx.store.batch()
    changes.stage_transition(
        ctx,
        batch,
        rules,
        chosen,
        Action.DISPATCH,
        reason_code=method.value,
        reason=sel.override_reason,
        request_id=request.id,
        dispatch_id=dispatch_id,
        open_dispatch_id=dispatch_id,
    )
    batch.put(req_after, request.version)
    batch.put(
        rnd.model_copy(update={"chain_sequence": decision.sequence, "chain_head": decision.hash, "updated_at": iso}),
        rnd.version or None,
    )
    batch.put(counter.model_copy(update={"value": counter.value + 1, "updated_at": iso}), counter.version or None)
    batch.put(state_after, state.version if state else None)
    batch.put(d)
    batch.put(decision)
    employment.add_dispatch_job(ctx, batch, job, reads.timeline)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE,
            ENTITY_REQ,
            request.id,
            {"positions_dispatched": request.positions_dispatched, "status": request.status.value},
            {"positions_dispatched": dispatched, "status": req_after.status.value},
        )
    )
    batch.audit(
        ctx.audit_entry(
            AuditAction.CREATE,
            ENTITY_DISPATCH,
            dispatch_id,
            {},
            d.model_dump(mode="json"),
            decision_id=decision_id,
            out_of_order=bool(sel.override_reason),
        )
    )
    batch.commit()
    # R14.6: an under-scale dispatch exempts the member's other REGISTERED books, one transaction per
    # registration after the dispatch's (so a normal dispatch stays at three calls). A failure here leaves the
    # dispatch standing and is logged; `exempt_other_books_for_under_scale` is safe to repeat.
    exempted = exemptions.exempt_other_books_for_under_scale(ctx, d) if d.under_scale else []
    return {
        "dispatch": d.model_copy(update={"version": 1}).model_dump(mode="json"),
        "decision": decision.model_dump(mode="json"),
        "ddb_calls": reads.calls + 1,
        "flags": ["OUT_OF_ORDER_OVERRIDE"] if sel.override_reason else [],
        "exempted_registrations": exempted,
    }


def record_outcome(
    ctx: Ctx, book_code: str, referral_date: date, request_id: str, registration_id: str, outcome: Outcome, version: int
) -> dict[str, Any]:
    """S3.3: the dispatcher records PASSED or EMPLOYER_REJECTED for the next open candidate (in order)."""
    if outcome not in (Outcome.PASSED, Outcome.EMPLOYER_REJECTED):
        raise unprocessable("INVALID_OUTCOME", "Only PASSED or EMPLOYER_REJECTED are recorded by hand.")
    request = repo.labor_request(ctx.store, request_id)
    if request is None or request.book_code != book_code or request.referral_date != referral_date:
        raise not_found("Labor request")
    versioned.require_version(version, request.version, lambda: request.model_dump(mode="json"), "request")
    if not request.is_open:
        raise conflict("REQUEST_NOT_OPEN", "This request is not open.")
    iso = ctx.now().isoformat()
    after = request.model_copy(
        update={"outcomes": {**request.outcomes, registration_id: outcome.value}, "updated_at": iso}
    )
    batch = ctx.store.batch()
    batch.put(after, request.version)
    batch.audit(
        ctx.audit_entry(AuditAction.UPDATE, ENTITY_REQ, request.id, {}, {"outcome": {registration_id: outcome.value}})
    )
    versioned.commit(
        batch,
        current=lambda: (repo.labor_request(ctx.store, request_id) or request).model_dump(mode="json"),
        what="request",
    )
    return after.model_copy(update={"version": request.version + 1}).model_dump(mode="json")
