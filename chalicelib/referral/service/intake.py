"""Registration intake and the wire gate (referral-rules §4.5, R5.5, R2.4).

Every registration request — a dispatcher registering a member at the counter, or staff logging an e-mail — is an
intake. While the day's gate is open and nothing is waiting, it is processed at once, the intake written PROCESSED
in the registration's transaction. Otherwise it is held (RECEIVED) and `process_held_intakes` — called by the gate
job, by a dispatcher, and by the next registration once the gate is open — processes every held intake in
`received_at` order, each in its own transaction with the intake's version as its guard, so running it twice, or
twice at once, processes each intake exactly once. A refusal at processing time is recorded on the intake.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, StaleVersion, bad_request, forbidden
from chalicelib.core.ids import new_ulid
from chalicelib.core.roles import Role
from chalicelib.core.store import versioned
from chalicelib.referral import store as repo
from chalicelib.referral.domain.calendar import parse_hhmm
from chalicelib.referral.domain.intake import WIRE_GATE_BOOKS, Gate, WireGateRecord, WireRound, gate, processing_order
from chalicelib.referral.domain.records import Intake, IntakeStatus, RoundStatus
from chalicelib.referral.domain.requests import RequestStatus
from chalicelib.referral.service import context, registrations

ENTITY = "intake"
MAX_AGE = timedelta(days=7)  # an intake is logged within a week of its receipt
ON_SHEET = frozenset({RequestStatus.OPEN, RequestStatus.PARTIALLY_FILLED, RequestStatus.FILLED})


def gate_of(ctx: Ctx, day: date) -> Gate:
    """§4.5.2 for `day`: as recorded when it was first found open, else from the WIRE books' rounds (one batch
    read) and, for a round not completed, whether anything is on its sheet (an empty sheet completes by itself at
    its slot)."""
    recorded = repo.wire_gate(ctx.store, day)
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    cal = rules.calendar
    if recorded is not None:  # once open, open for the day (a sheet changed later does not close it again)
        # Stored in UTC; shown, like every rule time, in the local's zone.
        return Gate(day, recorded.opens_at.astimezone(cal.zone) if recorded.opens_at else None, recorded.how)
    books = context.books_by_code(ctx.store, now)
    wire = [books[c] for c in WIRE_GATE_BOOKS if c in books and books[c].is_active]
    keys = [(repo.ROUNDS, (f"ROUND#{b.code}#{day.isoformat()}", "ROUND")) for b in wire]
    found = ctx.store.get_many(keys, consistent=True) if keys else []
    rounds = []
    for book, rnd in zip(wire, found, strict=True):
        completed = rnd.completed_at if rnd is not None and rnd.status is RoundStatus.COMPLETED else None
        empty = completed is None and not any(
            q.status in ON_SHEET and not q.by_name and not q.emergency for q in repo.sheet(ctx.store, book.code, day)
        )
        slot = cal.at(day, parse_hhmm(book.referral_start_time))
        rounds.append(WireRound(book.code, slot, completed, empty))
    return gate(day, rounds, cal, rules.local.wire_gate_fallback_time)


def gate_view(g: Gate, now: datetime) -> dict[str, Any]:
    return {
        "day": g.day.isoformat(),
        "open": g.open_at(now),
        "opens_at": g.opens_at.isoformat() if g.opens_at else None,
        "how": g.how,
    }


def receive(
    ctx: Ctx,
    member_id: str,
    book_code: str,
    tier: int,
    channel: str,
    received_at: datetime | None = None,
    acknowledge_outside_hours: bool = False,
) -> dict[str, Any]:
    """Log a registration request (§4.5.1) and process it now if the gate allows (§4.5.4), else hold it (§4.5.3).
    Office staff log e-mail intakes only (modules §17). What can be refused now is refused now (nothing written);
    `{"status": "PROCESSED" | "HELD" | "REFUSED", "intake", "registration"?, "confirmation"?, "gate"}`."""
    now = ctx.now()
    if ctx.caller.roles.isdisjoint({Role.ADMIN, Role.OFFICER, Role.DISPATCHER}) and channel != "email":
        raise forbidden("Office staff log e-mail registrations; a dispatcher registers in person.")
    received = received_at or now
    if received > now or received < now - MAX_AGE:
        raise bad_request(
            "An intake is logged within a week of its receipt, never ahead of it.",
            FieldProblem("received_at", "must be within the last 7 days and not in the future"),
        )
    rules = context.rules_at(ctx.store, now)
    checked = registrations.check(ctx, rules, member_id, book_code, tier, channel)
    note = registrations.office_hours_note(rules, checked.book, channel, received, acknowledge_outside_hours)
    today = rules.calendar.local_date(now)
    g = gate_of(ctx, today)
    if g.open_at(now):
        _record_gate(ctx, g, now)
    iso = now.isoformat()
    intake = Intake(
        id=new_ulid(),
        member_id=member_id,
        book_code=book_code,
        tier=tier,
        channel=channel,
        received_at=received,
        entered_by=ctx.caller.id,
        office_hours_note=note,
        created_at=iso,
        updated_at=iso,
    )
    if g.open_at(now) and not repo.held_intakes(ctx.store):
        reg, confirmation = registrations.register_now(
            ctx, member_id, book_code, tier, channel, received, intake=intake, intake_is_new=True, checked=checked
        )
        done = intake.model_copy(update={"status": IntakeStatus.PROCESSED, "registration_id": reg.id})
        return _result(done, g, now, reg.model_dump(mode="json"), confirmation)
    batch = ctx.store.batch()
    batch.put(intake)
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, intake.id, {}, intake.model_dump(mode="json")))
    versioned.commit(batch)
    if not g.open_at(now):
        return _result(intake, g, now)
    # The gate is open but earlier intakes still wait: they go first (§4.5.3), then this one.
    outcome = process_held_intakes(ctx, today)
    mine = next((o for o in outcome["processed"] + outcome["refused"] if o["intake"]["id"] == intake.id), None)
    if mine is None:
        latest = repo.intake(ctx.store, intake.id) or intake
        return _result(latest, g, now)
    return {**mine, "status": mine["intake"]["status"], "gate": gate_view(g, now)}


def _result(
    intake: Intake,
    g: Gate,
    now: datetime,
    registration: dict[str, Any] | None = None,
    confirmation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "status": intake.status.value if intake.status is not IntakeStatus.RECEIVED else "HELD",
        "intake": intake.model_dump(mode="json"),
        "registration": registration,
        "confirmation": confirmation,
        "gate": gate_view(g, now),
    }


def process_held_intakes(ctx: Ctx, day: date | None = None) -> dict[str, Any]:
    """§4.5.3: once today's gate is open (`day`, if given, must be today), every held intake received up to now
    is processed in `received_at` order, before any intake received afterwards: registered (APN of today, the
    processing date, §4.5.5) or refused with the rule's code recorded on the intake. Idempotent and safe to run
    twice at once: each intake moves RECEIVED → PROCESSED | REFUSED once, under its version. The first run that
    finds the gate open records how it opened (a fallback opening is logged, §4.5.2)."""
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    today = rules.calendar.local_date(now)
    if day is not None and day != today:
        # Held intakes take the processing date's APN (§4.5.5): only today's open gate may release them.
        raise bad_request("Held intakes are processed at today's gate.", FieldProblem("day", "must be today"))
    g = gate_of(ctx, today)
    out: dict[str, Any] = {"gate": gate_view(g, now), "processed": [], "refused": [], "still_held": 0}
    if not g.open_at(now):
        out["still_held"] = len(repo.held_intakes(ctx.store))
        return out
    _record_gate(ctx, g, now)
    for intake in processing_order(repo.held_intakes(ctx.store)):
        if intake.received_at > now:
            out["still_held"] += 1
            continue
        current = repo.intake(ctx.store, intake.id)  # consistent: another run may have taken it meanwhile
        if current is None or current.status is not IntakeStatus.RECEIVED:
            continue
        try:
            reg, confirmation = registrations.register_now(
                ctx,
                current.member_id,
                current.book_code,
                current.tier,
                current.channel,
                current.received_at,
                intake=current,
            )
        except AppError as err:
            if err.code == versioned.CONCURRENT_UPDATE:
                continue  # another run processed it
            refused = _refuse(ctx, current, err)
            if refused is not None:
                out["refused"].append({"intake": refused.model_dump(mode="json"), "code": err.code})
            continue
        done = current.model_copy(update={"status": IntakeStatus.PROCESSED, "registration_id": reg.id})
        out["processed"].append(
            {
                "intake": done.model_dump(mode="json"),
                "registration": reg.model_dump(mode="json"),
                "confirmation": confirmation,
            }
        )
    return out


def _refuse(ctx: Ctx, intake: Intake, err: AppError) -> Intake | None:
    """Record the refusal on the intake (R5 codes), unless another run settled the intake first."""
    iso = ctx.now().isoformat()
    after = intake.model_copy(
        update={"status": IntakeStatus.REFUSED, "refusal": f"{err.code}: {err.message}", "updated_at": iso}
    )
    batch = ctx.store.batch()
    batch.put(after, intake.version)
    batch.audit(
        ctx.audit_entry(
            AuditAction.UPDATE, ENTITY, intake.id, intake.model_dump(mode="json"), after.model_dump(mode="json")
        )
    )
    try:
        batch.commit()
    except StaleVersion:
        return None
    return after


def _record_gate(ctx: Ctx, g: Gate, now: datetime) -> None:
    """Once per day: when and how the gate opened (WIRE_GATE_FALLBACK is the logged fallback of §4.5.2)."""
    if g.opens_at is None or repo.wire_gate(ctx.store, g.day) is not None:
        return
    iso = now.isoformat()
    record = WireGateRecord(
        day=g.day,
        opens_at=g.opens_at,
        how=g.how,
        observed_at=now,
        observed_by=ctx.caller.id,
        created_at=iso,
        updated_at=iso,
    )
    batch = ctx.store.batch()
    batch.put(record)
    batch.audit(
        ctx.audit_entry(
            AuditAction.CREATE, "wire_gate", g.day.isoformat(), {}, record.model_dump(mode="json"), event=g.how
        )
    )
    try:
        batch.commit()
    except StaleVersion:
        pass  # another run recorded it


def held(ctx: Ctx) -> dict[str, Any]:
    """The intakes the gate holds, in processing order, with today's gate."""
    now = ctx.now()
    today = context.rules_at(ctx.store, now).calendar.local_date(now)
    return {
        "gate": gate_view(gate_of(ctx, today), now),
        "gate_record": (lambda r: r.model_dump(mode="json") if r else None)(repo.wire_gate(ctx.store, today)),
        "items": [i.model_dump(mode="json") for i in processing_order(repo.held_intakes(ctx.store))],
    }
