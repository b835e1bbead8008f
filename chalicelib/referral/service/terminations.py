"""After a dispatch (referral-rules S5, S6, S7, R6, R9, R12, S1.4, S8.1): ending it, reporting back, voiding it.

A termination is one transaction for the dispatching registration (S11): the dispatch ends, its employment record
closes through the employment module (S7), the registration moves as S6 classifies it (through changes.py), the
member's open-dispatch marker is cleared (and for a quit or discharge the blackout recorded on it, R12.2), and the
request gives the position back when the member never started (S1.4). What spans other registrations — a quit
rolls off every book (R12.1), under-scale exemptions end (R14.6) — follows one transaction per registration from
a plan stored on the dispatch, so a call that dies halfway is finished by calling it again (resumable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, StaleVersion, bad_request, not_found
from chalicelib.core.ids import new_ulid
from chalicelib.core.store import versioned
from chalicelib.employment import service as employment
from chalicelib.employment import store as employment_repo
from chalicelib.members.store import member_pk
from chalicelib.referral import store as repo
from chalicelib.referral.domain import Book
from chalicelib.referral.domain.apn import apn_from_sequence, apn_sequence
from chalicelib.referral.domain.bids import BidStatus
from chalicelib.referral.domain.calendar import excel_serial
from chalicelib.referral.domain.records import BlackoutRecord, Dispatch, DispatchStatus, ReferralState
from chalicelib.referral.domain.registration import (
    LIVE,
    Action,
    ApnSource,
    Refused,
    Registration,
    RegStatus,
    re_sign_dates,
)
from chalicelib.referral.domain.requests import LaborRequest, RequestAction, RequestStatus, request_next_status
from chalicelib.referral.domain.rules import RuleSet
from chalicelib.referral.domain.termination import (
    NEW_APN,
    RESTORE_COUNTED,
    Classified,
    Outcome,
    RawReason,
    blackout_window,
    classify,
    end_dispatch_exemptions,
    ended_dispatch_status,
    on_time,
    reopens_request,
    rereg_outcome,
    void_problem,
)
from chalicelib.referral.service import changes, context

ENTITY_DISPATCH, ENTITY_REQ, ENTITY_STATE, ENTITY_BID = "dispatch", "labor_request", "referral_state", "bid"
SYSTEM_REASONS = frozenset({RawReason.NO_SHOW, RawReason.BID_REJECT_QUIT})
MIN_REASON = 10  # corrections (S8) need a reason a reader can act on
FOLLOW_UP_ATTEMPTS = 5


def _refused(err: Refused, status: int = 409) -> AppError:
    return AppError(status, err.code, err.message, [FieldProblem(err.field, err.message)] if err.field else [])


def _dispatch(ctx: Ctx, dispatch_id: str) -> Dispatch:
    d = ctx.store.get(repo.DISPATCHES, (f"DISPATCH#{dispatch_id}", "PROFILE"), consistent=True)
    if d is None:
        raise not_found("Dispatch")
    return d


def _registration(ctx: Ctx, member_id: str, book_code: str, registration_id: str) -> Registration | None:
    return ctx.store.get(
        repo.REGISTRATIONS, (member_pk(member_id), f"REG#{book_code}#{registration_id}"), consistent=True
    )


def _book(ctx: Ctx, code: str) -> Book:
    book = context.books_by_code(ctx.store).get(code)
    if book is None:
        raise not_found("Book")
    return book


def _state_after(
    state: ReferralState | None, member_id: str, dispatch_id: str, iso: str, blackout: BlackoutRecord | None = None
) -> ReferralState:
    base = state or ReferralState(member_id=member_id, created_at=iso, updated_at=iso)
    update: dict[str, Any] = {"updated_at": iso}
    if base.open_dispatch_id == dispatch_id:
        update["open_dispatch_id"] = None  # S2.2: the marker goes with the dispatch that set it
    if blackout is not None:
        update["blackouts"] = [*base.blackouts, blackout]
    return base.model_copy(update=update)


def _request_after(q: LaborRequest, registration_id: str, iso: str) -> LaborRequest:
    """S1.4 / S8.1: the position comes back; the member's dispatch outcome leaves the walk. A cancelled or
    expired request keeps its status (only its counters revert)."""
    dispatched = max(0, q.positions_dispatched - 1)
    status = q.status
    if q.status in (RequestStatus.FILLED, RequestStatus.PARTIALLY_FILLED):
        status = request_next_status(
            q.status, RequestAction.REOPEN, requested=q.positions_requested, dispatched=dispatched
        )
    outcomes = {k: v for k, v in q.outcomes.items() if k != registration_id}
    return q.model_copy(
        update={"positions_dispatched": dispatched, "status": status, "outcomes": outcomes, "updated_at": iso}
    )


# -- termination ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TerminationInput:
    """S5: what the dispatcher enters (or a system duty supplies: NO_SHOW, BID_REJECT_QUIT)."""

    raw_reason: RawReason
    last_day_worked: date
    hours: str | None = None
    end_rate: str | None = None
    comment: str | None = None


def terminate(ctx: Ctx, dispatch_id: str, data: TerminationInput, version: int | None = None) -> dict[str, Any]:
    """S5 → S6 → the outcome. `version` is the dispatch's version the caller saw (None for system duties).
    Repeating a termination that was already recorded with the same reason and last day finishes what it left
    undone and changes nothing else."""
    d = _dispatch(ctx, dispatch_id)
    if not d.is_open:
        done = d.terminated or {}
        if (
            done.get("raw_reason") == data.raw_reason.value
            and done.get("last_day_worked") == data.last_day_worked.isoformat()
        ):
            return _view(ctx, d, follow_up(ctx, d))
        raise AppError(
            409,
            "DISPATCH_NOT_OPEN",
            f"This dispatch is {d.status.value.lower()}.",
            [FieldProblem("dispatch_id", d.status.value)],
            {"current": d.model_dump(mode="json")},
        )
    if version is not None:
        versioned.require_version(version, d.version, lambda: d.model_dump(mode="json"), "dispatch")
    if data.raw_reason in SYSTEM_REASONS and not changes.is_system(ctx) and version is not None:
        raise bad_request("That reason is recorded by the system.", FieldProblem("raw_reason", "system reason"))
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    today = rules.calendar.local_date(now)
    if data.last_day_worked > today:
        raise bad_request("The last day worked is in the future.", FieldProblem("last_day_worked", "after today"))
    reg = _registration(ctx, d.member_id, d.book_code, d.registration_id)
    if reg is None or reg.status is not RegStatus.DISPATCHED or reg.open_dispatch_id != d.id:
        raise AppError(
            409,
            "REGISTRATION_NOT_DISPATCHED",
            "The dispatching registration is not on this dispatch.",
            [FieldProblem("dispatch_id", reg.status.value if reg else "missing")],
        )
    request = repo.labor_request(ctx.store, d.request_id)
    local = rules.for_agreement(request.agreement_type) if request else rules.local
    c = classify(
        data.raw_reason,
        start=d.start_date,
        last_day=data.last_day_worked,
        referral_date=d.referral_date,
        under_scale=d.under_scale,
        counted_restorations=reg.counted_restorations,
        cal=rules.calendar,
        rules=local,
    )
    try:
        after = _commit_termination(ctx, rules, d, reg, request, data, c, today)
    except StaleVersion:
        raise versioned.stale(_dispatch(ctx, dispatch_id).model_dump(mode="json"), "dispatch") from None
    except Refused as err:
        raise _refused(err) from None
    return _view(ctx, after, follow_up(ctx, after))


def _commit_termination(
    ctx: Ctx,
    rules: RuleSet,
    d: Dispatch,
    reg: Registration,
    request: LaborRequest | None,
    data: TerminationInput,
    c: Classified,
    today: date,
) -> Dispatch:
    now, iso = ctx.now(), ctx.now().isoformat()
    end_status = ended_dispatch_status(data.raw_reason)
    batch = ctx.store.batch()
    common: dict[str, Any] = {"dispatch_id": d.id, "request_id": d.request_id, "open_dispatch_id": None}
    if c.outcome in (Outcome.PENDING_RESTORE, Outcome.PENDING_NEW_APN):
        changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.TERMINATE_PENDING,
            reason_code=c.classification.value,
            activity_action="TERMINATE",
            rereg_deadline_at=c.rereg_deadline_at,
            rereg_outcome=rereg_outcome(c),
            **common,
        )
    elif c.outcome is Outcome.CLOSED:
        changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.TERMINATE_CLOSED,
            reason_code=c.classification.value,
            activity_action="TERMINATE",
            **common,
        )
    else:
        changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.TERMINATE_PENALTY,
            reason_code=c.roll_off_reason,
            activity_action="ROLL_OFF",
            reason=data.comment,
            **common,
        )
    blackout = None
    if c.outcome is Outcome.ROLL_OFF_ALL_BOOKS:
        # R12.2: from the date of the event — the last day worked for a quit or discharge, the day the system
        # recorded a no-show or a rejected dispatch.
        event = data.last_day_worked if data.raw_reason not in SYSTEM_REASONS else today
        start, first_eligible = blackout_window(event, rules.local)
        blackout = BlackoutRecord(
            employer_id=d.employer_id,
            employer_name=d.employer_name,
            start=start,
            first_eligible=first_eligible,
            scope=rules.local.blackout_scope,
            reason=c.roll_off_reason or data.raw_reason.value,
        )
    state = repo.referral_state(ctx.store, d.member_id)
    batch.put(_state_after(state, d.member_id, d.id, iso, blackout), state.version if state else None)
    if blackout is not None:
        batch.audit(
            ctx.audit_entry(
                AuditAction.UPDATE,
                ENTITY_STATE,
                d.member_id,
                {},
                {"blackout": blackout.model_dump(mode="json")},
                dispatch_id=d.id,
            )
        )
    job = employment_repo.get(ctx.store, d.member_id, d.employment_id)
    if job is not None:
        employment.end_dispatch_job(
            ctx,
            batch,
            job,
            employment_repo.timeline(ctx.store, d.member_id),
            last_day_worked=data.last_day_worked,
            end_rate=data.end_rate,
            raw_reason=data.raw_reason.value,
            classification=c.classification.value,
            working_days=c.working_days_worked,
            calendar_days=c.calendar_days,
            hours=data.hours,
            comment=data.comment,
        )
    if request is not None and reopens_request(end_status, today, d.start_date):
        after_req = _request_after(request, reg.id, iso)
        batch.put(after_req, request.version)
        batch.audit(
            ctx.audit_entry(
                AuditAction.UPDATE,
                ENTITY_REQ,
                request.id,
                {"positions_dispatched": request.positions_dispatched, "status": request.status.value},
                {"positions_dispatched": after_req.positions_dispatched, "status": after_req.status.value},
                reopened_by=d.id,
            )
        )
    plan = _follow_up_plan(ctx, d, reg, c)
    terminated = {
        "raw_reason": data.raw_reason.value,
        "last_day_worked": data.last_day_worked.isoformat(),
        "hours": data.hours,
        "end_rate": data.end_rate,
        "comment": data.comment,
        "working_days_worked": c.working_days_worked,
        "calendar_days": c.calendar_days,
        "classification": c.classification.value,
        "s6_row": c.row,
        "outcome": c.outcome.value,
        "counts_toward_limit": c.counts_toward_limit,
        "rereg_deadline_at": c.rereg_deadline_at.isoformat() if c.rereg_deadline_at else None,
        "roll_off_reason": c.roll_off_reason,
        "blackout": blackout.model_dump(mode="json") if blackout else None,
        "at": now.isoformat(),
        "by": ctx.caller.id,
        **plan,
    }
    after = d.model_copy(update={"status": DispatchStatus(end_status), "terminated": terminated, "updated_at": iso})
    batch.put(after, d.version)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE,
            ENTITY_DISPATCH,
            d.id,
            {"status": d.status.value},
            {"status": after.status.value, "terminated": terminated},
        )
    )
    batch.commit()
    return after.model_copy(update={"version": d.version + 1})


def _follow_up_plan(ctx: Ctx, d: Dispatch, reg: Registration, c: Classified) -> dict[str, Any]:
    """Which other registrations the termination still has to change, fixed now so a retry never touches a
    registration made later (a member may register again the same day, AS-078)."""
    others = [r for r in repo.registrations_of(ctx.store, d.member_id) if r.id != reg.id]
    plan: dict[str, Any] = {}
    if c.outcome is Outcome.ROLL_OFF_ALL_BOOKS:
        plan["roll_off"] = [[r.book_code, r.id] for r in others if r.status in LIVE]
    exempted = [[r.book_code, r.id] for r in others if any(e.dispatch_id == d.id for e in r.exemptions)]
    if exempted:
        plan["end_exemptions"] = exempted
    return plan


def follow_up(ctx: Ctx, d: Dispatch) -> dict[str, Any]:
    """What a termination does beyond its own registration, one transaction per registration (S11), each
    guarded by its state (only a live registration rolls off; only an active exemption ends): R12.1 every other
    book, R12.5 pending bids, R14.6 under-scale exemptions. Safe to repeat."""
    t = d.terminated or {}
    rules = context.rules_at(ctx.store, ctx.now())
    rolled = []
    for book_code, rid in t.get("roll_off", []):
        if roll_off(ctx, rules, d.member_id, book_code, rid, t.get("roll_off_reason") or "QUIT", dispatch_id=d.id):
            rolled.append(rid)
    expired = (
        _expire_bids(ctx, d.member_id)
        if t.get("roll_off_reason") and t.get("outcome") == Outcome.ROLL_OFF_ALL_BOOKS.value
        else 0
    )
    ended = []
    last_day = date.fromisoformat(t["last_day_worked"]) if t.get("last_day_worked") else None
    for book_code, rid in t.get("end_exemptions", []):
        if last_day is not None and _end_exemptions(ctx, rules, d, book_code, rid, last_day):
            ended.append(rid)
    return {"rolled_off": rolled, "bids_expired": expired, "exemptions_ended": ended}


def roll_off(
    ctx: Ctx,
    rules: RuleSet,
    member_id: str,
    book_code: str,
    registration_id: str,
    reason_code: str,
    *,
    dispatch_id: str | None = None,
    run_id: str | None = None,
) -> bool:
    """One registration to ROLLED_OFF with its activity and audit entries, in one transaction (S11) — if it is
    still live. True when this call rolled it off."""
    for _ in range(FOLLOW_UP_ATTEMPTS):
        reg = _registration(ctx, member_id, book_code, registration_id)
        if reg is None or reg.status not in LIVE:
            return False
        batch = ctx.store.batch()
        changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.ROLL_OFF,
            reason_code=reason_code,
            dispatch_id=dispatch_id,
            reason=f"run {run_id}" if run_id else None,
            rereg_deadline_at=None,
            rereg_outcome=None,
        )
        try:
            batch.commit()
        except StaleVersion:
            continue
        return True
    raise versioned.stale(None, "registration")


def roll_off_everywhere(ctx: Ctx, member_id: str, reason_code: str, *, run_id: str | None = None) -> list[str]:
    """Every live registration of a member on every book to ROLLED_OFF (R12.1 for a quit or discharge, R6.4 /
    duty N2 MISSED_REREGISTRATION): one transaction per registration, each only if still live, so a run that
    stopped halfway completes when called again. Returns the registrations this call rolled off."""
    rules = context.rules_at(ctx.store, ctx.now())
    done = []
    for r in repo.registrations_of(ctx.store, member_id):
        if r.status in LIVE and roll_off(ctx, rules, member_id, r.book_code, r.id, reason_code, run_id=run_id):
            done.append(r.id)
    return done


def _expire_bids(ctx: Ctx, member_id: str) -> int:
    """R12.5: the member's pending bids become EXPIRED (MEMBER_ROLLED_OFF)."""
    count, cursor = 0, None
    while True:
        page = repo.bids_of_member(ctx.store, member_id, 100, cursor)
        for b in page.items:
            if b.status is not BidStatus.PENDING:
                continue
            after = b.model_copy(
                update={
                    "status": BidStatus.EXPIRED,
                    "status_reason": "MEMBER_ROLLED_OFF",
                    "updated_at": ctx.now().isoformat(),
                }
            )
            batch = ctx.store.batch()
            batch.put(after, b.version)
            batch.audit(
                ctx.audit_entry(
                    AuditAction.UPDATE,
                    ENTITY_BID,
                    f"{b.request_id}.{b.member_id}",
                    {"status": b.status.value},
                    {"status": after.status.value},
                    status_reason="MEMBER_ROLLED_OFF",
                )
            )
            try:
                batch.commit()
                count += 1
            except StaleVersion:
                pass  # changed meanwhile (withdrawn, processed): no longer pending
        cursor = page.next_cursor
        if not cursor:
            return count


