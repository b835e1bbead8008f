"""How the referral engine is stored (docs/data-model.md, patterns 18–30). The keys are the access patterns:

- a book's queue is one Query (GSI1 `QUEUE#<book>`, sort key = the §4.4.5 queue key, only while REGISTERED);
  a member's live position is one COUNT Query on it (keys below theirs);
- a member's registrations, qualifications, check marks and referral state live in the member's partition;
- a referral date's sheet for a book is one Query (GSI1 `SHEET#<book>#<date>`);
- a round heads the book-day chain of decision records;
- a book's activity log (`BOOKLOG#<book>`, by instant) rebuilds its queue as of any past instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.core.store import ItemCodec, Page, Query, Store, register
from chalicelib.members.store import member_pk
from chalicelib.referral.domain import Book, Qualification
from chalicelib.referral.domain.decisions import DecisionRecord
from chalicelib.referral.domain.intake import WireGateRecord
from chalicelib.referral.domain.records import (
    ActivityEntry,
    Bid,
    CheckMark,
    DayCounter,
    Dispatch,
    Intake,
    IntakeStatus,
    ReferralState,
    Round,
)
from chalicelib.referral.domain.registration import LIVE, Registration, RegStatus
from chalicelib.referral.domain.requests import LaborRequest
from chalicelib.referral.domain.rules import RuleSet

CATALOG = "CATALOG#BOOKS"


def _iso(value: datetime) -> str:
    from datetime import UTC

    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- books and qualifications ----------------------------------------------------------------------


class BookCodec(ItemCodec[Book]):
    entity = "book"
    record_type = Book

    def keys(self, book: Book) -> dict[str, str]:
        return {"PK": CATALOG, "SK": f"BOOK#{book.morning_sort_order:04d}#{book.code}"}


BOOKS = register(BookCodec())


def catalogue(store: Store) -> list[Book]:
    """Every book in morning referral order."""
    return store.query_all(BOOKS, Query(CATALOG, begins_with="BOOK#"))


def book(store: Store, code: str) -> Book | None:
    return next((b for b in catalogue(store) if b.code == code), None)


class QualificationCodec(ItemCodec[Qualification]):
    """One item per member and book, in the member's partition: the key itself makes it unique (§3.5.1)."""

    entity = "qualification"
    record_type = Qualification

    def keys(self, q: Qualification) -> dict[str, str]:
        return {"PK": member_pk(q.member_id), "SK": f"QUALIFICATION#{q.book_code}"}


QUALIFICATIONS = register(QualificationCodec())


def qualification(store: Store, member_id: str, book_code: str) -> Qualification | None:
    return store.get(QUALIFICATIONS, (member_pk(member_id), f"QUALIFICATION#{book_code}"))


def qualifications(store: Store, member_id: str) -> list[Qualification]:
    return store.query_all(QUALIFICATIONS, Query(member_pk(member_id), begins_with="QUALIFICATION#"))


# -- the rule set ----------------------------------------------------------------------------------

RULESET = "RULESET"


class RuleSetCodec(ItemCodec[RuleSet]):
    entity = "rule_set"
    record_type = RuleSet
    versioned = False  # versions are new items, never edits (S9)

    def keys(self, r: RuleSet) -> dict[str, str]:
        start = _iso(r.effective_from) if r.effective_from else "0000"
        return {"PK": RULESET, "SK": f"V#{start}#{r.version}"}

    def attributes(self, r: RuleSet) -> dict[str, Any]:
        values = r.model_dump(mode="json")
        values["rule_set_version"] = values.pop("version")  # `version` is the table's lock counter
        return values

    def decode(self, item: Mapping[str, Any]) -> RuleSet:
        values = {k: v for k, v in item.items() if k in RuleSet.model_fields and k != "version"}
        return RuleSet.model_validate({**values, "version": item["rule_set_version"]})


RULESETS = register(RuleSetCodec())


def rule_sets(store: Store) -> list[RuleSet]:
    return store.query_all(RULESETS, Query(RULESET, begins_with="V#", consistent=True))


# -- registrations ---------------------------------------------------------------------------------


def live_registration_key(member_id: str, book_code: str) -> str:
    """§4.2.1 (invariant): at most one live registration per (member, book)."""
    return f"LIVEREG#{member_id}#{book_code}"


