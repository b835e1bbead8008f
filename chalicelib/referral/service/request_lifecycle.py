"""A labor request after it is entered (referral-rules S1.2, R3.6, §8.2, R13): edit, move its referral date,
cancel, dispatch a by-name request; the request lists and the request with its decisions.

Every status change is named by the request state machine (domain REQUEST_TRANSITIONS); every write carries the
version the caller saw and its audit entry with old and new values.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, StaleVersion, bad_request, not_found
from chalicelib.core.store import versioned
from chalicelib.employment import store as employment_repo
from chalicelib.referral import store as repo
from chalicelib.referral.domain.bids import BidStatus
from chalicelib.referral.domain.completion import kept_outcomes
from chalicelib.referral.domain.eligibility import RequestFacts, Skip, skip_reason
from chalicelib.referral.domain.records import Method, RoundStatus
from chalicelib.referral.domain.registration import Refused, RegStatus
from chalicelib.referral.domain.requests import (
    DISPATCHER_FLAGS,
    MARKET_RECOVERY,
    LaborRequest,
    NoMarkReason,
    RequestAction,
    RequestStatus,
    edit_problem,
    is_short_call,
    no_mark_reasons,
    request_next_status,
    schedule,
)
from chalicelib.referral.domain.round import Candidate, Selection, Walk
from chalicelib.referral.domain.rules import AgreementType
from chalicelib.referral.domain.termination import RawReason
from chalicelib.referral.service import context, terminations
from chalicelib.referral.service import dispatch as dispatching

ENTITY = "labor_request"
STATUSES = tuple(s.value for s in RequestStatus)


def _request(ctx: Ctx, request_id: str) -> LaborRequest:
    q = ctx.store.get(repo.REQUESTS, (f"REQUEST#{request_id}", "PROFILE"), consistent=True)
    if q is None:
        raise not_found("Labor request")
    return q


def _current(ctx: Ctx, request_id: str) -> Any:
    return lambda: _request(ctx, request_id).model_dump(mode="json")


def _refused(err: Refused) -> AppError:
    return AppError(409, err.code, err.message, [FieldProblem(err.field or "status", err.message)])


def _audited(ctx: Ctx, before: LaborRequest, after: LaborRequest, **extra: Any) -> LaborRequest:
    batch = ctx.store.batch()
    batch.put(after, before.version)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE,
            ENTITY,
            before.id,
            before.model_dump(mode="json"),
            after.model_dump(mode="json"),
            **extra,
        )
    )
    versioned.commit(batch, current=_current(ctx, before.id), what="request")
    return after.model_copy(update={"version": before.version + 1})


# -- edit (S1.2) -----------------------------------------------------------------------------------------


def update_request(ctx: Ctx, request_id: str, body: Any) -> LaborRequest:
    """S1.2: the given fields change under the S1.2 rules; the schedule (R3), the short-call flag (R9.1) and the
    no-mark reasons (R11) follow the new values; the status follows the positions (§8.2 EDIT)."""
    q = _request(ctx, request_id)
    versioned.require_version(body.version, q.version, _current(ctx, request_id), "request")
    given = {k: getattr(body, k) for k in body.model_fields_set - {"version"}}
    if "no_mark_flags" in given:
        current_flags = sorted(r.value for r in q.no_mark_reasons if r in DISPATCHER_FLAGS)
        given["no_mark_flags"] = sorted(set(given["no_mark_flags"] or []))
        if given["no_mark_flags"] == current_flags:
            given.pop("no_mark_flags")
    changes = {k: v for k, v in given.items() if k == "no_mark_flags" or getattr(q, k, None) != v}
    if not changes:
        raise bad_request("Nothing to change.", FieldProblem("version", "give at least one field that changes"))
    now = ctx.now()
    problem = edit_problem(q, changes, now)
    if problem is not None:
        raise AppError(409, problem[0], problem[2], [FieldProblem(problem[1], problem[2])])
    rules_set = context.rules_at(ctx.store, now)
    agreement = AgreementType(changes.get("agreement_type", q.agreement_type))
    book = context.books_by_code(ctx.store)[q.book_code]
    if agreement.value not in book.accepted_agreement_types:
        raise AppError(
            409,
            "AGREEMENT_MISMATCH",
            f"{book.name} does not take {agreement.value} requests (R4.1).",
            [FieldProblem("agreement_type", "not accepted by this book")],
        )
    rules = rules_set.for_agreement(agreement)
    update: dict[str, Any] = {k: v for k, v in changes.items() if k != "no_mark_flags"}
    if "requested_start_date" in changes:
        try:
            sched = schedule(
                q.received_at, changes["requested_start_date"], rules_set.calendar, rules, emergency=q.emergency
            )
        except Refused as err:
            raise _refused(err) from None
        update.update(
            referral_date=sched.referral_date,
            earliest_referral_date=sched.earliest_referral_date,
            effective_start_date=sched.effective_start_date,
            bidding_opens_at=sched.bidding_opens_at,
            bidding_closes_at=sched.bidding_closes_at,
        )
    duration = changes.get("estimated_duration_working_days", q.estimated_duration_working_days)
    short = is_short_call(duration, rules)
    contract = changes.get("contract_code", q.contract_code)
    flags = (
        frozenset(NoMarkReason(f) for f in changes["no_mark_flags"])
        if "no_mark_flags" in changes
        else frozenset(r for r in q.no_mark_reasons if r in DISPATCHER_FLAGS)
        - ({NoMarkReason.UNDER_SCALE} if q.contract_code == MARKET_RECOVERY else set())
    )
    reasons = no_mark_reasons(
        short_call=short,
        start_time=changes.get("start_time", q.start_time),
        contract_code=contract,
        dispatcher_flags=flags,
        rules=rules,
    )
    positions = changes.get("positions_requested", q.positions_requested)
    try:
        status = request_next_status(
            q.status, RequestAction.EDIT, requested=positions, dispatched=q.positions_dispatched
        )
    except Refused as err:
        raise _refused(err) from None
    after = q.model_copy(
        update={
            **update,
            "short_call": short,
            "no_mark_reasons": sorted(reasons),
            "status": status,
            "rule_set_version": rules_set.version,
            "updated_at": now.isoformat(),
        }
    )
    return _audited(ctx, q, after, changed=sorted(changes))


# -- referral date (R3.6) ------------------------------------------------------------------------------------


def move_referral_date(ctx: Ctx, request_id: str, version: int, new_date: date, reason: str | None) -> LaborRequest:
    """R3.6: a dispatcher moves the referral date (later, at the employer's wish; S1.4 re-offers a reopened
    position this way). Earlier than the cutoff allows is refused (BEFORE_CUTOFF_DATE) except for emergencies;
    the new date is a working day not in the past whose round has not completed. Passes recorded on the old
    date stay in its decision records; the new date's round walks afresh."""
    q = _request(ctx, request_id)
    versioned.require_version(version, q.version, _current(ctx, request_id), "request")
    now = ctx.now()
    rules_set = context.rules_at(ctx.store, now)
    cal = rules_set.calendar
    rules = rules_set.for_agreement(q.agreement_type)
    if new_date == q.referral_date:
        raise bad_request("That is the referral date already.", FieldProblem("referral_date", "unchanged"))
    if new_date < cal.local_date(now):
        raise AppError(
            409,
            "REFERRAL_DATE_PASSED",
            "A referral date is today or later.",
            [FieldProblem("referral_date", "in the past")],
        )
    try:
        request_next_status(
            q.status,
            RequestAction.MOVE_REFERRAL_DATE,
            requested=q.positions_requested,
            dispatched=q.positions_dispatched,
        )
        if q.emergency:
            if not cal.is_working_day(new_date):
                raise Refused("NOT_A_WORKING_DAY", "Referral dates are working days.", "referral_date")
            sched_ref, earliest = new_date, q.earliest_referral_date
            opens = cal.at(cal.previous_working_day(new_date), rules.bidding_open_time)
            closes = cal.at(new_date, rules.bidding_close_time)
        else:
            sched = schedule(q.received_at, q.requested_start_date, cal, rules, referral_date=new_date)
            sched_ref, earliest, opens, closes = (
                sched.referral_date,
                sched.earliest_referral_date,
                sched.bidding_opens_at,
                sched.bidding_closes_at,
            )
    except Refused as err:
        raise _refused(err) from None
    walked = any(o in ("PASSED", "PASSED_NO_BID") for o in q.outcomes.values())
    for day in (q.referral_date, new_date):
        rnd = repo.round_of(ctx.store, q.book_code, day)
        if day == q.referral_date and walked and rnd is not None and rnd.status is RoundStatus.IN_PROGRESS:
            # Moving a walked request out of its open round would let those who passed escape their marks.
            raise AppError(
                409,
                "REQUEST_WALKED",
                "This request was walked in its open round: complete the round "
                "first, then move the open position to a later date.",
                [FieldProblem("referral_date", "walked in an open round")],
            )
        if rnd is not None and rnd.status is RoundStatus.COMPLETING:
            raise AppError(
                409,
                "ROUND_COMPLETING",
                f"The {day.isoformat()} round is being completed.",
                [FieldProblem("referral_date", "round completing")],
            )
        if day == new_date and rnd is not None and rnd.status is RoundStatus.COMPLETED:
            raise AppError(
                409,
                "ROUND_COMPLETED",
                f"The {day.isoformat()} round has completed.",
                [FieldProblem("referral_date", "round completed")],
            )
    after = q.model_copy(
        update={
            "referral_date": sched_ref,
            "earliest_referral_date": earliest,
            "effective_start_date": max(q.requested_start_date, sched_ref),
            "bidding_opens_at": opens,
            "bidding_closes_at": closes,
            "outcomes": kept_outcomes(q.outcomes),
            "updated_at": now.isoformat(),
        }
    )
    return _audited(ctx, q, after, reason=reason, moved_from=q.referral_date.isoformat())