def _end_exemptions(
    ctx: Ctx, rules: RuleSet, d: Dispatch, book_code: str, registration_id: str, last_day: date
) -> bool:
    book = _book(ctx, book_code)
    for _ in range(FOLLOW_UP_ATTEMPTS):
        reg = _registration(ctx, d.member_id, book_code, registration_id)
        if reg is None:
            return False
        update = end_dispatch_exemptions(reg, d.id, last_day, rules.local, book.grace_period_days)
        if update is None:
            return False
        batch = ctx.store.batch()
        changes.stage_update(
            ctx, batch, rules, reg, "EXEMPT_END", reason_code="DISPATCH_ENDED", dispatch_id=d.id, **update
        )
        try:
            batch.commit()
        except StaleVersion:
            continue
        return True
    raise versioned.stale(None, "registration")


# -- re-registration (R6.3) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReregisterInput:
    version: int
    channel: str
    received_at: datetime | None = None


def reregister(ctx: Ctx, member_id: str, registration_id: str, data: ReregisterInput) -> dict[str, Any]:
    """R6.3: the member reports back by the deadline. RESTORE: the same row returns to REGISTERED with its APN
    (R9.6: APN, tier, registered_at and marks kept, re-sign clock reset; a counted restoration adds one, R9.5).
    NEW_APN: the row closes (NEW_APN_REREGISTRATION) and a new registration on the same book and tier starts with
    an APN of the re-registration date and counters at 0 — in a second transaction, which a repeated call
    completes if the first one stood alone."""
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    local = rules.local
    reg = next((r for r in repo.registrations_of(ctx.store, member_id) if r.id == registration_id), None)
    if reg is None:
        raise not_found("Registration")
    if reg.status is RegStatus.CLOSED and reg.status_reason == "NEW_APN_REREGISTRATION" and not reg.successor_id:
        return _successor(ctx, rules, reg, now, data.channel)
    versioned.require_version(data.version, reg.version, lambda: reg.model_dump(mode="json"), "registration")
    if reg.status is not RegStatus.PENDING_REREGISTRATION:
        raise AppError(
            409,
            "NOT_PENDING_REREGISTRATION",
            f"A {reg.status.value.lower()} registration has nothing to re-register.",
            [FieldProblem("registration_id", reg.status.value)],
        )
    if data.channel not in local.reregistration_channels:
        raise AppError(
            409,
            "CHANNEL_NOT_ALLOWED",
            f"Re-registration by {data.channel} is not accepted (R6.3).",
            [FieldProblem("channel", "not an accepted channel")],
        )
    received = data.received_at or now
    if received > now:
        raise bad_request("A re-registration is received at or before now.", FieldProblem("received_at", "future"))
    assert reg.rereg_deadline_at is not None
    if not on_time(received, reg.rereg_deadline_at):
        local_deadline = rules.calendar.local(reg.rereg_deadline_at)
        raise AppError(
            409,
            "DEADLINE_PASSED",
            f"The deadline was {local_deadline:%Y-%m-%d %H:%M} (R6.4).",
            [FieldProblem("received_at", "after the re-registration deadline")],
        )
    book = _book(ctx, reg.book_code)
    iso = now.isoformat()
    batch = ctx.store.batch()
    if reg.rereg_outcome == NEW_APN:
        changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.REREGISTER_NEW_APN,
            reason_code="NEW_APN_REREGISTRATION",
            rereg_deadline_at=None,
            rereg_outcome=None,
        )
        try:
            batch.commit()
        except (StaleVersion, Refused) as err:
            raise _conflict(ctx, reg, err) from None
        closed = reg.model_copy(
            update={
                "status": RegStatus.CLOSED,
                "status_reason": "NEW_APN_REREGISTRATION",
                "version": reg.version + 1,
                "updated_at": iso,
                "rereg_deadline_at": None,
                "rereg_outcome": None,
                "status_changed_at": now,
            }
        )
        return _successor(ctx, rules, closed, now, data.channel)
    due, grace = re_sign_dates(rules.calendar.local_date(now), book.re_sign_days, book.grace_period_days)
    counted = reg.counted_restorations + (1 if reg.rereg_outcome == RESTORE_COUNTED else 0)
    try:
        after = changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.RESTORE,
            reason_code="RESTORE",
            reason=f"re-registered by {data.channel}",
            last_re_sign_at=now,
            re_sign_due_date=due,
            grace_end_date=grace,
            counted_restorations=counted,
            rereg_deadline_at=None,
            rereg_outcome=None,
        )
        batch.commit()
    except (StaleVersion, Refused) as err:
        raise _conflict(ctx, reg, err) from None
    return {
        "registration": after.model_copy(update={"version": reg.version + 1}).model_dump(mode="json"),
        "outcome": "RESTORED",
        "predecessor": None,
    }


