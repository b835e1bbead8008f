"""Registrations (referral-rules R5, §3.5, §4.3): a member signs a book at their qualified tier and gets an APN."""

from __future__ import annotations

from datetime import datetime


from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import AppError, FieldProblem, bad_request, not_found
from chalicelib.core.ids import new_ulid
from chalicelib.core.store import versioned
from chalicelib.members import store as members_repo
from chalicelib.referral import store as repo
from chalicelib.referral.domain import Qualification
from chalicelib.referral.domain.apn import apn_from_sequence, apn_sequence as sequence_of
from chalicelib.referral.domain.calendar import excel_serial
from chalicelib.referral.domain.registration import ApnSource, Registration, RegStatus, re_sign_dates
from chalicelib.referral.service import context

ENTITY = "registration"


def register(
    ctx: Ctx, member_id: str, book_code: str, tier: int, channel: str, received_at: datetime | None = None
) -> Registration:
    """R5: refused `BOOK_INACTIVE`, `MEMBER_NOT_ACTIVE`, `CHANNEL_NOT_ALLOWED`, `TIER_NOT_QUALIFIED`,
    `NOT_QUALIFIED`, `EXCLUSIVE_BOOK_CONFLICT`, `ALREADY_REGISTERED`. A new registration is last in its tier:
    the APN is today's serial and the book's next same-day sequence, allocated atomically (§4.3.4)."""
    now = ctx.now()
    rules = context.rules_at(ctx.store, now)
    local = rules.local
    book = context.books_by_code(ctx.store).get(book_code)
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
    for group in local.exclusive_book_groups:
        if book_code in group and live & (set(group) - {book_code}):
            raise AppError(
                409,
                "EXCLUSIVE_BOOK_CONFLICT",
                "The member is on a book that excludes this one (R5.3).",
                [FieldProblem("book_code", "excluded by a live registration")],
            )
    qualified = repo.qualification(ctx.store, member_id, book_code)
    if qualified is not None and qualified.active and qualified.tier != tier:
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
    batch = ctx.store.batch()
    batch.create_unique(repo.live_registration_key(member_id, book_code), reg.id)
    batch.put(reg)
    if qualified is None:  # §3.5.3: the chosen tier becomes the qualification, in the same transaction
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
        )
    )
    batch.audit(ctx.audit_entry(AuditAction.CREATE, ENTITY, reg.id, {}, reg.model_dump(mode="json")))
    versioned.commit(
        batch,
        duplicates=lambda _: AppError(
            409,
            "ALREADY_REGISTERED",
            "The member already has a live registration on this book (R5.2).",
            [FieldProblem("book_code", "already registered")],
        ),
    )
    return reg


def _todays_max(ctx: Ctx, book_code: str, serial: int) -> int:
    """§4.3.2: the highest same-day sequence already on the book, any tier and status (imports included)."""
    return max((sequence_of(apn) for apn in repo.apns_of_day(ctx.store, book_code, serial)), default=0)