# -- cancel (§8.2) -----------------------------------------------------------------------------------------


def cancel_request(
    ctx: Ctx, request_id: str, version: int, reason: str, last_day_worked: date | None
) -> dict[str, Any]:
    """§8.2: the employer cancels (reason required): CANCELLED; pending bids EXPIRED (§8.3); every open dispatch
    terminated `job_cancelled` (S5: default last day today, or the day before the start when the job had not
    begun). The dispatches follow the cancel one transaction each: calling again finishes them."""
    q = _request(ctx, request_id)
    if q.status is not RequestStatus.CANCELLED:
        versioned.require_version(version, q.version, _current(ctx, request_id), "request")
        try:
            request_next_status(
                q.status, RequestAction.CANCEL, requested=q.positions_requested, dispatched=q.positions_dispatched
            )
        except Refused as err:
            raise _refused(err) from None
        after = q.model_copy(
            update={
                "status": RequestStatus.CANCELLED,
                "cancel_reason": reason.strip(),
                "updated_at": ctx.now().isoformat(),
            }
        )
        q = _audited(ctx, q, after, reason=reason.strip())
    expired = _expire_bids(ctx, q)
    today = context.rules_at(ctx.store, ctx.now()).calendar.local_date(ctx.now())
    ended = []
    for d in _dispatches_of(ctx, q):
        if not d.is_open:
            continue
        last = last_day_worked or (today if today >= d.start_date else d.start_date - timedelta(days=1))
        data = terminations.TerminationInput(RawReason.JOB_CANCELLED, min(last, today), comment=q.cancel_reason)
        ended.append(terminations.terminate(ctx, d.id, data)["dispatch"]["id"])
    return {"request": q.model_dump(mode="json"), "bids_expired": expired, "dispatches_terminated": ended}