def _conflict(ctx: Ctx, reg: Registration, err: Exception) -> AppError:
    if isinstance(err, Refused):
        return _refused(err, 403 if err.code == "FORBIDDEN" else 409)
    latest = _registration(ctx, reg.member_id, reg.book_code, reg.id)
    return versioned.stale(latest.model_dump(mode="json") if latest else None, "registration")


def _successor(ctx: Ctx, rules: RuleSet, closed: Registration, now: datetime, channel: str) -> dict[str, Any]:
    """S6 "new APN": the successor on the same book and tier, APN of today (§4.3, allocated atomically), counters
    at 0, linked both ways; it claims the one-live-registration key the closed row released."""
    book = _book(ctx, closed.book_code)
    today = rules.calendar.local_date(now)
    floor = max((apn_sequence(a) for a in repo.apns_of_day(ctx.store, book.code, excel_serial(today))), default=0)
    new = apn_from_sequence(today, ctx.store.sequences.next(repo.apn_sequence(book.code, today), floor=floor))
    due, grace = re_sign_dates(today, book.re_sign_days, book.grace_period_days)
    iso = now.isoformat()
    successor = Registration(
        id=new_ulid(),
        member_id=closed.member_id,
        book_code=book.code,
        tier=closed.tier,
        apn=new.apn,
        apn_source=ApnSource.GENERATED,
        registered_at=now,
        channel=channel,
        status=RegStatus.REGISTERED,
        status_reason="NEW_APN_REREGISTRATION",
        status_changed_at=now,
        last_re_sign_at=now,
        re_sign_due_date=due,
        grace_end_date=grace,
        predecessor_id=closed.id,
        created_at=iso,
        updated_at=iso,
    )
    batch = ctx.store.batch()
    batch.create_unique(repo.live_registration_key(closed.member_id, book.code), successor.id)
    batch.put(successor)
    batch.put(
        context.activity(
            ctx,
            rules,
            book_code=book.code,
            member_id=closed.member_id,
            action="REREGISTER_NEW_APN",
            registration_id=successor.id,
            previous_status=RegStatus.CLOSED.value,
            new_status=RegStatus.REGISTERED.value,
            previous_apn=closed.apn_text,
            new_apn=successor.apn_text,
            tier=successor.tier,
            registered_at=now,
            reason_code="APN_SEQUENCE_OVERFLOW" if new.overflow else None,
        )
    )
    batch.audit(
        ctx.audit_entry(
            AuditAction.CREATE,
            "registration",
            successor.id,
            {},
            successor.model_dump(mode="json"),
            predecessor_id=closed.id,
        )
    )
    changes.stage_update(
        ctx, batch, rules, closed, "SUCCESSOR_LINKED", reason_code="NEW_APN_REREGISTRATION", successor_id=successor.id
    )
    versioned.commit(
        batch,
        duplicates=lambda _: AppError(
            409,
            "ALREADY_REGISTERED",
            "The member already has a live registration on this book (R5.2).",
            [FieldProblem("registration_id", "already registered")],
        ),
    )
    return {
        "registration": successor.model_dump(mode="json"),
        "outcome": "NEW_APN",
        "predecessor": closed.model_copy(
            update={"successor_id": successor.id, "version": closed.version + 1}
        ).model_dump(mode="json"),
    }


