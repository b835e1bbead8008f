"""The demo export generator (chalicelib/imports/demo_exports.py): deterministic, in the LaborPower/Access
format the readers and the demo seed expect, with the quirks and figures its MANIFEST.json promises.

The manifest's aggregates are recomputed here independently, from the written files, with csv and Decimal.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chalicelib.members.domain import name_key
from chalicelib.imports import demo_exports
from chalicelib.imports.demo_exports import ensure, generate
from chalicelib.imports.laborpower import read_dispatches, read_employers, read_members

BOOKS = ["WIRE SEATTLE", "WIRE BREMERTON", "WIRE PT ANGELES", "STOCKMAN", "TRADESHOW", "TECHNICIAN",
         "UTILITY WORKER", "TERO APPR WIRE"]
REGISTRATION_COLUMNS = ["Book_priority_number", "Book_name", "Applicant_priority_number"]
# the columns of the LaborPower/Access exports, as the format reference lists them
EXPECTED_COLUMNS = {
    "members.csv": ["card_number", "last_name", "first_name", "middle_initial", "birth_date", "card_type",
                    "classification", "member_status", "initiation_date", "local_number", "email", "phone",
                    "address1", "city", "state", "zip", "gender", "ethnicity", "dues_basic_paid_thru",
                    "dues_working_paid_thru"],
    "reglist.csv": ["Card_number", "Member_name", "Book_name", "Book_priority_number", "Applicant_priority_number",
                    "Registration_date", "Last_re_sign_date", "Check_marks", "Exempt_reason"],
    **{f"registration_{b.replace(' ', '_')}.csv": REGISTRATION_COLUMNS for b in BOOKS},
    "employers_by_contract.csv": ["Contract_code", "Employer_name", "Employer_code", "Address", "City", "State",
                                  "Zip", "Phone"],
    "dispatch_history.csv": ["Request_number", "Dispatch_date", "Card_number", "Employer_name", "Worksite",
                             "Book_name", "Job_class", "Start_rate", "Term_date", "Term_reason", "Short_call",
                             "By_name"],
    "employment_history.csv": ["Card_number", "Employer_name", "Start_date", "End_date", "Hours", "Gross",
                               "Hourly_rate"],
    "dues_transactions.csv": ["Card_number", "Trans_date", "Period", "Activity_code", "Trans_type", "Basic_months",
                              "Basic_amount", "Working_amount", "Receipt_no", "Check_no", "Batch_id",
                              "Employer_name"],
}
CONTRACTS = ["WIREPERSON", "SOUND & COMM", "RESIDENTIAL", "STOCKPERSON", "LT FXT MAINT", "GROUP MARINE",
             "GROUP TV & APPL", "MARKET RECOVERY"]
EXPORT_DATE = date(2026, 2, 2)


# -- helpers: an importer's view of the files ------------------------------------------------------------------

def rows(folder: Path, name: str, strip: bool = True) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as fh:
        return [{k: (v.strip() if strip else v) for k, v in r.items()} for r in csv.DictReader(fh)]


def raw_rows(folder: Path, name: str) -> list[list[str]]:
    with (folder / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


def mdy(text: str) -> date:
    m, d, y = text.split("/")
    return date(int(y), int(m), int(d))


def month(text: str) -> int:
    m, y = text.split("/")
    return int(y) * 12 + int(m) - 1


def norm(name: str) -> str:
    return " ".join(name.upper().replace(".", "").replace(",", "").split())


def business_days(a: date, b: date) -> int:
    return sum(1 for i in range((b - a).days + 1) if (a + timedelta(days=i)).weekday() < 5)


def money(values: list[str]) -> str:
    return str(sum((Decimal(v or "0") for v in values), Decimal("0.00")))


@pytest.fixture(scope="module")
def typical(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], float]:
    """GIVEN the generator's default output (seed 46, scale 1, typical quirks), generated once per module."""
    out = tmp_path_factory.mktemp("typical")
    t0 = time.perf_counter()
    manifest = generate(out)
    return out, manifest.data, time.perf_counter() - t0


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """GIVEN scale 0.25 with typical quirks."""
    out = tmp_path_factory.mktemp("quarter")
    return out, generate(out, scale=0.25).data


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """GIVEN scale 0.25 with --quirks none."""
    out = tmp_path_factory.mktemp("clean")
    return out, generate(out, scale=0.25, quirks="none").data


# -- determinism, speed, columns ---------------------------------------------------------------------------------

