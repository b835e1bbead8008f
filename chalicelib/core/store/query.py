"""What a read asks of the table: one partition of the table or of an index, an optional sort-key
condition, filters, a projection. Both store twins evaluate the same `Query`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Op = Literal["absent", "present", "eq", "contains"]


@dataclass(frozen=True)
class Cond:
    """A filter on a non-key attribute (DynamoDB FilterExpression; the twin evaluates it in Python)."""

    op: Op
    attr: str
    value: Any = None

    def matches(self, item: dict[str, Any]) -> bool:
        present = item.get(self.attr) is not None
        if self.op == "absent":
            return not present
        if self.op == "present":
            return present
        if self.op == "eq":
            return present and item[self.attr] == self.value
        value = item.get(self.attr)
        return present and isinstance(value, list | str) and self.value in value


def absent(attr: str) -> Cond:
    return Cond("absent", attr)


def present(attr: str) -> Cond:
    return Cond("present", attr)


def eq(attr: str, value: Any) -> Cond:
    return Cond("eq", attr, value)


def contains(attr: str, value: Any) -> Cond:
    return Cond("contains", attr, value)


@dataclass(frozen=True)
class Query:
    partition: str
    index: str | None = None  # None: the table (PK/SK); "GSI1" … "GSI3"
    begins_with: str | None = None
    between: tuple[str, str] | None = None  # inclusive sort-key range
    newest_first: bool = False  # descending sort key
    where: tuple[Cond, ...] = ()
    select: tuple[str, ...] | None = None  # attributes to read (the keys are always read, for the cursor)
    consistent: bool = False
    # Items read per request. Filters thin pages (DynamoDB applies Limit before FilterExpression), so a
    # filtered query reads more than it returns.
    page_size: int | None = None

    @property
    def scope(self) -> str:
        """What a cursor of this query is bound to: everything that decides which items come next."""
        return repr((self.index, self.partition, self.begins_with, self.between, self.newest_first, self.where))

    def read_size(self, limit: int) -> int:
        if self.page_size:
            return self.page_size
        return max(limit, 50) if self.where else limit