# -- void (S8.1) ---------------------------------------------------------------------------------------------


def void(ctx: Ctx, dispatch_id: str, version: int, reason: str, entered_in_error: bool) -> dict[str, Any]:
    """S8.1: an officer or dispatcher voids a dispatch (reason required) before its start date, or after it when
    it was entered in error: the registration returns to REGISTERED with its APN, the request's counters revert
    (S1.4), the employment record is marked voided, the open-dispatch marker is cleared — one transaction. Marks
    already charged stay (an officer restores them one by one if needed)."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise AppError(
            400,
            "REASON_TOO_SHORT",
            f"Give a reason of at least {MIN_REASON} characters.",
            [FieldProblem("reason", f"at least {MIN_REASON} characters")],
        )
    d = _dispatch(ctx, dispatch_id)
    versioned.require_version(version, d.version, lambda: d.model_dump(mode="json"), "dispatch")
    now, iso = ctx.now(), ctx.now().isoformat()
    rules = context.rules_at(ctx.store, now)
    today = rules.calendar.local_date(now)
    problem = void_problem(d.status.value, d.start_date, today, entered_in_error)
    if problem is not None:
        raise AppError(
            409,
            problem[0],
            problem[1],
            [FieldProblem("entered_in_error" if problem[0] == "VOID_AFTER_START" else "dispatch_id", problem[1])],
        )
    reg = _registration(ctx, d.member_id, d.book_code, d.registration_id)
    if reg is None or reg.status is not RegStatus.DISPATCHED or reg.open_dispatch_id != d.id:
        raise AppError(
            409,
            "REGISTRATION_NOT_DISPATCHED",
            "The dispatching registration is not on this dispatch.",
            [FieldProblem("dispatch_id", reg.status.value if reg else "missing")],
        )
    batch = ctx.store.batch()
    try:
        changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.VOID_DISPATCH,
            reason_code="DISPATCH_VOIDED",
            reason=text,
            dispatch_id=d.id,
            request_id=d.request_id,
            open_dispatch_id=None,
        )
    except Refused as err:
        raise _refused(err, 403 if err.code == "FORBIDDEN" else 409) from None
    request = repo.labor_request(ctx.store, d.request_id)
    if request is not None:
        after_req = _request_after(request, reg.id, iso)
        batch.put(after_req, request.version)
        batch.audit(
            ctx.audit_entry(
                AuditAction.UPDATE,
                ENTITY_REQ,
                request.id,
                {"positions_dispatched": request.positions_dispatched, "status": request.status.value},
                {"positions_dispatched": after_req.positions_dispatched, "status": after_req.status.value},
                voided_dispatch=d.id,
            )
        )
    state = repo.referral_state(ctx.store, d.member_id)
    batch.put(_state_after(state, d.member_id, d.id, iso), state.version if state else None)
    job = employment_repo.get(ctx.store, d.member_id, d.employment_id)
    if job is not None:
        employment.void_dispatch_job(ctx, batch, job, employment_repo.timeline(ctx.store, d.member_id), text)
    voided = {
        "at": now.isoformat(),
        "by": ctx.caller.id,
        "reason": text,
        "entered_in_error": entered_in_error,
        "previous_status": d.status.value,
    }
    after = d.model_copy(update={"status": DispatchStatus.VOIDED, "voided": voided, "updated_at": iso})
    batch.put(after, d.version)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE,
            ENTITY_DISPATCH,
            d.id,
            {"status": d.status.value},
            {"status": after.status.value, "voided": voided},
            reason=text,
        )
    )
    versioned.commit(batch, current=lambda: _dispatch(ctx, dispatch_id).model_dump(mode="json"), what="dispatch")
    done = after.model_copy(update={"version": d.version + 1})
    return _view(ctx, done, {"exemptions_revoked": _revoke_exemptions(ctx, rules, done)})


def _revoke_exemptions(ctx: Ctx, rules: RuleSet, d: Dispatch) -> list[str]:
    """A voided dispatch never was: the under-scale exemptions it made (R14.6) are revoked."""
    out = []
    for r in repo.registrations_of(ctx.store, d.member_id):
        if not any(e.dispatch_id == d.id and e.status == "ACTIVE" for e in r.exemptions):
            continue
        batch = ctx.store.batch()
        exemptions = [e.model_copy(update={"status": "REVOKED"}) if e.dispatch_id == d.id else e for e in r.exemptions]
        changes.stage_update(
            ctx, batch, rules, r, "EXEMPT_END", reason_code="DISPATCH_VOIDED", dispatch_id=d.id, exemptions=exemptions
        )
        try:
            batch.commit()
            out.append(r.id)
        except StaleVersion:
            pass  # changed meanwhile; N1 and staff see the exemption and its dispatch
    return out


# -- reading ---------------------------------------------------------------------------------------------


def _view(ctx: Ctx, d: Dispatch, follow: dict[str, Any] | None = None) -> dict[str, Any]:
    reg = _registration(ctx, d.member_id, d.book_code, d.registration_id)
    out: dict[str, Any] = {
        "dispatch": d.model_dump(mode="json"),
        "registration": reg.model_dump(mode="json") if reg else None,
    }
    if follow is not None:
        out["follow_up"] = follow
    return out


def dispatch_view(ctx: Ctx, dispatch_id: str) -> dict[str, Any]:
    """A dispatch with its decision record and employment record (staff)."""
    d = _dispatch(ctx, dispatch_id)
    decision = next((r for r in repo.decisions_of_request(ctx.store, d.request_id) if r.id == d.decision_id), None)
    job = employment_repo.get(ctx.store, d.member_id, d.employment_id)
    ctx.audit_read(ENTITY_DISPATCH, d.id)
    return {
        **_view(ctx, d),
        "decision": decision.model_dump(mode="json") if decision else None,
        "employment": job.model_dump(mode="json") if job else None,
    }


def member_dispatches(ctx: Ctx, member_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """AP-03 / the member page: the member's referral history, newest first (the member reads their own)."""
    page = repo.dispatches_of_member(ctx.store, member_id, limit, cursor)
    ctx.audit_read(ENTITY_DISPATCH, member_id, bulk=True, row_count=len(page.items))
    return {"items": [d.model_dump(mode="json") for d in page.items], "next_cursor": page.next_cursor}