def _expire_bids(ctx: Ctx, q: LaborRequest) -> int:
    count = 0
    for b in repo.bids_on(ctx.store, q.id):
        if b.status is not BidStatus.PENDING:
            continue
        after = b.model_copy(
            update={
                "status": BidStatus.EXPIRED,
                "status_reason": "REQUEST_CANCELLED",
                "updated_at": ctx.now().isoformat(),
            }
        )
        batch = ctx.store.batch()
        batch.put(after, b.version)
        batch.audit(
            ctx.audit_entry(
                AuditAction.UPDATE,
                "bid",
                f"{b.request_id}.{b.member_id}",
                {"status": b.status.value},
                {"status": after.status.value},
                status_reason="REQUEST_CANCELLED",
            )
        )
        try:
            batch.commit()
            count += 1
        except StaleVersion:
            pass  # it moved on meanwhile: no longer pending
    return count


def _dispatches_of(ctx: Ctx, q: LaborRequest) -> list[Any]:
    """A request's dispatches, found through its decision records (each dispatch writes one)."""
    ids = [d.dispatch_id for d in repo.decisions_of_request(ctx.store, q.id) if d.dispatch_id]
    keys = [(repo.DISPATCHES, (f"DISPATCH#{i}", "PROFILE")) for i in dict.fromkeys(ids)]
    return [d for d in ctx.store.get_many(keys, consistent=True) if d is not None] if keys else []