def queue_partition(book_code: str) -> str:
    return f"QUEUE#{book_code}"


class RegistrationCodec(ItemCodec[Registration]):
    entity = "registration"
    record_type = Registration

    def keys(self, r: Registration) -> dict[str, str]:
        out = {
            "PK": member_pk(r.member_id),
            "SK": f"REG#{r.book_code}#{r.id}",
            "GSI2PK": f"REGBOOK#{r.book_code}#{r.status.value}",
            "GSI2SK": f"{r.apn_text}#{r.id}",
        }
        if r.status is RegStatus.REGISTERED:
            # In the queue only while REGISTERED (§5.1); the re-sign index only while it can be rolled off.
            out.update(
                GSI1PK=queue_partition(r.book_code),
                GSI1SK=r.queue_key,
                GSI3PK=f"REGDUE#{r.book_code}",
                GSI3SK=f"{r.grace_end_date.isoformat()}#{r.id}",
            )
        return out

    def attributes(self, r: Registration) -> dict[str, Any]:
        values = super().attributes(r)
        values["apn"] = r.apn_text  # exact text, never a number (§4.4.1)
        return values


REGISTRATIONS = register(RegistrationCodec())
QUEUE_FIELDS = (
    "id",
    "member_id",
    "book_code",
    "tier",
    "apn",
    "registered_at",
    "status",
    "check_mark_count",
    "counted_restorations",
    "exemptions",
    "re_sign_due_date",
    "grace_end_date",
    "last_re_sign_at",
    "channel",
    "apn_source",
    "created_at",
    "updated_at",
    "version",
)


def registration(store: Store, member_id: str, book_code: str, registration_id: str) -> Registration | None:
    return store.get(REGISTRATIONS, (member_pk(member_id), f"REG#{book_code}#{registration_id}"))


def registrations_of(store: Store, member_id: str) -> list[Registration]:
    """Every registration of a member (pattern 20), live and closed."""
    return store.query_all(REGISTRATIONS, Query(member_pk(member_id), begins_with="REG#"))


def live_of(store: Store, member_id: str) -> list[Registration]:
    return [r for r in registrations_of(store, member_id) if r.status in LIVE]


def queue_page(store: Store, book_code: str, limit: int, cursor: str | None) -> Page[Registration]:
    """A book's queue in queue order (pattern 19): one Query per page."""
    return store.query(REGISTRATIONS, Query(queue_partition(book_code), index="GSI1"), limit, cursor)


def full_queue(store: Store, book_code: str) -> list[Registration]:
    return store.query_all(REGISTRATIONS, Query(queue_partition(book_code), index="GSI1"))


def tier_page(store: Store, book_code: str, tier: int, limit: int, cursor: str | None) -> Page[Registration]:
    """One tier of a book's queue in queue order (the queue key starts with the tier)."""
    return store.query(
        REGISTRATIONS, Query(queue_partition(book_code), index="GSI1", begins_with=f"{tier}#"), limit, cursor
    )


def queue_tiers(store: Store, book_code: str) -> list[dict[str, Any]]:
    """Every queue entry's tier and exemptions only (the book's counts): one projected Query."""
    query = Query(queue_partition(book_code), index="GSI1", select=("tier", "exemptions"))
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = store.query(REGISTRATIONS, query, 1000, cursor, decode=dict)
        out.extend(page.items)
        cursor = page.next_cursor
        if not cursor:
            return out


def status_tiers(store: Store, book_code: str, status: RegStatus) -> list[int]:
    """The tiers of a book's registrations in one status (GSI2), projected."""
    query = Query(f"REGBOOK#{book_code}#{status.value}", index="GSI2", select=("tier",))
    out: list[int] = []
    cursor = None
    while True:
        page = store.query(REGISTRATIONS, query, 1000, cursor, decode=dict)
        out.extend(int(i["tier"]) for i in page.items)
        cursor = page.next_cursor
        if not cursor:
            return out


def position(store: Store, r: Registration) -> int:
    """A registration's live position: one COUNT Query of the queue keys below its own, plus one."""
    below = Query(queue_partition(r.book_code), index="GSI1", between=("", r.queue_key))
    return store.count(below)  # the range is inclusive: the registration itself is the "+ 1"


