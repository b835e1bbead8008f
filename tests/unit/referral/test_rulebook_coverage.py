"""Rulebook coverage is the measure (issue 8): every acceptance scenario of §12 other than bidding's (R8: AS-021,
AS-040 … AS-052), the import's (§11) and the reports' (§13), and every statement of R1–R7, R9–R14 and S1–S11, has
a test named after its id — `test_AS_017_…`, `test_R7_3_…`, `test_S6_…` — somewhere under tests/.

The ids are copied here from the rulebook (the repository stands alone). PENDING lists the ids not yet covered; it
may only shrink: an id that gains a test must leave PENDING (the test below fails until it does), so the list is
always the honest remainder.
"""

from __future__ import annotations

import re
from pathlib import Path

SCENARIOS = (
    "AS-001", "AS-002", "AS-003", "AS-004", "AS-005", "AS-006", "AS-007", "AS-008", "AS-009", "AS-010", "AS-011",
    "AS-012", "AS-013", "AS-014", "AS-015", "AS-016", "AS-017", "AS-018", "AS-019", "AS-020", "AS-022", "AS-023",
    "AS-024", "AS-025", "AS-026", "AS-027", "AS-028", "AS-029", "AS-030", "AS-031", "AS-032", "AS-033", "AS-034",
    "AS-035", "AS-036", "AS-037", "AS-038", "AS-039", "AS-053", "AS-054", "AS-055", "AS-056", "AS-057", "AS-058",
    "AS-059", "AS-060", "AS-061", "AS-062", "AS-063", "AS-064", "AS-065", "AS-066", "AS-067", "AS-068", "AS-069",
    "AS-070", "AS-071", "AS-072", "AS-073", "AS-074", "AS-075", "AS-076", "AS-077", "AS-078", "AS-079", "AS-080",
    "AS-081", "AS-082", "AS-083", "AS-084", "AS-085", "AS-086", "AS-087", "AS-088", "AS-089", "AS-090", "AS-091",
    "AS-092", "AS-093",
)

STATEMENTS = (
    "R1.1", "R1.2", "R1.3", "R1.4", "R2.1", "R2.2", "R2.3", "R2.4", "R2.5", "R3.1", "R3.2", "R3.3", "R3.4", "R3.5",
    "R3.6", "R3.7", "R4.1", "R4.2", "R4.3", "R4.4", "R5.1", "R5.2", "R5.3", "R5.4", "R5.5", "R5.6", "R5.7", "R6.1",
    "R6.2", "R6.3", "R6.4", "R6.5", "R6.6", "R7.1", "R7.2", "R7.3", "R7.4", "R7.5", "R7.6", "R7.7", "R7.8", "R9.1",
    "R9.2", "R9.3", "R9.4", "R9.5", "R9.6", "R9.7", "R9.8", "R10.1", "R10.2", "R10.3", "R10.4", "R10.5", "R10.6",
    "R10.7", "R10.8", "R12.1", "R12.2", "R12.3", "R12.4", "R12.5", "R13.1", "R13.2", "R13.3", "R13.4", "R14.1",
    "R14.2", "R14.3", "R14.4", "R14.5", "R14.6", "R14.7", "S1.1", "S1.2", "S1.3", "S1.4", "S2.1", "S2.2", "S2.3",
    "S2.4", "S2.5", "S2.6", "S2.7", "S2.8", "S3.1", "S3.2", "S3.3", "S3.4", "S3.5", "S3.6", "S4.1", "S4.2", "S4.3",
    "S4.4", "S4.5", "S4.6", "S5", "S6", "S7", "S8.1", "S8.2", "S8.3", "S8.4", "S9", "S10", "S11",
)

PENDING: frozenset[str] = frozenset((
    "AS-087", "AS-088", "AS-089", "R10.7", "S10", "S2.8",
))

TESTS = Path(__file__).resolve().parents[2]


def _test_names() -> set[str]:
    names: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        names.update(re.findall(r"def (test_\w+)", path.read_text(encoding="utf-8")))
    return names


def _covered(rule_id: str, names: set[str]) -> bool:
    stem = "test_" + rule_id.replace("-", "_").replace(".", "_")
    return any(name == stem or name.startswith(stem + "_") for name in names)


def test_every_rulebook_id_has_a_test_or_is_pending() -> None:
    """GIVEN the rulebook's ids WHEN the tests are scanned THEN each has a test named after it, or is PENDING."""
    names = _test_names()
    missing = {i for i in SCENARIOS + STATEMENTS if not _covered(i, names)}
    assert missing - PENDING == set(), "ids without a test (and not PENDING)"


def test_pending_lists_only_uncovered_ids() -> None:
    """GIVEN an id in PENDING WHEN it gains a test THEN it must leave PENDING (the list only shrinks)."""
    names = _test_names()
    assert {i for i in PENDING if _covered(i, names)} == set(), "covered now: remove from PENDING"
    assert PENDING <= set(SCENARIOS + STATEMENTS)
