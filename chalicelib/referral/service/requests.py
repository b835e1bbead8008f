"""Labor requests (referral-rules S1, R3, R4, R9, R11): entry with its schedule, number and check-mark flags."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, bad_request
from chalicelib.core.ids import new_ulid
from chalicelib.core.store import versioned
from chalicelib.core.roles import Role
from chalicelib.employers import store as employers_repo
from chalicelib.members import store as members_repo
from chalicelib.referral import store as repo
from chalicelib.referral.domain.registration import Refused
from chalicelib.referral.domain.requests import (
    LaborRequest,
    NoMarkReason,
    is_short_call,
    no_mark_reasons,
    request_number,
    schedule,
    suggested_flags,
)
from chalicelib.referral.domain.rules import AgreementType, SignatoryCheck
from chalicelib.referral.service import context
from chalicelib.referral.service.dispatch import refused

ENTITY = "labor_request"
RECEIVED_NOTE_AFTER = timedelta(minutes=15)


def create_request(ctx: Ctx, body: Any) -> LaborRequest:
    """S1: enter an employer's request. `body` carries the fields of `schemas.RequestCreate`."""
    now = ctx.now()
    rules_set = context.rules_at(ctx.store, now)
    book = context.books_by_code(ctx.store).get(body.book_code)
    if book is None:
        raise bad_request("No such book.", FieldProblem("book_code", "unknown book"))
    if not book.is_active:
        raise AppError(409, "BOOK_INACTIVE", "This book is not active.", [FieldProblem("book_code", "inactive")])
    agreement = AgreementType(body.agreement_type)
    if agreement.value not in book.accepted_agreement_types:
        raise AppError(
            409,
            "AGREEMENT_MISMATCH",
            f"{book.name} does not take {agreement.value} requests (R4.1).",
            [FieldProblem("agreement_type", "not accepted by this book")],
        )
    rules = rules_set.for_agreement(agreement)
    cal = rules_set.calendar
    employer = employers_repo.get(ctx.store, body.employer_id)
    if employer is None or employer.deleted_at:
        raise bad_request("No such employer.", FieldProblem("employer_id", "unknown employer"))
    received_at: datetime = body.received_at or now
    if received_at > now or cal.local_date(received_at) != cal.local_date(now):
        raise bad_request(
            "The request was received today, at or before now (R3.5).",
            FieldProblem("received_at", "must be earlier today"),
        )
    if now - received_at > RECEIVED_NOTE_AFTER and not (body.received_note or "").strip():
        raise bad_request(
            "Received more than 15 minutes before it was entered: say why (R3.5).",
            FieldProblem("received_note", "required when received_at is more than 15 minutes ago"),
        )
    if body.emergency and not ctx.caller.has_any(Role.ADMIN, Role.OFFICER, Role.DISPATCHER):
        raise AppError(403, "FORBIDDEN", "A dispatcher marks a request EMERGENCY (R3.4).",
                       [FieldProblem("emergency", "dispatchers only")])
    named = _named_member(ctx, body)
    contract_code = body.contract_code or book.contract_code
    _signatory(ctx, rules_set.local.signatory_check, book.contract_code, employer.id, body, cal.local_date(now))
    if body.wage_rate is not None:
        try:
            Decimal(body.wage_rate)
        except InvalidOperation:
            raise bad_request("The wage is not a number.", FieldProblem("wage_rate", "not a decimal")) from None
    try:
        sched = schedule(
            received_at,
            body.requested_start_date,
            cal,
            rules,
            emergency=body.emergency,
            referral_date=body.referral_date,
        )
    except Refused as err:
        raise refused(err, 409 if err.code == "BEFORE_CUTOFF_DATE" else 400) from None
    short = is_short_call(body.estimated_duration_working_days, rules)
    flags = frozenset(NoMarkReason(f) for f in body.no_mark_flags)
    reasons = no_mark_reasons(
        short_call=short, start_time=body.start_time, contract_code=contract_code, dispatcher_flags=flags, rules=rules
    )
    received_day = cal.local_date(received_at)
    number = request_number(received_day, ctx.store.sequences.next(repo.request_sequence(received_day)))
    iso = now.isoformat()
    request = LaborRequest(
        id=new_ulid(),
        number=number,
        employer_id=employer.id,
        employer_name=employer.name,
        book_code=book.code,
        agreement_type=agreement,
        contract_code=contract_code,
        job_class=body.job_class,
        worksite_name=body.worksite_name,
        worksite_address=body.worksite_address,
        worksite_city=body.worksite_city,
        worksite_region=body.worksite_region,
        report_to=body.report_to,
        contact=body.contact,
        received_at=received_at,
        received_note=body.received_note,
        received_via=body.received_via,
        entered_at=now,
        entered_by=ctx.caller.id,
        referral_date=sched.referral_date,
        earliest_referral_date=sched.earliest_referral_date,
        requested_start_date=body.requested_start_date,
        effective_start_date=sched.effective_start_date,
        start_time=body.start_time,
        positions_requested=body.positions_requested,
        wage_rate=body.wage_rate,
        estimated_duration_working_days=body.estimated_duration_working_days,
        short_call=short,
        emergency=body.emergency,
        by_name=named is not None,
        named_member_id=named,
        foreperson=bool(named and body.foreperson),
        requirements=list(body.requirements),
        required_certifications=list(body.required_certifications),
        requirement_text=body.requirement_text,
        comments=body.comments,
        no_mark_reasons=sorted(reasons),
        bidding_enabled=book.internet_bidding_enabled and not body.emergency and named is None,  # R8.1
        bidding_opens_at=sched.bidding_opens_at,
        bidding_closes_at=sched.bidding_closes_at,
        signatory_acknowledgement=body.signatory_acknowledgement,
        rule_set_version=rules_set.version,
        created_at=iso,
        updated_at=iso,
    )
    batch = ctx.store.batch()
    batch.put(request)
    batch.audit(
        ctx.audit_entry(
            AuditAction.CREATE,
            ENTITY,
            request.id,
            {},
            request.model_dump(mode="json"),
            suggested_flags=sorted(suggested_flags(body.requirement_text or "")),
            start_shifted=sched.start_shifted,
        )
    )
    versioned.commit(batch)
    return request


