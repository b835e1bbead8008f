"""Referral use cases. Today: the book catalogue and members' book qualifications (the referral engine
builds on both)."""

from __future__ import annotations

from chalicelib.core.audit import AuditAction
from chalicelib.core.context import Ctx
from chalicelib.core.errors import FieldProblem, bad_request, not_found
from chalicelib.core.store import versioned
from chalicelib.members import service as members
from chalicelib.members import store as members_repo
from chalicelib.referral import store as repo
from chalicelib.referral.domain import Book, Qualification, qualified_on_problem, tier_problem
from chalicelib.referral.schemas import QualificationBody

QUALIFICATION = "qualification"


def books(ctx: Ctx) -> list[Book]:
    return repo.catalogue(ctx.store)


def qualifications(ctx: Ctx, member_id: str) -> list[Qualification]:
    members.ensure_can_read(ctx, member_id)
    found = repo.qualifications(ctx.store, member_id)
    ctx.audit_read(QUALIFICATION, member_id, bulk=True, row_count=len(found))
    return found


def set_qualification(ctx: Ctx, member_id: str, book_code: str, body: QualificationBody) -> Qualification:
    """Record or change the tier a member qualifies for on a book (§3.5). Changing it does not move an
    existing registration (§3.5.4); the change is audited with its reason."""
    if members_repo.get(ctx.store, member_id) is None:
        raise not_found("Member")
    book = repo.book(ctx.store, book_code)
    if book is None:
        raise not_found("Book")
    problems = [
        FieldProblem(name, problem)
        for name, problem in (
            ("tier", tier_problem(body.tier, book)),
            ("qualified_on", qualified_on_problem(body.qualified_on, ctx.today())),
        )
        if problem
    ]
    if problems:
        raise bad_request("The qualification is not valid.", *problems)
    before = repo.qualification(ctx.store, member_id, book_code)
    now = ctx.now().isoformat()
    batch = ctx.store.batch()
    entity_id = f"{member_id}.{book_code}"
    if before is None:
        if body.version is not None:
            raise versioned.stale(None, "qualification")  # the caller saw one that is gone
        after = Qualification(
            member_id=member_id,
            book_code=book_code,
            tier=body.tier,
            qualified_on=body.qualified_on,
            active=body.active,
            reason=body.reason,
            created_at=now,
            updated_at=now,
        )
        batch.put(after)
        batch.audit(ctx.audit_entry(AuditAction.CREATE, QUALIFICATION, entity_id, {}, after.model_dump(mode="json")))
    else:
        versioned.require_version(
            body.version or 0, before.version, lambda: before.model_dump(mode="json"), "qualification"
        )
        after = before.model_copy(
            update={
                "tier": body.tier,
                "qualified_on": body.qualified_on,
                "active": body.active,
                "reason": body.reason,
                "updated_at": now,
            }
        )
        batch.put(after, before.version)
        batch.audit(
            ctx.audit_entry(
                AuditAction.UPDATE,
                QUALIFICATION,
                entity_id,
                before.model_dump(mode="json"),
                after.model_dump(mode="json"),
            )
        )

    def current() -> object:
        latest = repo.qualification(ctx.store, member_id, book_code)
        return latest.model_dump(mode="json") if latest else None

    versioned.commit(batch, current=current, what="qualification")
    return after.model_copy(update={"version": 1 if before is None else before.version + 1})
