"""Readers for LaborPower / Access CSV exports (format: docs/demo-data.md).

They turn legacy rows into domain records; the import pipeline and the demo seed both use them.
Text is trimmed (trailing-space quirk); ids stay text (leading zeros); money stays Decimal.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from chalicelib.employers.domain import normalize_name
from chalicelib.members.domain import CardType, Classification, MemberStatus, normalize_phone


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield {k: (v or "").strip() for k, v in row.items()}


def us_date(text: str) -> date | None:
    return datetime.strptime(text, "%m/%d/%Y").date() if text else None


def dues_classification(legacy: str, status: str, initiation: date | None, as_of: date) -> Classification:
    """Map Access's trade text to the dues class; apprentices by year since initiation (1..5)."""
    if status == "retired":
        return Classification.RETIREE
    if legacy.upper().startswith("APPRENTICE"):
        years = (as_of - initiation).days // 365 + 1 if initiation else 1
        return Classification(f"apprentice_{min(5, max(1, years))}")
    return Classification.JOURNEYMAN


@dataclass
class LegacyMember:
    member_number: str
    last_name: str
    first_name: str
    middle_name: str | None
    date_of_birth: date
    card_type: CardType
    classification: Classification
    trade_classification: str
    status: MemberStatus
    initiation_date: date | None
    local_number: str
    email: str | None
    phone: str | None
    address_line1: str | None
    city: str | None
    state: str | None
    zip: str | None
    gender: str | None
    ethnicity: str | None


def read_members(folder: Path, as_of: date) -> Iterator[LegacyMember]:
    for r in _rows(folder / "members.csv"):
        initiation = us_date(r["initiation_date"])
        try:
            phone = normalize_phone(r["phone"])
        except ValueError:
            phone = None
        zip_code = r["zip"] if r["zip"] else None
        yield LegacyMember(
            member_number=r["card_number"],
            last_name=r["last_name"],
            first_name=r["first_name"],
            middle_name=r["middle_initial"] or None,
            date_of_birth=us_date(r["birth_date"]) or date(1970, 1, 1),
            card_type=CardType(r["card_type"]),
            classification=dues_classification(r["classification"], r["member_status"], initiation, as_of),
            trade_classification=r["classification"],
            status=MemberStatus(r["member_status"]),
            initiation_date=initiation,
            local_number=r["local_number"],
            email=r["email"].lower() or None,
            phone=phone,
            address_line1=r["address1"] or None,
            city=r["city"] or None,
            state=r["state"] or None,
            zip=zip_code,
            gender=r.get("gender") or None,
            ethnicity=r.get("ethnicity") or None,
        )


@dataclass
class LegacyEmployer:
    code: str
    name: str
    address_line1: str | None
    city: str | None
    state: str | None
    zip: str | None
    phone: str | None
    contract_codes: list[str]


def read_employers(folder: Path) -> list[LegacyEmployer]:
    """One employer per Employer_code; duplicate (code, contract) rows collapse (196 in the legacy data)."""
    by_code: dict[str, LegacyEmployer] = {}
    for r in _rows(folder / "employers_by_contract.csv"):
        code = r["Employer_code"]
        emp = by_code.get(code)
        if emp is None:
            try:
                phone = normalize_phone(r["Phone"])
            except ValueError:
                phone = None
            emp = LegacyEmployer(code=code, name=normalize_name(r["Employer_name"]), address_line1=r["Address"] or None,
                                 city=r["City"] or None, state=r["State"] or None, zip=r["Zip"] or None,
                                 phone=phone, contract_codes=[])
            by_code[code] = emp
        if r["Contract_code"] not in emp.contract_codes:
            emp.contract_codes.append(r["Contract_code"])
    return list(by_code.values())


@dataclass
class LegacyDispatch:
    card_number: str
    employer_name: str  # normalized
    worksite: str
    dispatch_date: date
    term_date: date | None
    job_class: str
    start_rate: Decimal
    term_reason: str
    short_call: bool
    by_name: bool
    book_name: str
    request_number: str


def read_dispatches(folder: Path, since: date | None = None) -> Iterator[LegacyDispatch]:
    for r in _rows(folder / "dispatch_history.csv"):
        d = us_date(r["Dispatch_date"])
        if d is None or (since and d < since):
            continue
        yield LegacyDispatch(
            card_number=r["Card_number"], employer_name=normalize_name(r["Employer_name"]), worksite=r["Worksite"],
            dispatch_date=d, term_date=us_date(r["Term_date"]), job_class=r["Job_class"],
            start_rate=Decimal(r["Start_rate"] or "0"), term_reason=r["Term_reason"],
            short_call=r["Short_call"] == "Y", by_name=r["By_name"] == "Y", book_name=r["Book_name"],
            request_number=r["Request_number"],
        )
