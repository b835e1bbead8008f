"""Completing a referral round (referral-rules S3.5, S3.6, S4, R10) and the round's read side (its decision
chain, the morning overview of R2).

Completion is resumable and idempotent, one small transaction at a time (S11):
1. the round moves IN_PROGRESS → COMPLETING under its version, once every request on the sheet is filled or
   fully walked (S3.6): from then on nothing is dispatched in the round;
2. per request, in sheet order: a CHECK_MARKS decision record chained to the day's records (who passed, who is
   charged, who is SUPPRESSED_SAME_DAY, t*), written with the request (its passes archived) — then each charge in
   its own transaction: the check-mark item (its key is the registration and the day, so a registration can
   never hold two marks of one day) with the registration's count or roll-off, activity and audit (S4.6);
3. the sheet's pending bids become NOT_SELECTED;
4. the round becomes COMPLETED with a ROUND_COMPLETED record whose hash seals the day's chain.
A second call, or a call racing the first, finds each step done (the record exists, the mark exists, the version
moved) and goes on from there: no registration is charged twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, StaleVersion, not_found
from chalicelib.core.ids import new_ulid
from chalicelib.core.observability import logger
from chalicelib.core.store import versioned
from chalicelib.members.store import member_pk
from chalicelib.referral import store as repo
from chalicelib.referral.domain import Book
from chalicelib.referral.domain.bids import BidStatus
from chalicelib.referral.domain.calendar import parse_hhmm
from chalicelib.referral.domain.checkmarks import DISPATCHED, Outcome
from chalicelib.referral.domain.completion import (
    CHARGED,
    SUPPRESSED_SAME_DAY,
    Dispatched,
    RequestWalk,
    RoundTally,
    apply_mark,
    decision_rows,
    fully_walked,
    kept_outcomes,
    plan_request,
    walked_for_marks,
)
from chalicelib.referral.domain.decisions import DecisionRecord, verify_chain
from chalicelib.referral.domain.eligibility import RequestFacts
from chalicelib.referral.domain.records import Bid, CheckMark, Round, RoundStatus
from chalicelib.referral.domain.registration import Action, Registration, RegStatus
from chalicelib.referral.domain.requests import LaborRequest, RequestStatus
from chalicelib.referral.domain.round import Walk, walk
from chalicelib.referral.domain.rules import ReferralMode, RuleSet
from chalicelib.referral.domain.intake import WIRE_GATE_BOOKS
from chalicelib.referral.service import intake
from chalicelib.referral.service import changes, context

ATTEMPTS = 12  # passes of the whole completion: each resumes from the stored state after a lost race
MARK_ATTEMPTS = 5
BIDS_PER_BATCH = 40  # a bid and its audit entry: two of the transaction's 100 items each
ENTITY_ROUND, ENTITY_REQ, ENTITY_MARK, ENTITY_BID = "referral_round", "labor_request", "check_mark", "bid"
ON_SHEET = frozenset({RequestStatus.OPEN, RequestStatus.PARTIALLY_FILLED, RequestStatus.FILLED})


def _book(ctx: Ctx, book_code: str) -> Book:
    book = context.books_by_code(ctx.store).get(book_code)
    if book is None:
        raise not_found("Book")
    return book


def round_key(book_code: str, referral_date: date) -> str:
    return f"{book_code}.{referral_date.isoformat()}"


def sheet_requests(ctx: Ctx, book_code: str, referral_date: date, rules: RuleSet) -> list[LaborRequest]:
    """S3.2 and R10.2: the requests a round's completion answers for — the sheet's OPEN, PARTIALLY_FILLED and
    FILLED requests (a filled one still charges for falling to a lower tier), in received order; emergencies
    only where the local has them generate marks (R3.4)."""
    out = []
    for q in repo.sheet(ctx.store, book_code, referral_date):
        if q.by_name or q.status not in ON_SHEET:
            continue
        if q.emergency and not rules.local.emergency_generates_check_marks:
            continue
        out.append(q)
    return out


class _Walker:
    """The live queue and its members' facts, read once per pass (facts only when a walk is needed)."""

    def __init__(self, ctx: Ctx, book_code: str, rules: RuleSet) -> None:
        self.ctx, self.rules = ctx, rules
        self.queue = repo.full_queue(ctx.store, book_code)
        self._facts: context.Facts | None = None
        self.now = ctx.now()
        self.today = rules.calendar.local_date(self.now)

    def facts(self) -> context.Facts:
        if self._facts is None:
            members = [r.member_id for r in self.queue]
            self._facts = context.facts_from(members, self.ctx.store.get_many(context.fact_keys(members), True))
        return self._facts

    def walk(self, q: LaborRequest, bidders: frozenset[str]) -> Walk:
        facts = self.facts()
        members = {r.member_id: facts.of(r.member_id, self.today) for r in self.queue}
        req = RequestFacts(
            employer_id=q.employer_id,
            referral_date=q.referral_date,
            required_certifications=frozenset(q.required_certifications),
        )
        recorded = {rid: Outcome(o) for rid, o in q.outcomes.items()}
        local = self.rules.for_agreement(q.agreement_type)
        return walk(self.queue, members, req, recorded, bidders, local, self.now, self.today)


