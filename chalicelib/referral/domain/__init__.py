"""The referral rulebook (referral-rules.md) as pure functions and records: no I/O, the clock and the rule
set in force are passed in. Statement ids (R7.3, S4.2, §5.1) in docstrings name the rule each piece enforces;
the tests are named after them."""

from __future__ import annotations

from chalicelib.referral.domain.books import (
    Book,
    Qualification,
    qualified_on_problem,
    seed_books,
    seed_catalogue,
    tier_problem,
)

__all__ = ["Book", "Qualification", "qualified_on_problem", "seed_books", "seed_catalogue", "tier_problem"]