def by_status(store: Store, book_code: str, status: RegStatus) -> list[Registration]:
    return store.query_all(REGISTRATIONS, Query(f"REGBOOK#{book_code}#{status.value}", index="GSI2"))


def apns_of_day(store: Store, book_code: str, serial: int) -> list[Decimal]:
    """Every APN on the book whose integer part is `serial` (any status): GSI2 sort keys start with the APN."""
    out: list[Decimal] = []
    for status in RegStatus:
        query = Query(f"REGBOOK#{book_code}#{status.value}", index="GSI2", begins_with=f"{serial}.", select=("apn",))
        out.extend(Decimal(i["apn"]) for i in store.query(REGISTRATIONS, query, 1000, decode=dict).items)
    return out


def due_before(store: Store, book_code: str, day: date) -> list[Registration]:
    """REGISTERED registrations whose grace ended before `day` (duty N3), by grace end."""
    return store.query_all(
        REGISTRATIONS, Query(f"REGDUE#{book_code}", index="GSI3", between=("", f"{day.isoformat()}"))
    )


# -- labor requests, rounds, decisions ---------------------------------------------------------------


def sheet_partition(book_code: str, referral_date: date) -> str:
    return f"SHEET#{book_code}#{referral_date.isoformat()}"


class RequestCodec(ItemCodec[LaborRequest]):
    entity = "labor_request"
    record_type = LaborRequest

    def keys(self, q: LaborRequest) -> dict[str, str]:
        out = {
            "PK": f"REQUEST#{q.id}",
            "SK": "PROFILE",
            "GSI1PK": sheet_partition(q.book_code, q.referral_date),
            "GSI1SK": f"{_iso(q.received_at)}#{q.number}",
            "GSI2PK": f"EMPLOYERREQ#{q.employer_id}",
            "GSI2SK": f"{_iso(q.received_at)}#{q.id}",
        }
        if q.is_open:
            out.update(GSI3PK="OPENREQ", GSI3SK=f"{q.effective_start_date.isoformat()}#{q.id}")
        return out


REQUESTS = register(RequestCodec())


def request_sequence(received_local_date: date) -> str:
    return f"REQSEQ#{received_local_date.isoformat()}"


def dispatch_sequence(referral_date: date) -> str:
    return f"DSPSEQ#{referral_date.isoformat()}"


def apn_sequence(book_code: str, day: date) -> str:
    """§4.3.4: the per-book-per-day counter of generated APNs (seeded from existing APNs of that day)."""
    return f"APNSEQ#{book_code}#{day.isoformat()}"


class DayCounterCodec(ItemCodec[DayCounter]):
    entity = "day_counter"
    record_type = DayCounter

    def keys(self, c: DayCounter) -> dict[str, str]:
        return {"PK": f"COUNTER#{c.name}", "SK": "COUNTER"}


DAY_COUNTERS = register(DayCounterCodec())


def day_counter_key(name: str) -> tuple[str, str]:
    return f"COUNTER#{name}", "COUNTER"


def labor_request(store: Store, request_id: str) -> LaborRequest | None:
    return store.get(REQUESTS, (f"REQUEST#{request_id}", "PROFILE"))


def sheet(store: Store, book_code: str, referral_date: date) -> list[LaborRequest]:
    """S3.2: the requests of a book and referral date, by received_at then number."""
    return store.query_all(REQUESTS, Query(sheet_partition(book_code, referral_date), index="GSI1"))


def open_requests(store: Store, starting_before: date | None = None) -> list[LaborRequest]:
    between = ("", starting_before.isoformat()) if starting_before else None
    return store.query_all(REQUESTS, Query("OPENREQ", index="GSI3", between=between))


class RoundCodec(ItemCodec[Round]):
    entity = "referral_round"
    record_type = Round

    def keys(self, r: Round) -> dict[str, str]:
        return {"PK": f"ROUND#{r.book_code}#{r.referral_date.isoformat()}", "SK": "ROUND"}


ROUNDS = register(RoundCodec())


def round_of(store: Store, book_code: str, referral_date: date) -> Round | None:
    return store.get(ROUNDS, (f"ROUND#{book_code}#{referral_date.isoformat()}", "ROUND"), consistent=True)


