"""The one CSV writer of the product: every CSV a user downloads (the audit export now; reports and the
QuickBooks export later) is written here, so no export can forget the formula guard.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and, in some of them, a tab or a
carriage return before one) as a formula: `=HYPERLINK("https://evil.example","Click")`, typed as an e-mail
into the sign-in form, is stored as the audit entry of the failed sign-in and would become a live link (or
worse, a DDE command) in the officer's spreadsheet. Following OWASP's "CSV Injection" advice, a text cell
that starts with one of those characters is written with a leading single quote, which spreadsheets show as
text and do not evaluate. Numbers (int, Decimal) are written as they are: they cannot hold a formula, and a
negative amount must stay a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TextIO

# The first characters that make a spreadsheet read a cell as a formula (OWASP CSV Injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A text cell as it is safe to open in a spreadsheet: a formula trigger gets a leading quote."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def cell(value: Any) -> str | int | Decimal:
    """What goes into one cell: None is empty, booleans are true/false, numbers stay numbers, dates are
    ISO text, and everything else is text passed through `neutralise`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not exported: use int (cents) or Decimal")
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value))


class CsvWriter:
    """Rows as dicts (keys = column names, missing keys empty, other keys ignored) to a text stream.

    The header row goes through the same guard as the data: column names are ours, but the rule has no
    exceptions to get wrong."""

    def __init__(self, out: TextIO, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        # "\r\n" line ends (RFC 4180); quoting only where needed. `out` must be opened with newline="".
        self._writer = csv.writer(out, lineterminator="\r\n")
        self.rows = 0

    def header(self) -> None:
        self._writer.writerow([cell(c) for c in self.columns])

    def row(self, values: Mapping[str, Any]) -> None:
        self._writer.writerow([cell(values.get(c)) for c in self.columns])
        self.rows += 1

    def rows_from(self, rows: Iterable[Mapping[str, Any]]) -> int:
        for values in rows:
            self.row(values)
        return self.rows


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A whole (small) CSV document as text, header first."""
    import io

    out = io.StringIO(newline="")
    writer = CsvWriter(out, columns)
    writer.header()
    writer.rows_from(rows)
    return out.getvalue()
