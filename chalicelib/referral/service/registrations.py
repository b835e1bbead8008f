"""Registrations (referral-rules R5, §3.5, §4.3): a member signs a book at their qualified tier and gets an APN.

`register` makes the registration now; intakes (service/intake.py) decide *when* — at once while the wire gate is
open, or when it opens (§4.5). Both run the same checks (`check`), the intake when it is logged and again when it
is processed, since the member's state may have changed in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, bad_request, not_found
from chalicelib.core.ids import new_ulid
from chalicelib.core.store import versioned
from chalicelib.members import store as members_repo
from chalicelib.referral import store as repo
from chalicelib.referral.domain import Book, Qualification
from chalicelib.referral.domain.apn import apn_from_sequence
from chalicelib.referral.domain.apn import apn_sequence as sequence_of
from chalicelib.referral.domain.calendar import excel_serial
from chalicelib.referral.domain.records import Intake, IntakeStatus
from chalicelib.referral.domain.registration import ApnSource, Registration, RegStatus, re_sign_dates
from chalicelib.referral.domain.rules import RuleSet
from chalicelib.referral.domain.offices import OUTSIDE_OFFICE_HOURS, is_open
from chalicelib.referral.service import context

ENTITY = "registration"


@dataclass(frozen=True)
class Checked:
    """What the checks found: the book in force and the member's qualification on it (None: none yet)."""

    book: Book
    qualified: Qualification | None


def check(ctx: Ctx, rules: RuleSet, member_id: str, book_code: str, tier: int, channel: str) -> Checked:
    """R5: refused `BOOK_INACTIVE`, `CHANNEL_NOT_ALLOWED`, `MEMBER_NOT_ACTIVE`, `EXCLUSIVE_BOOK_CONFLICT`,
    `TIER_NOT_QUALIFIED`, `NOT_QUALIFIED`, `ALREADY_REGISTERED` (the last is enforced again by the unique key when
    the registration is written)."""
    local = rules.local
    book = context.books_by_code(ctx.store, ctx.now()).get(book_code)
    if book is None:
        raise not_found("Book")
    if not book.is_active:
        raise AppError(409, "BOOK_INACTIVE", "This book is not active.", [FieldProblem("book_code", "inactive")])
    if channel not in local.registration_channels and channel != "import":
        raise AppError(
            409,
            "CHANNEL_NOT_ALLOWED",
            f"Registrations by {channel} are not accepted (R5.1).",
            [FieldProblem("channel", "not an accepted channel")],
        )
    member = members_repo.get(ctx.store, member_id)
    if member is None or member.deleted_at:
        raise not_found("Member")
    if member.status.value not in local.referral_member_statuses:
        raise AppError(
            409,
            "MEMBER_NOT_ACTIVE",
            "The member's status does not allow referral.",
            [FieldProblem("member_id", member.status.value)],
        )
    if not 1 <= tier <= book.max_tiers:
        raise bad_request("No such tier on this book.", FieldProblem("tier", f"1 to {book.max_tiers}"))
    live = {r.book_code for r in repo.live_of(ctx.store, member_id)}
    if book_code in live:
        raise _already_registered()
    for group in local.exclusive_book_groups:
        if book_code in group and live & (set(group) - {book_code}):
            raise AppError(
                409,
                "EXCLUSIVE_BOOK_CONFLICT",
                "The member is on a book that excludes this one (R5.3).",
                [FieldProblem("book_code", "excluded by a live registration")],
            )
    qualified = repo.qualification(ctx.store, member_id, book_code)
    if qualified is not None and not qualified.active:
        qualified = None
    if qualified is not None and qualified.tier != tier:
        raise AppError(
            409,
            "TIER_NOT_QUALIFIED",
            f"The member is qualified for tier {qualified.tier} on this book.",
            [FieldProblem("tier", f"qualified tier is {qualified.tier}")],
        )
    if qualified is None and local.require_preexisting_qualification:
        raise AppError(
            409,
            "NOT_QUALIFIED",
            "The member has no qualification on this book.",
            [FieldProblem("tier", "no qualification")],
        )
    return Checked(book, qualified)


def _already_registered() -> AppError:
    return AppError(
        409,
        "ALREADY_REGISTERED",
        "The member already has a live registration on this book (R5.2).",
        [FieldProblem("book_code", "already registered")],
    )


def confirmation_number(prefix: str, day: Any) -> str:
    """R5.7, R7.4: the number the member is given; it is stored on the activity entry of the change."""
    return f"{prefix}{day:%Y%m%d}-{new_ulid()[-8:]}"


def register(
    ctx: Ctx, member_id: str, book_code: str, tier: int, channel: str, received_at: datetime | None = None
) -> Registration:
    """Make the registration now (the intake's processing, §4.5): see `register_now`."""
    return register_now(ctx, member_id, book_code, tier, channel, received_at)[0]