class DecisionCodec(ItemCodec[DecisionRecord]):
    entity = "decision_record"
    record_type = DecisionRecord
    versioned = False  # immutable (§10.3.1)

    def keys(self, d: DecisionRecord) -> dict[str, str]:
        return {
            "PK": f"DECISION#{d.book_code}#{d.referral_date.isoformat()}",
            "SK": f"SEQ#{d.sequence:06d}",
            "GSI1PK": f"DECISIONREQ#{d.request_id or '-'}",
            "GSI1SK": f"{d.sequence:06d}#{d.id}",
        }


DECISIONS = register(DecisionCodec())


def decisions_of_day(store: Store, book_code: str, referral_date: date) -> list[DecisionRecord]:
    return store.query_all(
        DECISIONS, Query(f"DECISION#{book_code}#{referral_date.isoformat()}", begins_with="SEQ#", consistent=True)
    )


def decisions_of_request(store: Store, request_id: str) -> list[DecisionRecord]:
    return store.query_all(DECISIONS, Query(f"DECISIONREQ#{request_id}", index="GSI1"))


# -- dispatches, member state, bids, marks, intakes, activity ---------------------------------------


class DispatchCodec(ItemCodec[Dispatch]):
    entity = "dispatch"
    record_type = Dispatch

    def keys(self, d: Dispatch) -> dict[str, str]:
        out = {
            "PK": f"DISPATCH#{d.id}",
            "SK": "PROFILE",
            "GSI1PK": f"MEMBERDISPATCH#{d.member_id}",
            "GSI1SK": f"{_iso(d.dispatched_at)}#{d.id}",
            "GSI2PK": f"DISPATCHDAY#{d.referral_date.isoformat()}",
            "GSI2SK": f"{_iso(d.dispatched_at)}#{d.id}",
        }
        if d.is_open:
            out.update(GSI3PK="OPENDISPATCH", GSI3SK=f"{d.start_date.isoformat()}#{d.id}")
        return out


DISPATCHES = register(DispatchCodec())


def dispatch(store: Store, dispatch_id: str) -> Dispatch | None:
    return store.get(DISPATCHES, (f"DISPATCH#{dispatch_id}", "PROFILE"))


def dispatches_of_member(store: Store, member_id: str, limit: int, cursor: str | None) -> Page[Dispatch]:
    return store.query(DISPATCHES, Query(f"MEMBERDISPATCH#{member_id}", index="GSI1", newest_first=True), limit, cursor)


def dispatches_of_day(store: Store, referral_date: date) -> list[Dispatch]:
    return store.query_all(DISPATCHES, Query(f"DISPATCHDAY#{referral_date.isoformat()}", index="GSI2"))


def open_dispatches(store: Store) -> list[Dispatch]:
    return store.query_all(DISPATCHES, Query("OPENDISPATCH", index="GSI3"))


class ReferralStateCodec(ItemCodec[ReferralState]):
    entity = "referral_state"
    record_type = ReferralState

    def keys(self, s: ReferralState) -> dict[str, str]:
        return {"PK": member_pk(s.member_id), "SK": "REFSTATE"}


STATES = register(ReferralStateCodec())


def state_key(member_id: str) -> tuple[str, str]:
    return member_pk(member_id), "REFSTATE"


def referral_state(store: Store, member_id: str) -> ReferralState | None:
    return store.get(STATES, state_key(member_id), consistent=True)


class BidCodec(ItemCodec[Bid]):
    entity = "bid"
    record_type = Bid

    def keys(self, b: Bid) -> dict[str, str]:
        return {
            "PK": f"BIDS#{b.request_id}",
            "SK": f"MEMBER#{b.member_id}",
            "GSI1PK": f"MEMBERBIDS#{b.member_id}",
            "GSI1SK": f"{_iso(b.bid_at)}#{b.request_id}",
        }


BIDS = register(BidCodec())


def bids_on(store: Store, request_id: str) -> list[Bid]:
    return store.query_all(BIDS, Query(f"BIDS#{request_id}", begins_with="MEMBER#"))


def bids_of_member(store: Store, member_id: str, limit: int, cursor: str | None) -> Page[Bid]:
    return store.query(BIDS, Query(f"MEMBERBIDS#{member_id}", index="GSI1", newest_first=True), limit, cursor)