def _pending_bidders(bids: list[Bid]) -> frozenset[str]:
    return frozenset(b.member_id for b in bids if b.status is BidStatus.PENDING)


def _any_bidders(bids: list[Bid]) -> frozenset[str]:
    """R10.5: a candidate who bid on the request is never charged for it, whatever became of the bid."""
    return frozenset(b.member_id for b in bids if b.status is not BidStatus.WITHDRAWN)


# -- completion --------------------------------------------------------------------------------------------


def complete_round(ctx: Ctx, book_code: str, referral_date: date) -> dict[str, Any]:
    """S3.5: complete the round of `book_code` on `referral_date` (see the module docstring)."""
    book = _book(ctx, book_code)
    for _ in range(ATTEMPTS):
        try:
            done = _complete(ctx, book, referral_date)
        except StaleVersion:
            continue  # someone else moved a step on: read again and carry on from there
        done["held_intakes"] = _open_the_wire_gate(ctx, book_code, referral_date)
        return done
    raise versioned.stale(_round_json(ctx, book_code, referral_date), "round")


def _open_the_wire_gate(ctx: Ctx, book_code: str, referral_date: date) -> dict[str, int] | None:
    """§4.5.2–3 (AS-012): completing the last of today's WIRE rounds opens the gate, and the intakes held behind it
    are processed at that minute. The completion is already committed: if processing fails here, the gate job
    (`POST /intakes/process`, the nightly fallback) finishes it — each intake is processed once, whoever runs it."""
    now = ctx.now()
    if book_code not in WIRE_GATE_BOOKS or referral_date != context.rules_at(ctx.store, now).calendar.local_date(now):
        return None
    try:
        result = intake.process_held_intakes(ctx, referral_date)
    except AppError:
        logger.exception("held intakes not processed at the round's completion", extra={"book": book_code})
        return None
    return {"processed": len(result["processed"]), "refused": len(result["refused"])}


def _round_json(ctx: Ctx, book_code: str, referral_date: date) -> dict[str, Any] | None:
    r = repo.round_of(ctx.store, book_code, referral_date)
    return r.model_dump(mode="json") if r else None


def _complete(ctx: Ctx, book: Book, referral_date: date) -> dict[str, Any]:
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    rnd = repo.round_of(ctx.store, book.code, referral_date)
    if rnd is not None and rnd.status is RoundStatus.COMPLETED:
        return {"round": rnd.model_dump(mode="json"), "already_completed": True, **(rnd.summary or {})}
    requests = sheet_requests(ctx, book.code, referral_date, rules)
    walker = _Walker(ctx, book.code, rules)
    bids = {q.id: repo.bids_on(ctx.store, q.id) for q in requests}
    if rnd is None or rnd.status in (RoundStatus.NOT_STARTED, RoundStatus.IN_PROGRESS):
        rnd = _start_completing(ctx, book, referral_date, rnd, requests, walker, bids)
    return _finish(ctx, book, referral_date, rnd, rules, requests, walker, bids)