def register_now(
    ctx: Ctx,
    member_id: str,
    book_code: str,
    tier: int,
    channel: str,
    received_at: datetime | None = None,
    *,
    intake: Intake | None = None,
    intake_is_new: bool = False,
    checked: Checked | None = None,
) -> tuple[Registration, dict[str, Any]]:
    """R5, §4.3: the registration, its confirmation (R5.7) and — when it comes from an intake — the intake marked
    PROCESSED, all in one transaction. A new registration is last in its tier: the APN is today's serial and the
    book's next same-day sequence, allocated atomically (§4.3.4). R5.6: REGISTERED, no marks or restorations,
    last re-sign = now, due = today + re_sign_days, grace end = due + grace_period_days. `checked`: the checks
    this very request just ran (the unique live key still guards the write)."""
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    checked = checked or check(ctx, rules, member_id, book_code, tier, channel)
    book = checked.book
    cal = rules.calendar
    today = cal.local_date(now)
    # The sequence is seeded from the APNs already on the book for today (imports included), then atomic.
    seq = ctx.store.sequences.next(
        repo.apn_sequence(book_code, today), floor=_todays_max(ctx, book_code, excel_serial(today))
    )
    new = apn_from_sequence(today, seq)
    iso = now.isoformat()
    due, grace = re_sign_dates(today, book.re_sign_days, book.grace_period_days)
    reg = Registration(
        id=new_ulid(),
        member_id=member_id,
        book_code=book_code,
        tier=tier,
        apn=new.apn,
        apn_source=ApnSource.GENERATED,
        registered_at=now,
        channel=channel,
        status=RegStatus.REGISTERED,
        status_changed_at=now,
        last_re_sign_at=now,
        re_sign_due_date=due,
        grace_end_date=grace,
        created_at=iso,
        updated_at=iso,
    )
    number = confirmation_number("REG", today)
    batch = ctx.store.batch()
    batch.create_unique(repo.live_registration_key(member_id, book_code), reg.id)
    batch.put(reg)
    if checked.qualified is None:  # §3.5.3: the chosen tier becomes the qualification, in the same transaction
        q = Qualification(
            member_id=member_id,
            book_code=book_code,
            tier=tier,
            qualified_on=today,
            reason="set at registration",
            created_at=iso,
            updated_at=iso,
        )
        batch.put(q)
        batch.audit(
            ctx.audit_entry(
                AuditAction.CREATE, "qualification", f"{member_id}.{book_code}", {}, q.model_dump(mode="json")
            )
        )
    batch.put(
        context.activity(
            ctx,
            rules,
            book_code=book_code,
            member_id=member_id,
            action="REGISTER",
            registration_id=reg.id,
            new_status=RegStatus.REGISTERED.value,
            new_apn=reg.apn_text,
            tier=tier,
            registered_at=now,
            channel=channel,
            reason_code="APN_SEQUENCE_OVERFLOW" if new.overflow else None,
            reason=intake.office_hours_note if intake is not None else None,
            confirmation=number,
            registration_version=1,
        )
    )
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, reg.id, {}, reg.model_dump(mode="json")))
    if intake is not None:
        done = intake.model_copy(
            update={"status": IntakeStatus.PROCESSED, "registration_id": reg.id, "updated_at": iso}
        )
        batch.put(done, None if intake_is_new else intake.version)
        batch.audit(
            ctx.audit_entry(
                AuditAction.CREATE if intake_is_new else AuditAction.UPDATE,
                "intake",
                intake.id,
                {} if intake_is_new else intake.model_dump(mode="json"),
                done.model_dump(mode="json"),
            )
        )
    versioned.commit(batch, duplicates=lambda _: _already_registered())
    confirmation = {
        "number": number,
        "book_code": book_code,
        "book_name": book.name,
        "tier": tier,
        "apn": reg.apn_text,
        "re_sign_due_date": due.isoformat(),
    }
    return reg, confirmation


def _todays_max(ctx: Ctx, book_code: str, serial: int) -> int:
    """§4.3.2: the highest same-day sequence already on the book, any tier and status (imports included)."""
    return max((sequence_of(apn) for apn in repo.apns_of_day(ctx.store, book_code, serial)), default=0)


def office_hours_note(rules: RuleSet, book: Book, channel: str | None, at: datetime, acknowledged: bool) -> str | None:
    """§2.3 (R1.2): an in-person action recorded outside the office's hours is not blocked, but the staff user
    must acknowledge it first (`409 OUTSIDE_OFFICE_HOURS` naming `acknowledge_outside_hours`); the acknowledged
    action records the note returned here. None: nothing to acknowledge."""
    if channel != "in_person":
        return None
    office = rules.local.office_for(book.region)
    if is_open(office, at, rules.calendar):
        return None
    hours = f"{office.opens:%H:%M}–{office.closes:%H:%M} on working days"
    if not acknowledged:
        raise AppError(
            409,
            OUTSIDE_OFFICE_HOURS,
            f"The {office.name} office is open {hours}; confirm that this in-person action is recorded outside them.",
            [FieldProblem("acknowledge_outside_hours", f"{office.name} office hours are {hours}")],
        )
    return f"in person outside {office.name} office hours ({hours}), acknowledged"