def _named_member(ctx: Ctx, body: Any) -> str | None:
    """R13.1: a by-name request names one existing member, for one position; it is never an emergency."""
    if body.named_member_id is None:
        if body.foreperson:
            raise bad_request("A foreperson is requested by name.", FieldProblem("named_member_id", "required"))
        return None
    member = members_repo.get(ctx.store, body.named_member_id)
    if member is None or member.deleted_at:
        raise bad_request("No such member.", FieldProblem("named_member_id", "unknown member"))
    if body.positions_requested != 1:
        raise bad_request(
            "A by-name request has one position per named member (R13.1).",
            FieldProblem("positions_requested", "must be 1 for a by-name request"),
        )
    if body.emergency:
        raise bad_request("A by-name request is not an emergency.", FieldProblem("emergency", "by-name request"))
    return str(member.id)


def _signatory(
    ctx: Ctx, mode: SignatoryCheck, book_code_contract: str | None, employer_id: str, body: Any, on: date
) -> None:
    """R4.4: with a contract code on the book, the employer must hold it on the referral date. WARN: the
    dispatcher acknowledges with a reason; BLOCK: refused."""
    if not book_code_contract:
        return
    held = [
        c
        for c in employers_repo.contracts(ctx.store, employer_id)
        if c.contract_code == book_code_contract
        and c.effective_date <= on
        and (c.expiration_date is None or c.expiration_date >= on)
    ]
    if held:
        return
    if mode is SignatoryCheck.BLOCK:
        raise AppError(
            409,
            "EMPLOYER_NOT_SIGNATORY",
            f"The employer holds no {book_code_contract} contract.",
            [FieldProblem("employer_id", "not signatory")],
        )
    if not (body.signatory_acknowledgement or "").strip():
        raise AppError(
            409,
            "SIGNATORY_ACKNOWLEDGEMENT_REQUIRED",
            f"The employer holds no {book_code_contract} contract: acknowledge with a reason.",
            [FieldProblem("signatory_acknowledgement", "required")],
        )


def sheet_view(ctx: Ctx, book_code: str, referral_date: date) -> list[dict[str, Any]]:
    return [q.model_dump(mode="json") for q in repo.sheet(ctx.store, book_code, referral_date)]