def _start_completing(
    ctx: Ctx,
    book: Book,
    referral_date: date,
    rnd: Round | None,
    requests: list[LaborRequest],
    walker: _Walker,
    bids: dict[str, list[Bid]],
) -> Round:
    """S3.6 checked, then IN_PROGRESS → COMPLETING under the round's version (a dispatch committed meanwhile
    moved the version on: this pass fails and the next one checks again)."""
    now, iso = ctx.now(), ctx.now().isoformat()
    if rnd is None or rnd.status is RoundStatus.NOT_STARTED:
        # A round nobody opened completes only with nothing on its sheet (§4.5.2: an empty WIRE round
        # completes at its slot), and not before the slot (R2.3).
        slot = walker.rules.calendar.at(referral_date, parse_hhmm(book.referral_start_time))
        if now < slot:
            raise AppError(
                409,
                "ROUND_TOO_EARLY",
                f"The {book.name} round opens at {book.referral_start_time}.",
                [FieldProblem("referral_date", "before the book's referral start time")],
            )
        if requests:
            raise AppError(
                409,
                "ROUND_NOT_OPEN",
                "Open the round and refer its requests first (S3.1).",
                [FieldProblem("referral_date", "the round has not been opened")],
            )
    open_ones = []
    for q in requests:
        w = walker.walk(q, _pending_bidders(bids[q.id]))
        if not fully_walked(w, q.positions_remaining):
            first = w.next_open
            assert first is not None
            open_ones.append(FieldProblem(q.number, f"position {first.position} has no recorded outcome"))
    if open_ones:
        raise AppError(
            409,
            "ROUND_NOT_WALKED",
            "Every request must be filled or have had the whole queue walked before the round completes (S3.6).",
            open_ones,
        )
    base = rnd or Round(book_code=book.code, referral_date=referral_date, created_at=iso, updated_at=iso, version=0)
    after = base.model_copy(update={"status": RoundStatus.COMPLETING, "updated_at": iso})
    batch = ctx.store.batch()
    batch.put(after, base.version or None)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE,
            ENTITY_ROUND,
            round_key(book.code, referral_date),
            {"status": base.status.value},
            {"status": after.status.value},
        )
    )
    batch.commit()
    return after.model_copy(update={"version": base.version + 1})


def _finish(
    ctx: Ctx,
    book: Book,
    referral_date: date,
    rnd: Round,
    rules: RuleSet,
    requests: list[LaborRequest],
    walker: _Walker,
    bids: dict[str, list[Bid]],
) -> dict[str, Any]:
    day = referral_date
    decisions = repo.decisions_of_day(ctx.store, book.code, day)
    sealed = {d.request_id: d for d in decisions if d.kind == "CHECK_MARKS" and d.request_id}
    already = {m.registration_id for m in repo.marks_of_day(ctx.store, book.code, day) if m.status == "CHARGED"}
    already |= {r.id for r in walker.queue if r.last_check_mark_date == day}
    for d in sealed.values():
        already |= {c["registration_id"] for c in d.charges if c["result"] == CHARGED}
    dispatched = _dispatched_in_round(decisions)
    tally = RoundTally(requests=len(requests))
    report = []
    for q in requests:
        record = sealed.get(q.id)
        if record is None:
            record, rnd = _seal_request(ctx, rnd, rules, q, walker, bids[q.id], dispatched, frozenset(already))
            already |= {c["registration_id"] for c in record.charges if c["result"] == CHARGED}
        report.append(_apply_charges(ctx, book, rules, q, record, tally))
    not_selected = _close_bids(ctx, requests)
    rnd = _seal_round(ctx, book, day, rnd, rules, tally, report, not_selected)
    return {"round": rnd.model_dump(mode="json"), "already_completed": False, **(rnd.summary or {})}


def _dispatched_in_round(decisions: list[DecisionRecord]) -> dict[str, list[Dispatched]]:
    """Per request, who was dispatched on it in this round (S4.4's t*), from the day's dispatch decisions."""
    out: dict[str, list[Dispatched]] = {}
    for d in decisions:
        if d.kind != "DISPATCH" or not d.request_id or not d.selected_registration_id:
            continue
        row = next((c for c in d.candidates if c.registration_id == d.selected_registration_id), None)
        if row is not None and row.outcome:
            out.setdefault(d.request_id, []).append(
                Dispatched(row.registration_id, row.member_id, row.tier, Outcome(row.outcome))
            )
    return out


