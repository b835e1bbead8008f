"""How referral books are stored (docs/data-model.md): the catalogue partition, in morning order."""

from __future__ import annotations

from chalicelib.core.store import ItemCodec, Query, Store, register
from chalicelib.referral.domain import Book

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
