"""How referral books are stored (docs/data-model.md): the catalogue partition, in morning order."""

from __future__ import annotations

from chalicelib.core.store import ItemCodec, Query, Store, register
from chalicelib.members.store import member_pk
from chalicelib.referral.domain import Book, Qualification

CATALOG = "CATALOG#BOOKS"


class BookCodec(ItemCodec[Book]):
    entity = "book"
    record_type = Book

    def keys(self, book: Book) -> dict[str, str]:
        return {"PK": CATALOG, "SK": f"BOOK#{book.morning_sort_order:04d}#{book.code}"}


BOOKS = register(BookCodec())


def catalogue(store: Store) -> list[Book]:
    """Every book in morning referral order."""
    return store.query_all(BOOKS, Query(CATALOG, begins_with="BOOK#"))


class QualificationCodec(ItemCodec[Qualification]):
    """One item per member and book, in the member's partition: the key itself makes it unique (§3.5.1)."""

    entity = "qualification"
    record_type = Qualification

    def keys(self, q: Qualification) -> dict[str, str]:
        return {"PK": member_pk(q.member_id), "SK": f"QUALIFICATION#{q.book_code}"}


QUALIFICATIONS = register(QualificationCodec())


def book(store: Store, code: str) -> Book | None:
    return next((b for b in catalogue(store) if b.code == code), None)


def qualification(store: Store, member_id: str, book_code: str) -> Qualification | None:
    return store.get(QUALIFICATIONS, (member_pk(member_id), f"QUALIFICATION#{book_code}"))


def qualifications(store: Store, member_id: str) -> list[Qualification]:
    return store.query_all(QUALIFICATIONS, Query(member_pk(member_id), begins_with="QUALIFICATION#"))