def _seal_request(
    ctx: Ctx,
    rnd: Round,
    rules: RuleSet,
    q: LaborRequest,
    walker: _Walker,
    bids: list[Bid],
    dispatched: dict[str, list[Dispatched]],
    already: frozenset[str],
) -> tuple[DecisionRecord, Round]:
    """S4 steps 1–5 for one request, written as its CHECK_MARKS decision record with the request (passes
    archived, S3.5) and the round's chain head, all under their versions."""
    now, iso = ctx.now(), ctx.now().isoformat()
    every_bidder = _any_bidders(bids)
    w = walker.walk(q, _pending_bidders(bids))
    # Dispatches voided since (S8.1) no longer count: the request's outcomes are the truth.
    still = [d for d in dispatched.get(q.id, []) if q.outcomes.get(d.registration_id) in {o.value for o in DISPATCHED}]
    rw = RequestWalk(
        q.id,
        q.generates_check_mark,
        q.by_name,
        q.emergency,
        q.positions_remaining,
        tuple(walked_for_marks(w, still, every_bidder)),
    )
    plan = plan_request(
        rw, emergency_charges=rules.local.emergency_generates_check_marks, already_charged_today=already
    )
    tiers = {c.registration_id: c.tier for c in rw.walked}
    record = DecisionRecord(
        id=new_ulid(),
        kind="CHECK_MARKS",
        book_code=q.book_code,
        referral_date=rnd.referral_date,
        request_id=q.id,
        round_id=round_key(rnd.book_code, rnd.referral_date),
        rule_set_version=rules.version,
        rule_pack_version=rules.pack(q.agreement_type).version,
        snapshot_at=now,
        candidates=decision_rows(w, filled=q.positions_remaining <= 0, bidders=_pending_bidders(bids)),
        charges=[
            {
                "registration_id": c.registration_id,
                "member_id": c.member_id,
                "tier": tiers.get(c.registration_id),
                "result": SUPPRESSED_SAME_DAY if c.suppressed else CHARGED,
            }
            for c in plan.charges
        ],
        summary={
            "request_number": q.number,
            "generates_check_mark": q.generates_check_mark,
            "no_mark_reasons": [r.value for r in q.no_mark_reasons],
            "positions_requested": q.positions_requested,
            "positions_dispatched": q.positions_dispatched,
            "unfilled": q.positions_remaining,
            "t_star": plan.t_star,
            "outcomes": dict(q.outcomes),
        },
        actor_id=ctx.caller.id,
        sequence=rnd.chain_sequence + 1,
        prev_hash=rnd.chain_head,
    ).sealed()
    req_after = q.model_copy(update={"outcomes": kept_outcomes(q.outcomes), "updated_at": iso})
    rnd_after = rnd.model_copy(update={"chain_sequence": record.sequence, "chain_head": record.hash, "updated_at": iso})
    batch = ctx.store.batch()
    batch.put(record)
    batch.put(req_after, q.version)
    batch.put(rnd_after, rnd.version)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE,
            ENTITY_REQ,
            q.id,
            {"outcomes": q.outcomes},
            {"outcomes": req_after.outcomes},
            decision_id=record.id,
            round=round_key(rnd.book_code, rnd.referral_date),
        )
    )
    batch.commit()
    return record, rnd_after.model_copy(update={"version": rnd.version + 1})


def _max_marks(book: Book, rules: RuleSet, q: LaborRequest) -> int:
    """R10.4: the book's max_check_marks, or the agreement pack's (scope B, A; R4.2)."""
    return int(rules.pack(q.agreement_type).overrides.get("max_check_marks", book.max_check_marks))


