"""Out-of-work books (referral-rules.md §3): the book record and the seed catalogue of §3.3.
Tiers are a column, never books."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.core.model import DomainModel

# code, name, classification, region, contract code, agreement, work level, book type, slot, sort
_SEED = [
    (
        "WIRE_SEA",
        "WIRE SEATTLE",
        "inside_wireperson",
        "Seattle",
        "WIREPERSON",
        "STANDARD",
        "JOURNEYMAN",
        "PRIMARY",
        "08:30",
        10,
    ),
    (
        "WIRE_BREM",
        "WIRE BREMERTON",
        "inside_wireperson",
        "Bremerton",
        "WIREPERSON",
        "STANDARD",
        "JOURNEYMAN",
        "PRIMARY",
        "08:30",
        20,
    ),
    (
        "WIRE_PA",
        "WIRE PT ANGELES",
        "inside_wireperson",
        "Port Angeles",
        "WIREPERSON",
        "STANDARD",
        "JOURNEYMAN",
        "PRIMARY",
        "08:30",
        30,
    ),
    (
        "SOUND_COMM",
        "SOUND & COMM",
        "sound_comm",
        None,
        "SOUND & COMM",
        "STANDARD",
        "JOURNEYMAN",
        "PRIMARY",
        "09:00",
        40,
    ),
    ("MARINE", "MARINE", "marine", None, "GROUP MARINE", "STANDARD", "JOURNEYMAN", "PRIMARY", "09:00", 50),
    ("STOCKMAN", "STOCKMAN", "stockperson", None, "STOCKPERSON", "STANDARD", "JOURNEYMAN", "PRIMARY", "09:00", 60),
    (
        "LT_FXT_MAINT",
        "LT FXT MAINT",
        "light_fixture",
        None,
        "LT FXT MAINT",
        "STANDARD",
        "JOURNEYMAN",
        "PRIMARY",
        "09:00",
        70,
    ),
    ("TRADESHOW", "TRADESHOW", "tradeshow", None, None, "STANDARD", "JOURNEYMAN", "SUPPLEMENTAL", "09:30", 90),
    (
        "SSD_SEA",
        "SEATTLE SCHOOL DISTRICT",
        "seattle_school",
        "Seattle",
        None,
        "STANDARD",
        "JOURNEYMAN",
        "PRIMARY",
        "09:30",
        100,
    ),
    ("TECHNICIAN", "TECHNICIAN", "technician", None, None, "STANDARD", "JOURNEYMAN", "PRIMARY", "09:30", 110),
    (
        "UTILITY_WORKER",
        "UTILITY WORKER",
        "utility_worker",
        None,
        None,
        "STANDARD",
        "JOURNEYMAN",
        "PRIMARY",
        "09:30",
        120,
    ),
    (
        "TERO_APPR_WIRE",
        "TERO APPR WIRE",
        "inside_wireperson",
        None,
        None,
        "TERO",
        "APPRENTICE",
        "PRIMARY",
        "09:30",
        130,
    ),
]


def seed_books() -> list[dict[str, Any]]:
    books = []
    for code, name, cls, region, contract, agreement, level, btype, slot, sort in _SEED:
        accepted = ["TERO"] if agreement == "TERO" else ["STANDARD", "PLA", "CWA"]
        books.append(
            {
                "code": code,
                "name": name,
                "classification": cls,
                "region": region,
                "contract_code": contract,
                "agreement_type": agreement,
                "accepted_agreement_types": accepted,
                "work_level": level,
                "book_type": btype,
                "max_tiers": 4,
                "referral_start_time": slot,
                "morning_sort_order": sort,
                "re_sign_days": 30,
                "grace_period_days": 3,
                "max_check_marks": 2,
                "internet_bidding_enabled": True,
                "max_days_on_book": None,
                "is_active": True,
            }
        )
    return books


class Book(DomainModel):
    """An out-of-work book with its per-book settings (§3.1)."""

    code: str
    name: str
    classification: str
    region: str | None = None
    contract_code: str | None = None
    agreement_type: str
    accepted_agreement_types: list[str]
    work_level: str
    book_type: str
    max_tiers: int = 4
    referral_start_time: str
    morning_sort_order: int
    re_sign_days: int = 30
    grace_period_days: int = 3
    max_check_marks: int = 2
    internet_bidding_enabled: bool = True
    max_days_on_book: int | None = None
    is_active: bool = True
    version: int = 1


def seed_catalogue() -> list[Book]:
    return [Book.model_validate(b) for b in seed_books()]


class Qualification(DomainModel):
    """The highest-priority tier a member qualifies for on a book (§3.5.1): separate from being registered,
    one per member and book. A new registration uses this tier (R5.4)."""

    member_id: str
    book_code: str
    tier: int
    qualified_on: date
    active: bool = True
    reason: str | None = None
    created_at: str
    updated_at: str
    version: int = 1


def tier_problem(tier: int, book: Book) -> str | None:
    """Tiers run 1 (highest priority) to the book's `max_tiers` (§3.2)."""
    if not 1 <= tier <= book.max_tiers:
        return f"must be between 1 and {book.max_tiers} on {book.code}"
    return None


def qualified_on_problem(qualified_on: date, today: date) -> str | None:
    if qualified_on > today:
        return "must not be in the future"
    return None