# -- by-name dispatch (R13) -------------------------------------------------------------------------------

_BY_NAME_SKIPS = {
    Skip.MEMBER_NOT_ACTIVE: "MEMBER_NOT_ACTIVE",
    Skip.EXEMPT: "EXEMPT",
    Skip.ALREADY_DISPATCHED: "ALREADY_DISPATCHED",
    Skip.BLACKOUT: "BLACKOUT_ACTIVE",
    Skip.REQUIREMENT_NOT_MET: "REQUIREMENT_NOT_MET",
    Skip.DUES_NOT_CURRENT: "DUES_NOT_CURRENT",
}


def dispatch_by_name(ctx: Ctx, request_id: str, body: Any) -> dict[str, Any]:
    """R13.2–R13.4: the named member is dispatched at any time from the referral date on, outside queue order,
    when they hold a REGISTERED, non-exempt registration on the book, have no open dispatch and no blackout with
    the employer (R12.3: by-name requests are always blacked out), and the dispatcher confirms the anti-collusion
    check with the member's attestation. One transaction like every dispatch (S2.1); its decision record is
    BY_NAME and charges no marks (R13.3)."""
    q = _request(ctx, request_id)
    if not q.by_name or q.named_member_id is None:
        raise AppError(
            409,
            "NOT_BY_NAME",
            "This request names nobody: refer it in the round.",
            [FieldProblem("request_id", "not a by-name request")],
        )
    versioned.require_version(body.version, q.version, _current(ctx, request_id), "request")
    if not q.is_open or q.positions_remaining <= 0:
        raise AppError(
            409,
            "REQUEST_NOT_OPEN",
            "This request is not open for dispatch.",
            [FieldProblem("request_id", q.status.value)],
        )
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    today = rules.calendar.local_date(now)
    if today < q.referral_date:
        raise AppError(
            409,
            "BEFORE_REFERRAL_DATE",
            f"A by-name request is dispatched from its referral date, {q.referral_date.isoformat()} (R13.4).",
            [FieldProblem("referral_date", "not reached")],
        )
    member = q.named_member_id
    reg = next((r for r in repo.live_of(ctx.store, member) if r.book_code == q.book_code), None)
    if reg is None or reg.status is RegStatus.PENDING_REREGISTRATION:
        raise AppError(
            409,
            "NOT_REGISTERED_ON_BOOK",
            "The named member is not registered on this book.",
            [FieldProblem("named_member_id", "no REGISTERED registration on the book")],
        )
    wanted: list[Any] = [
        (repo.ROUNDS, (f"ROUND#{q.book_code}#{today.isoformat()}", "ROUND")),
        (repo.DAY_COUNTERS, repo.day_counter_key(f"DSP#{today.isoformat()}")),
        (employment_repo.TIMELINES, employment_repo.timeline_key(member)),
        *context.fact_keys([member]),
    ]
    values = ctx.store.get_many(wanted, consistent=True)
    facts = context.facts_from([member], values[3:])
    if reg.status is RegStatus.DISPATCHED:
        skip: Skip | None = Skip.ALREADY_DISPATCHED
    else:
        # The blackout is judged on the day the member would go to work: the referral date or, later, today.
        req = RequestFacts(
            employer_id=q.employer_id,
            referral_date=max(q.referral_date, today),
            by_name=True,
            required_certifications=frozenset(q.required_certifications),
        )
        skip = skip_reason(reg, facts.of(member, today), req, rules.for_agreement(q.agreement_type), now, today)
    if skip is not None:
        code = _BY_NAME_SKIPS.get(skip, skip.value)
        raise AppError(
            409, code, f"The named member cannot be dispatched: {code}.", [FieldProblem("named_member_id", code)]
        )
    attestation = (body.attestation or "").strip()
    if not body.anti_collusion_confirmed or not attestation:
        missing = "anti_collusion_confirmed" if not body.anti_collusion_confirmed else "attestation"
        raise AppError(
            409,
            "ANTI_COLLUSION_UNCONFIRMED",
            "Confirm the member did not arrange this request with the employer, and record the member's "
            "attestation (R13.2).",
            [FieldProblem(missing, "required")],
        )
    position = repo.position(ctx.store, reg)
    chosen = Candidate(position, reg.id, member, reg.tier, reg.apn_text, reg.registered_at.isoformat(), None)
    reads = dispatching.Reads([reg], q, values[0], values[1], values[2], facts, calls=0)
    cmd = dispatching.DispatchCommand(q.book_code, today, q.id, reg.id, method=Method.BY_NAME)
    by_name = {
        "anti_collusion_confirmed": True,
        "confirmed_by": ctx.caller.id,
        "attestation_kind": body.attestation_kind,
        "attestation": attestation,
        "foreperson": q.foreperson,
        "why": "BY_NAME: named by the employer; outside queue order (R13.3)",
    }
    try:
        return dispatching.commit_dispatch(
            ctx,
            cmd,
            reads,
            rules,
            Walk([chosen]),
            Selection(chosen, (), False, None),
            Method.BY_NAME,
            today,
            by_name=by_name,
        )
    except StaleVersion:
        raise versioned.stale(_request(ctx, request_id).model_dump(mode="json"), "request") from None