def _apply_charges(
    ctx: Ctx, book: Book, rules: RuleSet, q: LaborRequest, record: DecisionRecord, tally: RoundTally
) -> dict[str, Any]:
    charged, rolled, suppressed, missed = [], [], [], []
    limit = _max_marks(book, rules, q)
    for c in record.charges:
        if c["result"] == SUPPRESSED_SAME_DAY:
            suppressed.append(c["registration_id"])
            continue
        result = charge_mark(ctx, rules, book.code, q, record, c["registration_id"], c["member_id"], limit)
        if result == "ROLLED_OFF":
            rolled.append(c["registration_id"])
        elif result in ("CHARGED", "ALREADY"):
            charged.append(c["registration_id"])
        else:
            missed.append(c["registration_id"])
    tally.charged += len(charged) + len(rolled)
    tally.rolled_off += len(rolled)
    tally.suppressed += len(suppressed)
    tally.not_applied += missed
    return {
        "request_id": q.id,
        "request_number": q.number,
        "decision_id": record.id,
        "charged": charged + rolled,
        "rolled_off": rolled,
        "suppressed": suppressed,
        "not_applied": missed,
    }


def mark_id(registration_id: str, day: date) -> str:
    """One check mark per registration per local date (R10.3) — in the key itself."""
    return f"{registration_id}-{day:%Y%m%d}"


def charge_mark(
    ctx: Ctx,
    rules: RuleSet,
    book_code: str,
    q: LaborRequest,
    record: DecisionRecord,
    registration_id: str,
    member_id: str,
    max_marks: int,
) -> str:
    """S4.6: the mark, the count and — past the maximum — the roll-off (CHECK_MARKS, this book only, R10.4), in one
    transaction for this registration. CHARGED / ROLLED_OFF; ALREADY when this day's mark exists (a repeated or
    racing completion); NOT_REGISTERED when the registration left the queue since the plan was written."""
    day = record.referral_date
    mid = mark_id(registration_id, day)
    mark_key = (member_pk(member_id), f"MARK#{registration_id}#{day.isoformat()}#{mid}")
    reg_key = (member_pk(member_id), f"REG#{book_code}#{registration_id}")
    for _ in range(MARK_ATTEMPTS):
        if ctx.store.get(repo.CHECK_MARKS, mark_key, consistent=True) is not None:
            return "ALREADY"
        reg: Registration | None = ctx.store.get(repo.REGISTRATIONS, reg_key, consistent=True)
        if reg is None or reg.status is not RegStatus.REGISTERED:
            return "NOT_REGISTERED"
        result = apply_mark(reg.check_mark_count, max_marks)
        iso = ctx.now().isoformat()
        batch = ctx.store.batch()
        fields: dict[str, Any] = {"check_mark_count": result.count, "last_check_mark_date": day}
        if result.rolls_off:
            changes.stage_transition(
                ctx,
                batch,
                rules,
                reg,
                Action.ROLL_OFF,
                reason_code="CHECK_MARKS",
                reason=f"check mark {result.count} ({q.number})",
                request_id=q.id,
                **fields,
            )
        else:
            changes.stage_update(
                ctx,
                batch,
                rules,
                reg,
                "CHECK_MARK",
                reason_code="CHECK_MARK",
                reason=f"{result.count} of {max_marks} ({q.number})",
                request_id=q.id,
                **fields,
            )
        mark = CheckMark(
            id=mid,
            registration_id=registration_id,
            member_id=member_id,
            book_code=book_code,
            request_id=q.id,
            decision_id=record.id,
            day=day,
            created_at=iso,
            updated_at=iso,
        )
        batch.put(mark)
        batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY_MARK, mid, {}, mark.model_dump(mode="json")))
        try:
            batch.commit()
        except StaleVersion:
            continue  # the mark appeared or the registration moved: look again
        return "ROLLED_OFF" if result.rolls_off else "CHARGED"
    raise versioned.stale(None, "registration")