def test_same_arguments_give_byte_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    """GIVEN two runs with the same arguments THEN every file, the manifest included, is byte-identical;
    GIVEN another seed THEN the data differs."""
    first = generate(tmp_path / "first", scale=0.1)
    generate(tmp_path / "again", scale=0.1)
    for name in [*EXPECTED_COLUMNS, "MANIFEST.json"]:
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "first" / name).read_bytes(), name
    assert first.data == json.loads((tmp_path / "again" / "MANIFEST.json").read_text())
    other = generate(tmp_path / "other", scale=0.1, seed=7)
    for name in EXPECTED_COLUMNS:
        if name in ("members.csv", "reglist.csv", "employers_by_contract.csv", "dispatch_history.csv",
                    "employment_history.csv", "dues_transactions.csv"):
            assert other.data["files"][name]["sha256"] != first.data["files"][name]["sha256"], name


def test_scale_1_is_generated_in_a_few_seconds(typical) -> None:
    _, _, seconds = typical
    assert seconds < 30  # about 2 s on a developer machine; generous for a loaded CI runner


def test_every_file_has_the_reference_columns_and_the_manifest_matches_the_bytes(typical) -> None:
    """GIVEN the output WHEN reading each file's header, size and hash THEN they are the format's columns
    and the manifest's rows, bytes and SHA-256."""
    folder, manifest, _ = typical
    assert set(manifest["files"]) == set(EXPECTED_COLUMNS)
    for name, columns in EXPECTED_COLUMNS.items():
        data = (folder / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), "UTF-8 without BOM"
        with (folder / name).open(newline="", encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == columns, name
        entry = manifest["files"][name]
        assert entry["columns"] == columns
        assert entry["rows"] == len(raw_rows(folder, name))
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()


# -- quirks ---------------------------------------------------------------------------------------------------------

def test_typical_quirks_are_present_exactly_where_the_manifest_indexes_them(typical) -> None:
    """GIVEN --quirks typical THEN every CSV line ends in CRLF, and each indexed quirky cell holds the quirk:
    a trailing space, a comma inside a quoted name, a one-decimal APN, another spelling of an employer."""
    folder, manifest, _ = typical
    for name in EXPECTED_COLUMNS:
        data = (folder / name).read_bytes()
        assert data.count(b"\r\n") == data.count(b"\n") == manifest["files"][name]["rows"] + 1, name
    index = manifest["quirks"]["rows"]
    summary = manifest["quirks"]["summary"]
    for quirk in ("trailing_space", "comma_in_name", "apn_one_decimal", "employer_name_variant"):
        assert summary[quirk]["total"] > 0, quirk
        assert summary[quirk]["total"] == sum(len(q.get(quirk, [])) for q in index.values())
    trailing = 0
    for name, quirks in index.items():
        cells = raw_rows(folder, name)
        columns = EXPECTED_COLUMNS[name]
        for quirk, entries in quirks.items():
            assert summary[quirk][name] == len(entries)
            for e in entries:
                value = cells[e["row"] - 1][columns.index(e["column"])]
                if quirk == "trailing_space":
                    assert value.endswith(" ") and not value.endswith("   ") and value.strip(), (name, e)
                    trailing += 1
                elif quirk == "comma_in_name":
                    assert "," in value and value.rstrip() == e["value"], (name, e)
                    assert f'"{e["value"]}' in (folder / name).read_text(encoding="utf-8")  # quoted because of it
                elif quirk == "apn_one_decimal":
                    assert value == e["value"] and re.fullmatch(r"\d{5}\.\d", value)
                    assert Decimal(value) == Decimal(e["exact"]) and re.fullmatch(r"\d{5}\.\d0", e["exact"])
                else:
                    assert value.rstrip() == e["value"] != e["canonical"] and norm(value) == e["canonical"]
    # nothing else has a trailing space
    assert trailing == sum(1 for name in EXPECTED_COLUMNS for r in raw_rows(folder, name)
                           for v in r if v != v.rstrip())
    # the suffix is written with a comma: in members.csv and in the reglist's "LAST, SUFFIX, FIRST M"
    names = [r["last_name"] for r in rows(folder, "members.csv")]
    assert any(re.fullmatch(r"[A-Z' -]+, (JR\.|SR\.|II|III)", n) for n in names)
    assert any(re.fullmatch(r"[A-Z' -]+, (JR\.|SR\.|II|III), [A-Z]+( [A-Z])?", r["Member_name"])
               for r in rows(folder, "reglist.csv"))


def test_quirks_none_writes_the_same_data_clean(quarter, clean) -> None:
    """GIVEN --quirks none THEN the files have LF line endings, no trailing spaces, suffixes without a comma,
    two-decimal APNs and one spelling per employer, and hold the same data as the typical files."""
    folder, manifest = clean
    tfolder, tmanifest = quarter
    assert manifest["quirks"]["rows"] == {}
    assert all(q["total"] == 0 for q in manifest["quirks"]["summary"].values())
    for name in EXPECTED_COLUMNS:
        data = (folder / name).read_bytes()
        assert b"\r" not in data and data.count(b"\n") == manifest["files"][name]["rows"] + 1
        assert all(v == v.strip() for r in raw_rows(folder, name) for v in r), name
        assert manifest["files"][name]["rows"] == tmanifest["files"][name]["rows"]
    assert all("," not in r["last_name"] for r in rows(folder, "members.csv"))
    for name in [n for n in EXPECTED_COLUMNS if n.startswith(("reglist", "registration_"))]:
        assert all(re.fullmatch(r"\d{5}\.\d\d", r["Applicant_priority_number"]) for r in rows(folder, name))
    spelled: dict[str, set[str]] = defaultdict(set)
    for r in rows(folder, "employers_by_contract.csv"):
        spelled[norm(r["Employer_name"])].add(r["Employer_name"])
    assert all(len(v) == 1 for v in spelled.values())
    canonical = {n for v in spelled.values() for n in v}
    for name, column in (("dispatch_history.csv", "Employer_name"), ("employment_history.csv", "Employer_name"),
                         ("dues_transactions.csv", "Employer_name")):
        assert {r[column] for r in rows(folder, name) if r[column]} <= canonical, name
    # the same data: trimmed cells agree except the spellings the quirks change
    for name in ("dispatch_history.csv", "employment_history.csv", "dues_transactions.csv", "members.csv"):
        a, b = rows(folder, name), rows(tfolder, name)
        key = "Employer_name" if name != "members.csv" else "last_name"
        assert [{k: v for k, v in r.items() if k != key} for r in a] == \
               [{k: v for k, v in r.items() if k != key} for r in b], name
        assert [norm(r[key]) for r in a] == [norm(r[key]) for r in b], name


# -- aggregates, recomputed independently ------------------------------------------------------------------------

def test_manifest_aggregates_equal_what_the_files_say(typical) -> None:
    """GIVEN the written files WHEN an importer recomputes the figures with csv and Decimal
    THEN they equal the manifest's: rows per book and tier, duplicated APNs, employers per contract, dispatch rows
    per book and term reason, sums of hours and gross, dues rows and sums per Trans_type."""
    folder, manifest, _ = typical
    files = manifest["files"]

    reg = rows(folder, "reglist.csv")
    per_book_tier: dict[str, Counter[str]] = {b: Counter() for b in BOOKS}
    for r in reg:
        per_book_tier[r["Book_name"]][r["Book_priority_number"]] += 1
    agg = files["reglist.csv"]["aggregates"]
    assert agg["rows_per_book_and_tier"] == {b: dict(c) for b, c in per_book_tier.items()}
    dup_apns: Counter[tuple[str, str, Decimal]] = Counter(
        (r["Book_name"], r["Book_priority_number"], Decimal(r["Applicant_priority_number"])) for r in reg)
    for b in BOOKS:
        for tier in per_book_tier[b]:
            shared = [n for (bb, tt, _), n in dup_apns.items() if (bb, tt) == (b, tier) and n > 1]
            assert agg["duplicated_apns_per_book_and_tier"][f"{b}|{tier}"] == {
                "duplicated_apn_values": len(shared), "rows_with_duplicated_apn": sum(shared)}
    for b in BOOKS:
        plain = rows(folder, f"registration_{b.replace(' ', '_')}.csv")
        assert files[f"registration_{b.replace(' ', '_')}.csv"]["aggregates"]["rows_per_tier"] == \
               dict(Counter(r["Book_priority_number"] for r in plain))

    emp = rows(folder, "employers_by_contract.csv")
    seen: set[tuple[str, str]] = set()
    unique: Counter[str] = Counter()
    duplicates: Counter[str] = Counter()
    for r in emp:
        pair = (r["Employer_code"], r["Contract_code"])
        (duplicates if pair in seen else unique)[r["Contract_code"]] += 1
        seen.add(pair)
    agg = files["employers_by_contract.csv"]["aggregates"]
    assert {c: (v["unique_employers"], v["duplicate_rows"]) for c, v in agg["per_contract"].items()} == \
           {c: (unique[c], duplicates[c]) for c in CONTRACTS}
    assert agg["distinct_employer_codes"] == len({r["Employer_code"] for r in emp})
    assert agg["duplicate_rows"] == sum(duplicates.values()) == len(manifest["quirks"]["employer_duplicate_rows"])

    disp = rows(folder, "dispatch_history.csv")
    agg = files["dispatch_history.csv"]["aggregates"]
    assert agg["rows_per_book"] == {b: sum(1 for r in disp if r["Book_name"] == b) for b in BOOKS}
    assert agg["rows_per_term_reason"] == dict(Counter(r["Term_reason"] or "(blank)" for r in disp))
    assert agg["still_working_rows"] == sum(1 for r in disp if not r["Term_date"])
    assert agg["short_call_rows"] == sum(1 for r in disp if r["Short_call"] == "Y")
    assert agg["sum_start_rate"] == money([r["Start_rate"] for r in disp])

    work = rows(folder, "employment_history.csv")
    agg = files["employment_history.csv"]["aggregates"]
    assert agg["sum_hours"] == money([r["Hours"] for r in work])
    assert agg["sum_gross"] == money([r["Gross"] for r in work])

    dues = rows(folder, "dues_transactions.csv")
    agg = files["dues_transactions.csv"]["aggregates"]
    for kind, expected in agg["by_trans_type"].items():
        mine = [r for r in dues if r["Trans_type"] == kind]
        basic, working = money([r["Basic_amount"] for r in mine]), money([r["Working_amount"] for r in mine])
        assert expected == {"rows": len(mine), "sum_basic_months": sum(int(r["Basic_months"]) for r in mine),
                            "sum_basic_amount": basic, "sum_working_amount": working,
                            "sum_total_amount": str(Decimal(basic) + Decimal(working))}, kind
    assert sum(v["rows"] for v in agg["by_trans_type"].values()) == len(dues)
    assert agg["by_activity_code"] == dict(sorted(Counter(r["Activity_code"] for r in dues).items()))

    members = rows(folder, "members.csv")
    agg = files["members.csv"]["aggregates"]
    assert agg["by_card_type"] == dict(sorted(Counter(r["card_type"] for r in members).items()))
    assert agg["by_status"] == dict(sorted(Counter(r["member_status"] for r in members).items()))
    assert agg["blank_email"] == sum(1 for r in members if not r["email"])


# -- the figures and relationships of a real local ------------------------------------------------------------------

def test_scale_1_has_the_headline_figures(typical) -> None:
    """GIVEN scale 1 THEN 4,000 members (A 2,092 / BA 1,011 / APP 469 / CW 248 / CE 180, mostly active), 843
    employers with 1,544 employer-contract pairs plus 196 duplicate rows, 4,033 registrations on the 8 books with
    their tiers, five years of dispatch history and the dues ledger of the README."""
    folder, manifest, _ = typical
    f = manifest["files"]
    members = rows(folder, "members.csv")
    assert len(members) == 4000
    assert Counter(r["card_type"] for r in members) == {"A": 2092, "BA": 1011, "APP": 469, "CW": 248, "CE": 180}
    statuses = Counter(r["member_status"] for r in members)
    assert statuses["active"] == 3150 and set(statuses) == {"active", "inactive", "suspended", "retired", "deceased"}
    assert f["reglist.csv"]["rows"] == 4033
    assert f["reglist.csv"]["aggregates"]["rows_per_book_and_tier"] == {
        "WIRE SEATTLE": {"1": 1054, "2": 88, "3": 44}, "WIRE BREMERTON": {"1": 942, "2": 115, "3": 58},
        "WIRE PT ANGELES": {"1": 945, "2": 103, "3": 52}, "STOCKMAN": {"1": 5, "2": 6, "3": 43},
        "TRADESHOW": {"1": 298, "2": 16, "3": 1}, "TECHNICIAN": {"1": 112, "2": 17, "3": 131},
        "UTILITY WORKER": {"1": 1}, "TERO APPR WIRE": {"1": 2}}
    reg = f["reglist.csv"]["aggregates"]
    assert reg["wire_tier1_members_on_all_three_wire_books"] == 932
    assert reg["wire_tier1_members_on_one_wire_book_only"] == {"WIRE SEATTLE": 117, "WIRE BREMERTON": 6,
                                                               "WIRE PT ANGELES": 10}
    assert reg["members_on_wire_seattle_and_technician"] == 88
    emp = f["employers_by_contract.csv"]["aggregates"]
    assert (emp["distinct_employer_codes"], emp["distinct_employer_contract_pairs"], emp["duplicate_rows"]) == \
           (843, 1544, 196)
    assert {c: v["unique_employers"] for c, v in emp["per_contract"].items()} == {
        "WIREPERSON": 689, "SOUND & COMM": 300, "RESIDENTIAL": 259, "STOCKPERSON": 180, "LT FXT MAINT": 92,
        "GROUP MARINE": 21, "GROUP TV & APPL": 2, "MARKET RECOVERY": 1}
    assert emp["employers_by_number_of_contracts"] == {"1": 451, "2": 201, "3": 109, "4": 47, "5": 34, "6": 1}
    assert emp["residential_employers_also_wireperson"] == 207 and emp["residential_only_employers"] == 52
    assert emp["duplicate_rows_by_kind"] == {"address": 43, "exact": 106, "name_variant": 18, "phone": 29}
    disp = rows(folder, "dispatch_history.csv")
    dates = [mdy(r["Dispatch_date"]) for r in disp]
    assert min(dates) >= date(2021, 2, 1) and max(dates) <= date(2026, 1, 30)
    assert 15_000 <= len(disp) <= 26_000
    last_year = sum(1 for d in dates if d >= EXPORT_DATE - timedelta(days=31 * 12))
    assert 2_500 <= last_year <= 6_000  # the demo seed's 12 months of employment records
    assert 40_000 <= f["employment_history.csv"]["rows"] <= 65_000
    dues = rows(folder, "dues_transactions.csv")
    assert 24_000 <= len(dues) <= 38_000
    assert min(mdy(r["Trans_date"]) for r in dues) >= date(2024, 8, 1)
    assert max(mdy(r["Trans_date"]) for r in dues) <= date(2026, 1, 30)
    assert {r["Trans_type"] for r in dues} == {"PAYMENT", "DCO", "ADJUSTMENT", "REFUND", "WRITE-OFF"}
    assert date.fromisoformat(manifest["export_date"]) == EXPORT_DATE and EXPORT_DATE.weekday() == 0


def test_members_look_like_an_access_export(typical) -> None:
    """GIVEN members.csv THEN card numbers are unique 7-digit text (~10 % with a leading zero), 25 full names are
    shared (told apart by birth date), travelers carry other local numbers, phones mix formats, some ZIPs are
    ZIP+4 and about 18 % of e-mails are blank."""
    folder, manifest, _ = typical
    members = rows(folder, "members.csv")
    cards = [r["card_number"] for r in members]
    assert len(set(cards)) == len(cards) and all(re.fullmatch(r"\d{7}", c) for c in cards)
    assert 0.07 <= sum(c.startswith("0") for c in cards) / len(cards) <= 0.13
    names = Counter((r["last_name"], r["first_name"], r["middle_initial"]) for r in members)
    shared = [n for n, k in names.items() if k > 1]
    assert len(shared) == 25 == manifest["files"]["members.csv"]["aggregates"]["full_names_shared_by_several_members"]
    for n in shared:
        namesakes = [r for r in members if (r["last_name"], r["first_name"], r["middle_initial"]) == n]
        assert len({r["birth_date"] for r in namesakes}) == len(namesakes)
    travelers = [r for r in members if r["local_number"] != "0046"]
    assert 140 <= len(travelers) <= 165 and all(re.fullmatch(r"\d{4}", r["local_number"]) for r in travelers)
    assert all(not r["dues_basic_paid_thru"] for r in travelers)
    phones = [r["phone"] for r in members if r["phone"]]
    for pattern in (r"\(\d{3}\) 555-\d{4}", r"\d{3}-555-\d{4}", r"\d{3}555\d{4}"):
        assert sum(1 for p in phones if re.fullmatch(pattern, p)) > 100, pattern
    assert sum(1 for r in members if re.fullmatch(r"\d{5}-\d{4}", r["zip"])) > 200
    assert all(re.fullmatch(r"\d{5}(-\d{4})?", r["zip"]) for r in members)
    assert 0.15 <= sum(1 for r in members if not r["email"]) / len(members) <= 0.21
    assert all(re.fullmatch(r"[a-z0-9.]+@example\.(com|net|org)", r["email"].lower()) for r in members if r["email"])
    assert any(r["email"].isupper() for r in members)
    for r in members:
        assert mdy(r["birth_date"]) < mdy(r["initiation_date"]) <= EXPORT_DATE


def test_registrations_follow_the_apn_rules(typical) -> None:
    """GIVEN the registration lists THEN an APN is the Excel serial date of registration + '.' + a 2-digit
    tie-breaker (exact decimals), a member keeps one APN on every book, APNs are shared by different members, and
    each registration_<BOOK>.csv is that book's reglist rows in the same order without the member columns."""
    folder, manifest, _ = typical
    reg = rows(folder, "reglist.csv")
    apn_of: dict[str, set[Decimal]] = defaultdict(set)
    holders: dict[Decimal, set[str]] = defaultdict(set)
    for r in reg:
        apn = Decimal(r["Applicant_priority_number"])
        assert re.fullmatch(r"\d{5}\.\d{1,2}", r["Applicant_priority_number"])
        serial = (mdy(r["Registration_date"]) - date(1899, 12, 30)).days
        assert int(apn) == serial and Decimal("0.01") <= apn - serial <= Decimal("0.99")
        assert mdy(r["Registration_date"]) <= mdy(r["Last_re_sign_date"]) < EXPORT_DATE
        assert r["Check_marks"] in {"0", "1", "2"}
        assert r["Exempt_reason"] in {"", "MEDICAL", "UNION BUSINESS", "MILITARY", "SALTING", "UNDER SCALE",
                                      "JURY DUTY", "TRAVELING"}
        apn_of[r["Card_number"]].add(apn)
        holders[apn].add(r["Card_number"])
    assert all(len(v) == 1 for v in apn_of.values())
    assert sum(1 for v in holders.values() if len(v) > 1) > 20
    # LaborPower print order, then tier, then APN (as a number), then card
    order = [(BOOKS.index(r["Book_name"]), int(r["Book_priority_number"]), Decimal(r["Applicant_priority_number"]),
              r["Card_number"]) for r in reg]
    assert order == sorted(order)
    for b in BOOKS:
        plain = rows(folder, f"registration_{b.replace(' ', '_')}.csv")
        mine = [r for r in reg if r["Book_name"] == b]
        assert [(r["Book_priority_number"], r["Book_name"], Decimal(r["Applicant_priority_number"]))
                for r in plain] == [(r["Book_priority_number"], r["Book_name"],
                                     Decimal(r["Applicant_priority_number"])) for r in mine]
    four = manifest["files"]["reglist.csv"]["aggregates"]["members_on_4_or_more_books"]
    assert four  # one member is on four books (TRADESHOW, TECHNICIAN, UTILITY WORKER, TERO APPR WIRE) ...
    special = next(c for c in four if {r["Book_name"] for r in reg if r["Card_number"] == c} >= {
        "UTILITY WORKER", "TERO APPR WIRE"})
    (apn,) = apn_of[special]
    assert apn == Decimal("45880.41") and len(holders[apn]) >= 2  # ... and shares the APN with a Seattle member


def test_history_and_ledger_keep_the_relationships(typical) -> None:
    """GIVEN the history and ledger THEN every card, employer and book exists; a member still working is on no
    book; after registering a member only took short calls; employment rows never cross a month end and
    Gross = Hours x rate + half the rate for hours above 8 per business day; DCO rows are 4.25 % of a month's
    gross; paid-thru months reconcile with the ledger."""
    folder, manifest, _ = typical
    members = {r["card_number"]: r for r in rows(folder, "members.csv")}
    employers = {norm(r["Employer_name"]) for r in rows(folder, "employers_by_contract.csv")}
    registered = {r["Card_number"]: mdy(r["Registration_date"]) for r in rows(folder, "reglist.csv")}
    assert set(registered) <= set(members)
    disp = rows(folder, "dispatch_history.csv")
    for r in disp:
        assert r["Card_number"] in members and norm(r["Employer_name"]) in employers and r["Book_name"] in BOOKS
        start = mdy(r["Dispatch_date"])
        assert start.weekday() < 5 and mdy(members[r["Card_number"]]["initiation_date"]) <= start
        assert re.fullmatch(r"REQ\d{8}-\d{4}", r["Request_number"])
        assert date(int(r["Request_number"][3:7]), int(r["Request_number"][7:9]), int(r["Request_number"][9:11])) \
            <= start
        if r["Term_date"]:
            assert mdy(r["Term_date"]) >= start
        else:
            assert r["Card_number"] not in registered and r["Term_reason"] == ""
        if r["Card_number"] in registered and start >= registered[r["Card_number"]]:
            assert r["Short_call"] == "Y" and r["Term_date"], r
    still = [r["Card_number"] for r in disp if not r["Term_date"]]
    assert len(still) == len(set(still)) > 100  # one current job each
    assert len({r["Request_number"] for r in disp}) < len(disp)  # requests for several people exist

    work = rows(folder, "employment_history.csv")
    assert work
    for r in work:
        assert r["Card_number"] in members and norm(r["Employer_name"]) in employers
        s, e = mdy(r["Start_date"]), mdy(r["End_date"])
        assert (s.year, s.month) == (e.year, e.month) and s <= e <= date(2026, 1, 31)
        hours, rate, gross = Decimal(r["Hours"]), Decimal(r["Hourly_rate"]), Decimal(r["Gross"])
        overtime = max(Decimal(0), hours - 8 * business_days(s, e))
        assert gross == (hours * rate + rate * overtime / 2).quantize(Decimal("0.01"), "ROUND_HALF_UP"), r

    dues = rows(folder, "dues_transactions.csv")
    voided = {r["Receipt_no"] for r in dues if r["Activity_code"] == "V"}
    paid: dict[str, int] = {}
    worked: dict[str, int] = {}
    for r in dues:
        assert r["Card_number"] in members
        assert mdy(r["Trans_date"]) >= mdy(members[r["Card_number"]]["initiation_date"]), r
        basic, working = Decimal(r["Basic_amount"]), Decimal(r["Working_amount"])
        if r["Trans_type"] == "PAYMENT" and r["Activity_code"] in "XN":
            assert int(r["Basic_months"]) >= 1 and basic > 0 and working == 0 and r["Receipt_no"]
            if r["Receipt_no"] not in voided:
                paid[r["Card_number"]] = max(paid.get(r["Card_number"], -1),
                                             month(r["Period"]) + int(r["Basic_months"]) - 1)
        elif r["Activity_code"] == "V":
            assert int(r["Basic_months"]) <= -1 and basic < 0
        elif r["Trans_type"] == "DCO":
            assert r["Activity_code"] == "D" and basic == 0 and working >= 0 and r["Employer_name"]
            assert r["Batch_id"].endswith(r["Trans_date"]) and "-DCO " in r["Batch_id"]
            worked[r["Card_number"]] = max(worked.get(r["Card_number"], -1), month(r["Period"]))
        elif r["Trans_type"] in ("REFUND", "WRITE-OFF"):
            assert basic + working < 0
    assert paid and worked
    for card, last in paid.items():
        assert month(members[card]["dues_basic_paid_thru"]) == last, card
    for card, last in worked.items():
        assert month(members[card]["dues_working_paid_thru"]) == last, card
    for card in set(members) - set(paid):
        thru = members[card]["dues_basic_paid_thru"]
        assert not thru or month(thru) < month("08/2024"), card
    cross = manifest["cross_file"]
    assert cross["members_with_payments"] == cross["members_whose_basic_paid_thru_equals_last_month_paid"]
    assert cross["members_with_dco_rows"] == cross["members_whose_working_paid_thru_equals_last_dco_period"]
    assert cross["dispatch_employers_missing_from_employers_by_contract"] == 0


def test_each_voided_payment_reuses_its_payments_receipt(typical) -> None:
    folder, _, _ = typical
    dues = rows(folder, "dues_transactions.csv")
    payments = {r["Receipt_no"]: r for r in dues if r["Activity_code"] in ("X", "N")}
    voids = [r for r in dues if r["Activity_code"] == "V"]
    assert voids
    for v in voids:
        p = payments[v["Receipt_no"]]
        assert (p["Card_number"], p["Period"]) == (v["Card_number"], v["Period"])
        assert Decimal(v["Basic_amount"]) == -Decimal(p["Basic_amount"])
        assert int(v["Basic_months"]) == -int(p["Basic_months"])


# -- scale, readers, seed, facts the e2e tests rely on ---------------------------------------------------------

def test_scale_changes_the_volumes_but_not_the_books_or_employers(typical, quarter) -> None:
    """GIVEN scale 0.25 and 1 THEN dispatch, employment and dues volumes follow the scale; registrations and
    employers stay the same; members follow the scale but never fall below the registered members."""
    small, big = quarter[1]["files"], typical[1]["files"]
    for name in ("dispatch_history.csv", "employment_history.csv", "dues_transactions.csv"):
        assert 0.15 * big[name]["rows"] < small[name]["rows"] < 0.4 * big[name]["rows"], name
    registered = small["reglist.csv"]["aggregates"]["distinct_members"]
    assert registered < small["members.csv"]["rows"] < big["members.csv"]["rows"]
    assert small["members.csv"]["rows"] == demo_exports.member_count(0.25, registered) == registered + 250
    assert demo_exports.member_count(1.25, registered) == 5000
    for name in ("reglist.csv", "employers_by_contract.csv", "registration_WIRE_SEATTLE.csv"):
        assert small[name]["rows"] == big[name]["rows"]
        same = [{k: v for k, v in f[name]["aggregates"].items() if k != "members_on_4_or_more_books"}
                for f in (small, big)]
        assert same[0] == same[1], name


def test_the_laborpower_readers_parse_every_row(typical) -> None:
    """GIVEN the typical files (quirks and all) WHEN read by chalicelib/imports/laborpower.py THEN every member
    and dispatch row is read, every employer code once, and every dispatch names a known employer."""
    folder, manifest, _ = typical
    f = manifest["files"]
    members = list(read_members(folder, EXPORT_DATE))
    assert len(members) == f["members.csv"]["rows"]
    assert all(len(m.member_number) == 7 and m.last_name and m.first_name for m in members)
    assert sum(1 for m in members if m.phone is None) == f["members.csv"]["aggregates"]["blank_phone"]
    employers = read_employers(folder)
    assert len(employers) == 843 and len({e.name for e in employers}) == 843
    assert sum(len(e.contract_codes) for e in employers) == 1544
    dispatches = list(read_dispatches(folder))
    assert len(dispatches) == f["dispatch_history.csv"]["rows"]
    names = {e.name for e in employers}
    assert all(d.employer_name in names for d in dispatches)


def test_the_demo_seed_loads_the_exports(tmp_path: Path) -> None:
    """GIVEN a small scale WHEN seed_demo loads it into the in-memory store THEN members, employers with their
    contracts and the last 12 months of employment are there."""
    from chalicelib.demo.seed import seed_demo
    from chalicelib.core.store.memory import MemoryStore

    manifest = generate(tmp_path, scale=0.05)
    report = seed_demo(MemoryStore(), tmp_path)
    assert report.members == manifest.rows("members.csv")
    assert (report.employers, report.contracts) == (843, 1544)
    assert report.employment > 0


def test_the_facts_the_end_to_end_tests_search_for_exist(typical) -> None:
    """GIVEN scale 1 THEN the names the e2e and browser tests search exist: 33+ WEBBs, MILLERs and GARCIAs;
    employers starting with A, B, C and BOULDER; 21 GROUP MARINE employers; an active member with an e-mail."""
    folder, _, _ = typical
    members = rows(folder, "members.csv")
    keys = [name_key(r["last_name"]) for r in members]
    assert sum(k.startswith("WEBB") for k in keys) >= 33
    assert sum(k.startswith("MILLER") for k in keys) >= 6
    assert sum(k.startswith("GARCIA") for k in keys) >= 5
    assert any(r["member_status"] == "active" and r["email"] for r in members)
    names = {norm(r["Employer_name"]) for r in rows(folder, "employers_by_contract.csv")}
    for prefix in ("A", "B", "C", "BOULDER"):
        assert any(n.startswith(prefix) for n in names), prefix
    marine = {r["Employer_code"] for r in rows(folder, "employers_by_contract.csv")
              if r["Contract_code"] == "GROUP MARINE"}
    assert len(marine) == 21


def test_the_cli_writes_a_clean_small_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo_exports.main(["--out", str(tmp_path), "--scale", "0.05", "--seed", "3", "--quirks", "none"]) == 0
    manifest = json.loads((tmp_path / "MANIFEST.json").read_text())
    assert manifest["generator"] == {"module": "chalicelib.imports.demo_exports",
                                          "version": demo_exports.VERSION, "seed": 3, "scale": 0.05,
                                          "quirks": "none"}
    assert "members.csv" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        demo_exports.main(["--out", str(tmp_path), "--scale", "0"])


def test_ensure_generates_once_and_regenerates_a_damaged_folder(tmp_path: Path) -> None:
    """GIVEN a cache folder WHEN ensure() is called twice THEN the second call reuses the files; WHEN a file is
    damaged or the arguments change THEN the folder is written afresh."""
    folder = tmp_path / "cache"
    ensure(folder, scale=0.05)
    stamp = (folder / "members.csv").stat().st_mtime_ns
    ensure(folder, scale=0.05)
    assert (folder / "members.csv").stat().st_mtime_ns == stamp
    (folder / "members.csv").write_text("card_number\n")
    ensure(folder, scale=0.05)
    assert len((folder / "members.csv").read_bytes()) == json.loads((folder / "MANIFEST.json").read_text())[
        "files"]["members.csv"]["bytes"]
    ensure(folder, scale=0.05, quirks="none")
    assert b"\r\n" not in (folder / "members.csv").read_bytes()
    assert not list(tmp_path.glob(".cache.tmp-*"))