__all__ = ["TerminationInput", "follow_up", "reregister", "roll_off", "roll_off_everywhere", "terminate", "void"]


# -- reinstatement (S8.2) ------------------------------------------------------------------------------------


def reinstate(
    ctx: Ctx, member_id: str, registration_id: str, version: int, reason: str, check_mark_count: int | None
) -> dict[str, Any]:
    """S8.2: an officer or admin returns a ROLLED_OFF registration to REGISTERED (error correction, grievance
    settlement; reason of at least 10 characters): the original APN and place, the check-mark count decided now
    (default: the count, kept within the book's maximum), last_re_sign_at = now. It takes back the member's one
    live registration on the book (ALREADY_REGISTERED if the member registered anew meanwhile)."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise AppError(
            400,
            "REASON_TOO_SHORT",
            f"Give a reason of at least {MIN_REASON} characters.",
            [FieldProblem("reason", f"at least {MIN_REASON} characters")],
        )
    reg = next((r for r in repo.registrations_of(ctx.store, member_id) if r.id == registration_id), None)
    if reg is None:
        raise not_found("Registration")
    versioned.require_version(version, reg.version, lambda: reg.model_dump(mode="json"), "registration")
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    book = _book(ctx, reg.book_code)
    marks = min(reg.check_mark_count, book.max_check_marks) if check_mark_count is None else check_mark_count
    if not 0 <= marks <= book.max_check_marks:
        raise bad_request(
            "A registered member holds at most the book's maximum of marks.",
            FieldProblem("check_mark_count", f"0 to {book.max_check_marks}"),
        )
    due, grace = re_sign_dates(rules.calendar.local_date(now), book.re_sign_days, book.grace_period_days)
    batch = ctx.store.batch()
    try:
        after = changes.stage_transition(
            ctx,
            batch,
            rules,
            reg,
            Action.REINSTATE,
            reason_code="REINSTATED",
            reason=text,
            check_mark_count=marks,
            last_re_sign_at=now,
            re_sign_due_date=due,
            grace_end_date=grace,
            rereg_deadline_at=None,
            rereg_outcome=None,
            open_dispatch_id=None,
        )
    except Refused as err:
        raise _refused(err, 403 if err.code == "FORBIDDEN" else 409) from None
    batch.create_unique(repo.live_registration_key(member_id, reg.book_code), reg.id)
    versioned.commit(
        batch,
        current=lambda: reg.model_dump(mode="json"),
        what="registration",
        duplicates=lambda _: AppError(
            409,
            "ALREADY_REGISTERED",
            "The member holds a newer live registration on this book.",
            [FieldProblem("registration_id", "already registered on the book")],
        ),
    )
    return {"registration": after.model_copy(update={"version": reg.version + 1}).model_dump(mode="json")}