def _close_bids(ctx: Ctx, requests: list[LaborRequest]) -> int:
    """S3.5: the sheet's remaining pending bids become NOT_SELECTED (REQUEST_FILLED or NOT_REACHED)."""
    done = 0
    for q in requests:
        fresh = repo.labor_request(ctx.store, q.id) or q
        usual = "REQUEST_FILLED" if fresh.positions_remaining <= 0 else "NOT_REACHED"
        pending = [b for b in repo.bids_on(ctx.store, q.id) if b.status is BidStatus.PENDING]
        for start in range(0, len(pending), BIDS_PER_BATCH):
            batch = ctx.store.batch()
            for b in pending[start : start + BIDS_PER_BATCH]:
                state = repo.referral_state(ctx.store, b.member_id)
                # S3.4: a bidder dispatched on another request of the round was not selected for that reason.
                reason = "ALREADY_DISPATCHED" if state is not None and state.open_dispatch_id else usual
                after = b.model_copy(
                    update={
                        "status": BidStatus.NOT_SELECTED,
                        "status_reason": reason,
                        "updated_at": ctx.now().isoformat(),
                    }
                )
                batch.put(after, b.version)
                batch.audit(
                    ctx.audit_entry(
                        AuditAction.UPDATE,
                        ENTITY_BID,
                        f"{b.request_id}.{b.member_id}",
                        {"status": b.status.value},
                        {"status": after.status.value},
                        status_reason=reason,
                    )
                )
            batch.commit()
            done += min(BIDS_PER_BATCH, len(pending) - start)
    return done


def _seal_round(
    ctx: Ctx,
    book: Book,
    day: date,
    rnd: Round,
    rules: RuleSet,
    tally: RoundTally,
    report: list[dict[str, Any]],
    not_selected: int,
) -> Round:
    """The ROUND_COMPLETED record closes the day's chain as it stands (its hash is the seal) and the round
    becomes COMPLETED, in one transaction under the round's version."""
    now, iso = ctx.now(), ctx.now().isoformat()
    summary = {
        "requests": report,
        "marks_charged": tally.charged,
        "marks_suppressed_same_day": tally.suppressed,
        "rolled_off_check_marks": tally.rolled_off,
        "marks_not_applied": tally.not_applied,
        "bids_not_selected": not_selected,
    }
    record = DecisionRecord(
        id=new_ulid(),
        kind="ROUND_COMPLETED",
        book_code=book.code,
        referral_date=day,
        round_id=round_key(book.code, day),
        rule_set_version=rules.version,
        snapshot_at=now,
        summary=summary,
        actor_id=ctx.caller.id,
        sequence=rnd.chain_sequence + 1,
        prev_hash=rnd.chain_head,
    ).sealed()
    after = rnd.model_copy(
        update={
            "status": RoundStatus.COMPLETED,
            "completed_at": now,
            "completed_by": ctx.caller.id,
            "chain_sequence": record.sequence,
            "chain_head": record.hash,
            "sealed_hash": record.hash,
            "summary": summary,
            "updated_at": iso,
        }
    )
    batch = ctx.store.batch()
    batch.put(record)
    batch.put(after, rnd.version)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE,
            ENTITY_ROUND,
            round_key(book.code, day),
            {"status": rnd.status.value},
            {"status": after.status.value, "sealed_hash": record.hash},
            marks_charged=tally.charged,
        )
    )
    batch.commit()
    return after.model_copy(update={"version": rnd.version + 1})


# -- walking the rest of the queue -----------------------------------------------------------------------