class CheckMarkCodec(ItemCodec[CheckMark]):
    entity = "check_mark"
    record_type = CheckMark

    def keys(self, m: CheckMark) -> dict[str, str]:
        return {
            "PK": member_pk(m.member_id),
            "SK": f"MARK#{m.registration_id}#{m.day.isoformat()}#{m.id}",
            "GSI1PK": f"MARKDAY#{m.book_code}#{m.day.isoformat()}",
            "GSI1SK": f"{m.registration_id}#{m.id}",
        }


CHECK_MARKS = register(CheckMarkCodec())


def marks_of(store: Store, member_id: str, registration_id: str) -> list[CheckMark]:
    return store.query_all(CHECK_MARKS, Query(member_pk(member_id), begins_with=f"MARK#{registration_id}#"))


def marks_of_day(store: Store, book_code: str, day: date) -> list[CheckMark]:
    return store.query_all(CHECK_MARKS, Query(f"MARKDAY#{book_code}#{day.isoformat()}", index="GSI1"))


class IntakeCodec(ItemCodec[Intake]):
    entity = "intake"
    record_type = Intake

    def keys(self, i: Intake) -> dict[str, str]:
        out = {
            "PK": f"INTAKE#{i.id}",
            "SK": "PROFILE",
            "GSI2PK": f"MEMBERINTAKES#{i.member_id}",
            "GSI2SK": f"{_iso(i.received_at)}#{i.id}",
        }
        if i.status is IntakeStatus.RECEIVED:
            out.update(GSI1PK="HELDINTAKES", GSI1SK=f"{_iso(i.received_at)}#{i.id}")
        return out


INTAKES = register(IntakeCodec())


def held_intakes(store: Store) -> list[Intake]:
    """§4.5.3: held intakes in received_at order."""
    return store.query_all(INTAKES, Query("HELDINTAKES", index="GSI1", consistent=False))


def intake(store: Store, intake_id: str) -> Intake | None:
    return store.get(INTAKES, (f"INTAKE#{intake_id}", "PROFILE"), consistent=True)


def intakes_of(store: Store, member_id: str, limit: int = 20) -> list[Intake]:
    """A member's latest intakes (held, processed, refused), newest first."""
    return store.query(INTAKES, Query(f"MEMBERINTAKES#{member_id}", index="GSI2", newest_first=True), limit).items


class WireGateCodec(ItemCodec[WireGateRecord]):
    entity = "wire_gate"
    record_type = WireGateRecord

    def keys(self, g: WireGateRecord) -> dict[str, str]:
        return {"PK": f"WIREGATE#{g.day.isoformat()}", "SK": "GATE"}


WIRE_GATES = register(WireGateCodec())


def wire_gate(store: Store, day: date) -> WireGateRecord | None:
    return store.get(WIRE_GATES, (f"WIREGATE#{day.isoformat()}", "GATE"), consistent=True)


class ActivityCodec(ItemCodec[ActivityEntry]):
    entity = "referral_activity"
    record_type = ActivityEntry
    versioned = False  # append-only (§10.1)

    def keys(self, a: ActivityEntry) -> dict[str, str]:
        at = _iso(a.occurred_at)
        return {
            "PK": f"BOOKLOG#{a.book_code}",
            "SK": f"{at}#{a.id}",
            "GSI1PK": f"MEMBERLOG#{a.member_id}",
            "GSI1SK": f"{at}#{a.id}",
        }


ACTIVITY = register(ActivityCodec())


def book_log(store: Store, book_code: str, until: datetime | None = None) -> list[ActivityEntry]:
    """A book's activity in order, up to `until` (inclusive) — what `queue_as_of` replays."""
    between = ("", f"{_iso(until)}~") if until else None
    return store.query_all(ACTIVITY, Query(f"BOOKLOG#{book_code}", between=between, consistent=True))


def book_log_page(store: Store, book_code: str, limit: int, cursor: str | None) -> Page[ActivityEntry]:
    """A book's activity, newest first, a page at a time (the board's log)."""
    return store.query(ACTIVITY, Query(f"BOOKLOG#{book_code}", newest_first=True), limit, cursor)


def member_log(store: Store, member_id: str, limit: int, cursor: str | None) -> Page[ActivityEntry]:
    return store.query(ACTIVITY, Query(f"MEMBERLOG#{member_id}", index="GSI1", newest_first=True), limit, cursor)