# -- reading -----------------------------------------------------------------------------------------------


def list_requests(ctx: Ctx, book: str | None, day: date | None, status: str | None) -> dict[str, Any]:
    """Requests of a referral date (one book, or every book in morning order), or the open ones (OPEN,
    PARTIALLY_FILLED) of a book or of all; `status` narrows either."""
    books = context.books_by_code(ctx.store)
    if book is not None and book not in books:
        raise bad_request("No such book.", FieldProblem("book", "unknown book"))
    if day is None and status not in ("OPEN", "PARTIALLY_FILLED"):
        raise bad_request(
            "Give a referral date, or ask for OPEN or PARTIALLY_FILLED requests.",
            FieldProblem("date", "required unless status is OPEN or PARTIALLY_FILLED"),
        )
    if day is not None:
        codes = [book] if book else [b.code for b in sorted(books.values(), key=lambda b: b.morning_sort_order)]
        found = [q for code in codes for q in repo.sheet(ctx.store, code, day)]
    else:
        found = [q for q in repo.open_requests(ctx.store) if book is None or q.book_code == book]
    if status is not None:
        found = [q for q in found if q.status.value == status]
    ctx.audit_read(ENTITY, book or "ALL", bulk=True, row_count=len(found))
    return {"items": [q.model_dump(mode="json") for q in found]}


def request_view(ctx: Ctx, request_id: str) -> dict[str, Any]:
    """The request with every decision record about it (dispatches, by-name, the round's check marks) in the
    order written, and its dispatches."""
    q = _request(ctx, request_id)
    decisions = sorted(repo.decisions_of_request(ctx.store, q.id), key=lambda d: (d.referral_date, d.sequence))
    ctx.audit_read(ENTITY, q.id)
    return {
        "request": q.model_dump(mode="json"),
        "decisions": [d.model_dump(mode="json") for d in decisions],
        "dispatches": [d.model_dump(mode="json") for d in _dispatches_of(ctx, q)],
    }


__all__ = [
    "cancel_request",
    "dispatch_by_name",
    "list_requests",
    "move_referral_date",
    "request_view",
    "update_request",
]