def pass_remaining(ctx: Ctx, book_code: str, referral_date: date, request_id: str, version: int) -> dict[str, Any]:
    """S3.3: nobody further down takes the job — record PASSED (PASSED_NO_BID in WEB_ONLY mode) for every
    eligible candidate still without an outcome, so the whole queue has been walked (S3.6). A candidate holding a
    pending bid on the request is never passed over this way (R8.7: the bid is honoured first)."""
    _book(ctx, book_code)
    request = repo.labor_request(ctx.store, request_id)
    if request is None or request.book_code != book_code or request.referral_date != referral_date:
        raise not_found("Labor request")
    versioned.require_version(version, request.version, lambda: request.model_dump(mode="json"), "request")
    if not request.is_open:
        raise AppError(
            409, "REQUEST_NOT_OPEN", "This request is not open.", [FieldProblem("request_id", request.status.value)]
        )
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    rnd = repo.round_of(ctx.store, book_code, referral_date)
    walking = rnd is not None and rnd.status in (RoundStatus.IN_PROGRESS, RoundStatus.COMPLETED)
    if not (request.emergency or walking) or rules.calendar.local_date(now) < referral_date:
        # Passing members before their round is open would charge them for a walk that never happened.
        raise AppError(
            409,
            "ROUND_NOT_OPEN",
            "Walk a request in its open round (or as an emergency walk after it).",
            [FieldProblem("referral_date", rnd.status.value if rnd else "NOT_STARTED")],
        )
    walker = _Walker(ctx, book_code, rules)
    pending = _pending_bidders(repo.bids_on(ctx.store, request_id))
    w = walker.walk(request, pending)
    open_ones = [c for c in w.candidates if c.outcome is None and c.skip is None]
    bidder = next((c for c in open_ones if c.bid), None)
    if bidder is not None:
        raise AppError(
            409,
            "OUT_OF_ORDER",
            f"Position {bidder.position} holds a pending bid on this request: dispatch it first.",
            [FieldProblem("registration_id", f"position {bidder.position} has a pending bid")],
        )
    outcome = Outcome.PASSED_NO_BID if rules.local.referral_mode is ReferralMode.WEB_ONLY else Outcome.PASSED
    recorded = {c.registration_id: outcome.value for c in open_ones}
    after = request.model_copy(update={"outcomes": {**request.outcomes, **recorded}, "updated_at": now.isoformat()})
    batch = ctx.store.batch()
    batch.put(after, request.version)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE, ENTITY_REQ, request.id, {}, {"passed": sorted(recorded)}, outcome=outcome.value
        )
    )
    versioned.commit(
        batch,
        current=lambda: (repo.labor_request(ctx.store, request_id) or request).model_dump(mode="json"),
        what="request",
    )
    return {
        "request": after.model_copy(update={"version": request.version + 1}).model_dump(mode="json"),
        "passed": len(recorded),
    }


# -- reading ---------------------------------------------------------------------------------------------


def decisions(ctx: Ctx, book_code: str, referral_date: date) -> dict[str, Any]:
    """§10.3: the day's decision records of a book in chain order, verified: an edited record or a broken link
    is named; `sealed` says whether the chain still ends where the round's completion sealed it."""
    _book(ctx, book_code)
    rnd = repo.round_of(ctx.store, book_code, referral_date)
    records = repo.decisions_of_day(ctx.store, book_code, referral_date)
    problems = verify_chain(records)
    head = records[-1].hash if records else None
    if rnd is not None and rnd.chain_head != (head or rnd.chain_head):
        problems.append("the round's chain head is not the last record")
    sealed_at = next((r.sequence for r in records if r.hash == (rnd.sealed_hash if rnd else None)), None)
    ctx.audit_read("decision_records", round_key(book_code, referral_date), bulk=True, row_count=len(records))
    return {
        "round": rnd.model_dump(mode="json") if rnd else None,
        "decisions": [r.model_dump(mode="json") for r in records],
        "verification": {
            "ok": not problems,
            "problems": problems,
            "final_hash": head,
            "sealed_hash": rnd.sealed_hash if rnd else None,
            "sealed_at_sequence": sealed_at,
        },
    }


def morning(ctx: Ctx, referral_date: date) -> dict[str, Any]:
    """R2.1, R2.5: the referral date's books in morning order — slot (referral_start_time), then
    morning_sort_order — with each round's status and the requests on its sheet."""
    rules = context.rules_at(ctx.store, ctx.now())
    books = sorted(
        context.books_by_code(ctx.store).values(),
        key=lambda b: (parse_hhmm(b.referral_start_time), b.morning_sort_order),
    )
    rows = []
    for b in books:
        if not b.is_active:
            continue
        rnd = repo.round_of(ctx.store, b.code, referral_date)
        sheet = sheet_requests(ctx, b.code, referral_date, rules)
        rows.append(
            {
                "book_code": b.code,
                "book_name": b.name,
                "slot": b.referral_start_time,
                "morning_sort_order": b.morning_sort_order,
                "opens_at": rules.calendar.at(referral_date, parse_hhmm(b.referral_start_time)).isoformat(),
                "round_status": (rnd.status if rnd else RoundStatus.NOT_STARTED).value,
                "requests": len([q for q in sheet if not q.emergency]),
                "positions_remaining": sum(q.positions_remaining for q in sheet if not q.emergency),
            }
        )
    return {"referral_date": referral_date.isoformat(), "books": rows}
