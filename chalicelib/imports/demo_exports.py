"""Demo LaborPower / Access exports, generated: the project's own realistic, deterministic test data.

    python -m chalicelib.imports.demo_exports --out DIR [--scale 1.0] [--seed 46] [--quirks typical|none]

Writes the files a ~4,000-member IBEW-style local gets out of LaborPower (registrations on the 8 out-of-work
books, employers by contract, raw dispatch data, earnings by work period, the dues ledger) and out of its Access
member table, plus MANIFEST.json (rows, bytes, SHA-256, columns, expected aggregates, quirk index). The same
arguments always give byte-identical files. Standard library only: `make run`, the tests and the benchmark need
nothing outside the repository. docs/demo-data.md describes the files, their relationships and the quirks.

Everything is invented: names and streets come from small word lists, phone numbers use the 555 exchange and
e-mail addresses the reserved example.com/.net/.org domains.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import os
import random
import shutil
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

VERSION = "1.0.0"
DEFAULT_SEED = 46
QUIRK_MODES = ("typical", "none")

EXPORT_DATE = date(2026, 2, 2)  # a Monday: the exports are dated the first business day after the history
HISTORY_START = date(2021, 2, 1)
HISTORY_END = date(2026, 1, 30)  # last business day before the export
WORK_CUTOFF = date(2026, 1, 31)  # a job still running is reported through the end of the last full month
LEDGER_START = date(2024, 8, 1)
EXCEL_EPOCH = date(1899, 12, 30)

BOOKS = ("WIRE SEATTLE", "WIRE BREMERTON", "WIRE PT ANGELES", "STOCKMAN", "TRADESHOW", "TECHNICIAN",
         "UTILITY WORKER", "TERO APPR WIRE")  # LaborPower print order
WIRE_BOOKS = BOOKS[:3]
CONTRACTS = ("WIREPERSON", "SOUND & COMM", "RESIDENTIAL", "STOCKPERSON", "LT FXT MAINT", "GROUP MARINE",
             "GROUP TV & APPL", "MARKET RECOVERY")
TERM_REASONS = ("RIF", "LAID OFF", "QUIT", "FIRED", "SHORT CALL END", "CONTRACT END")
TRANS_TYPES = ("PAYMENT", "DCO", "ADJUSTMENT", "REFUND", "WRITE-OFF")


def registration_file(book: str) -> str:
    return f"registration_{book.replace(' ', '_')}.csv"


COLUMNS: dict[str, tuple[str, ...]] = {
    "members.csv": ("card_number", "last_name", "first_name", "middle_initial", "birth_date", "card_type",
                    "classification", "member_status", "initiation_date", "local_number", "email", "phone",
                    "address1", "city", "state", "zip", "gender", "ethnicity", "dues_basic_paid_thru",
                    "dues_working_paid_thru"),
    "reglist.csv": ("Card_number", "Member_name", "Book_name", "Book_priority_number", "Applicant_priority_number",
                    "Registration_date", "Last_re_sign_date", "Check_marks", "Exempt_reason"),
    **{registration_file(b): ("Book_priority_number", "Book_name", "Applicant_priority_number") for b in BOOKS},
    "employers_by_contract.csv": ("Contract_code", "Employer_name", "Employer_code", "Address", "City", "State",
                                  "Zip", "Phone"),
    "dispatch_history.csv": ("Request_number", "Dispatch_date", "Card_number", "Employer_name", "Worksite",
                             "Book_name", "Job_class", "Start_rate", "Term_date", "Term_reason", "Short_call",
                             "By_name"),
    "employment_history.csv": ("Card_number", "Employer_name", "Start_date", "End_date", "Hours", "Gross",
                               "Hourly_rate"),
    "dues_transactions.csv": ("Card_number", "Trans_date", "Period", "Activity_code", "Trans_type", "Basic_months",
                              "Basic_amount", "Working_amount", "Receipt_no", "Check_no", "Batch_id",
                              "Employer_name"),
}
FILES = tuple(COLUMNS)

# -- sizes at scale 1 -------------------------------------------------------------------------------------------

MEMBERS_AT_SCALE_1 = 4000
CARD_TYPES = {"A": 2092, "BA": 1011, "APP": 469, "CW": 248, "CE": 180}
STATUSES = {"active": 3150, "retired": 376, "suspended": 96, "inactive": 284, "deceased": 94}
TRAVELERS_AT_SCALE_1 = 152
SHARED_FULL_NAMES = 25
SUFFIX_SHARE = 52 / 4000
BLANK_EMAIL_SHARE = 717 / 4000
# Contract sets of the 843 employers: (employers, contracts). 1,544 employer-contract pairs; per contract
# WIREPERSON 689, SOUND & COMM 300, RESIDENTIAL 259 (207 also WIREPERSON), STOCKPERSON 180, LT FXT MAINT 92,
# GROUP MARINE 21, GROUP TV & APPL 2, MARKET RECOVERY 1; by number of contracts 451/201/109/47/34/1.
_WP, _SC, _RES, _SP, _LFM, _GM, _TV, _MR = CONTRACTS
CONTRACT_SETS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, (_WP, _SC, _RES, _SP, _LFM, _MR)),
    (28, (_WP, _SC, _RES, _SP, _LFM)), (6, (_WP, _SC, _RES, _SP, _GM)),
    (25, (_WP, _SC, _RES, _SP)), (10, (_WP, _SC, _RES, _LFM)), (5, (_WP, _SC, _SP, _GM)),
    (5, (_WP, _SC, _LFM, _GM)), (2, (_WP, _SC, _RES, _TV)),
    (50, (_WP, _SC, _RES)), (20, (_WP, _RES, _SP)), (15, (_WP, _SC, _SP)), (15, (_WP, _SC, _LFM)),
    (9, (_WP, _SP, _LFM)),
    (77, (_WP, _SC)), (65, (_WP, _RES)), (30, (_WP, _SP)), (14, (_WP, _LFM)), (5, (_WP, _GM)), (10, (_SC, _SP)),
    (307, (_WP,)), (51, (_SC,)), (52, (_RES,)), (31, (_SP,)), (10, (_LFM,)),
)
DUPLICATES_PER_CONTRACT = {_WP: 63, _SC: 45, _RES: 33, _SP: 38, _LFM: 17}
DUPLICATE_KINDS = {"exact": 106, "address": 43, "phone": 29, "name_variant": 18}
DISPATCH_WORKERS_AT_SCALE_1 = 3130

# -- word lists -------------------------------------------------------------------------------------------------

_SURNAMES_3 = """SMITH JOHNSON WILLIAMS BROWN JONES MILLER DAVIS GARCIA RODRIGUEZ WILSON MARTINEZ ANDERSON TAYLOR
THOMAS MOORE MARTIN JACKSON THOMPSON WHITE LOPEZ LEE HARRIS CLARK LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT
SCOTT HILL GREEN ADAMS NELSON BAKER HALL CAMPBELL MITCHELL CARTER ROBERTS PHILLIPS EVANS TURNER PARKER COLLINS
EDWARDS STEWART MORRIS MURPHY COOK ROGERS MORGAN PETERSON COOPER REED BAILEY BELL KELLY HOWARD WARD COX""".split()
_SURNAMES_2 = """RICHARDSON WOOD WATSON BROOKS BENNETT GRAY HUGHES PRICE SANDERS MYERS LONG ROSS FOSTER OLSEN OLSON
JOHANSEN HANSEN LARSEN LARSON NIELSEN PETERSEN JENSEN SORENSEN LINDQUIST LUNDGREN BERG HOLM DAHL STRAND NYGAARD
ANDERSEN CHRISTENSEN ERICKSON GUSTAFSON HALVORSEN HERNANDEZ GONZALEZ PEREZ SANCHEZ RAMIREZ TORRES FLORES RIVERA
GOMEZ DIAZ REYES MORALES CRUZ ORTIZ GUTIERREZ CHAVEZ RAMOS RUIZ ALVAREZ MENDOZA CASTILLO VASQUEZ DELGADO HERRERA
MEDINA AGUILAR VEGA NGUYEN TRAN PHAM LE CHAN WONG CHEN LIU KIM PARK TANAKA NAKAMURA SATO YAMAMOTO SANTOS CASTRO
FLETCHER GARDNER NOVAK BANKS HOFFMAN DUNCAN MASON HARPER HAYES KNIGHT REYNOLDS MARSHALL BOYD BURKE FARRELL GRANT
GRAHAM DANIELS ROBERTSON""".split()
_SURNAMES_1 = """O'BRIEN O'CONNOR O'NEIL MCDONALD MCCARTHY MACKENZIE DE_LA_CRUZ DE_LEON VAN_DYKE VAN_HORN
GARCIA-LOPEZ SANCHEZ-RUIZ LAFLEUR DUBOIS KOWALSKI NOWAK SCHMIDT MUELLER WAGNER BECKER SCHULTZ KLEIN WEBER FISCHER
MEYER PACHECO KEALOHA MAHOE TUPOU FALEOLO IVANOV PETROV BYRNE DOYLE QUINN SULLIVAN BRENNAN WALSH FITZGERALD
HOLMBERG SUNDQUIST EKLUND AHLSTROM RASMUSSEN THORSEN BJORK HAUGEN MOEN SOLBERG WHITFIELD ASHFORD CALLOWAY
PEMBERTON LOCKWOOD HARGROVE WINSLOW KENDRICK DRUMMOND RUTLEDGE""".split()
WEBB_SHARE = 0.0095  # WEBB is a common name in this local: 38 of 4,000 members (the e2e tests search it)

_MALE = """JAMES JOHN ROBERT MICHAEL WILLIAM DAVID RICHARD JOSEPH THOMAS CHARLES CHRISTOPHER DANIEL MATTHEW ANTHONY
MARK DONALD STEVEN PAUL ANDREW JOSHUA KENNETH KEVIN BRIAN GEORGE TIMOTHY RONALD EDWARD JASON JEFFREY RYAN JACOB
GARY NICHOLAS ERIC JONATHAN STEPHEN LARRY JUSTIN SCOTT BRANDON BENJAMIN SAMUEL GREGORY FRANK RAYMOND PATRICK
ALEXANDER JACK DENNIS JERRY TYLER AARON JOSE ADAM NATHAN HENRY DOUGLAS ZACHARY PETER KYLE NOAH ETHAN JEREMY
WALTER CHRISTIAN KEITH ROGER TERRY AUSTIN SEAN GERALD CARL DYLAN HAROLD JORDAN JESSE BRYAN LAWRENCE ARTHUR
GABRIEL BRUCE LOGAN BILLY JOE ALAN JUAN ELIJAH WAYNE RANDY VINCENT MASON ROY RALPH BOBBY RUSSELL BRADLEY
PHILIP EUGENE TREVOR LARS ERIK COLE DUSTIN MIGUEL LUIS CARLOS TUAN MINH KENJI HIRO DEVON MARCUS""".split()
_FEMALE = """MARY PATRICIA JENNIFER LINDA ELIZABETH BARBARA SUSAN JESSICA SARAH KAREN LISA NANCY BETTY SANDRA
MARGARET ASHLEY KIMBERLY EMILY DONNA MICHELLE CAROL AMANDA MELISSA DEBORAH STEPHANIE REBECCA SHARON LAURA
CYNTHIA DOROTHY AMY KATHLEEN ANGELA SHIRLEY EMMA BRENDA PAMELA NICOLE ANNA SAMANTHA KATHERINE CHRISTINE DEBRA
RACHEL CAROLYN JANET MARIA OLIVIA HEATHER HELEN EVELYN ROSA MEI LINH INGRID""".split()
_SUFFIXES = (("JR.", 12), ("SR.", 5), ("III", 2), ("II", 1))
_ETHNICITIES = (("WHITE", 620), ("HISPANIC OR LATINO", 109), ("", 78), ("ASIAN", 74),
                ("BLACK OR AFRICAN AMERICAN", 47), ("TWO OR MORE RACES", 43),
                ("AMERICAN INDIAN OR ALASKA NATIVE", 23), ("NATIVE HAWAIIAN OR PACIFIC ISLANDER", 8))

# (city, state, area code, zips, weight, home book)
_CITIES: tuple[tuple[str, str, str, tuple[str, ...], int, str], ...] = (
    ("SEATTLE", "WA", "206", ("98101", "98103", "98105", "98107", "98112", "98115", "98117", "98118", "98122",
                              "98125", "98126", "98133", "98144", "98199"), 230, "WIRE SEATTLE"),
    ("KENT", "WA", "253", ("98030", "98031", "98032", "98042"), 60, "WIRE SEATTLE"),
    ("RENTON", "WA", "425", ("98055", "98056", "98057", "98058", "98059"), 54, "WIRE SEATTLE"),
    ("EVERETT", "WA", "425", ("98201", "98203", "98204", "98208"), 52, "WIRE SEATTLE"),
    ("TACOMA", "WA", "253", ("98402", "98403", "98404", "98405", "98406", "98407", "98408", "98409"), 52,
     "WIRE SEATTLE"),
    ("LYNNWOOD", "WA", "425", ("98036", "98037", "98087"), 38, "WIRE SEATTLE"),
    ("BELLEVUE", "WA", "425", ("98004", "98005", "98006", "98007", "98008"), 38, "WIRE SEATTLE"),
    ("AUBURN", "WA", "253", ("98001", "98002", "98092"), 37, "WIRE SEATTLE"),
    ("FEDERAL WAY", "WA", "253", ("98003", "98023"), 34, "WIRE SEATTLE"),
    ("BURIEN", "WA", "206", ("98146", "98148", "98166"), 33, "WIRE SEATTLE"),
    ("SHORELINE", "WA", "206", ("98133", "98155", "98177"), 32, "WIRE SEATTLE"),
    ("PUYALLUP", "WA", "253", ("98371", "98372", "98373", "98374", "98375"), 30, "WIRE SEATTLE"),
    ("MARYSVILLE", "WA", "360", ("98270", "98271"), 24, "WIRE SEATTLE"),
    ("OLYMPIA", "WA", "360", ("98501", "98502", "98506", "98512", "98513"), 24, "WIRE SEATTLE"),
    ("KIRKLAND", "WA", "425", ("98033", "98034"), 23, "WIRE SEATTLE"),
    ("TUKWILA", "WA", "206", ("98168", "98188"), 17, "WIRE SEATTLE"),
    ("REDMOND", "WA", "425", ("98052", "98053"), 17, "WIRE SEATTLE"),
    ("SPOKANE", "WA", "509", ("99201", "99203", "99205", "99208", "99223"), 12, "WIRE SEATTLE"),
    ("GIG HARBOR", "WA", "253", ("98332", "98335"), 8, "WIRE SEATTLE"),
    ("SHELTON", "WA", "360", ("98584",), 9, "WIRE SEATTLE"),
    ("BREMERTON", "WA", "360", ("98310", "98311", "98312", "98337"), 34, "WIRE BREMERTON"),
    ("PORT ORCHARD", "WA", "360", ("98366", "98367"), 22, "WIRE BREMERTON"),
    ("SILVERDALE", "WA", "360", ("98383",), 15, "WIRE BREMERTON"),
    ("POULSBO", "WA", "360", ("98370",), 9, "WIRE BREMERTON"),
    ("PORT ANGELES", "WA", "360", ("98362", "98363"), 20, "WIRE PT ANGELES"),
    ("SEQUIM", "WA", "360", ("98382",), 9, "WIRE PT ANGELES"),
    ("PORT TOWNSEND", "WA", "360", ("98368",), 6, "WIRE PT ANGELES"),
    ("PORTLAND", "OR", "503", ("97202", "97211", "97219", "97230"), 3, "WIRE SEATTLE"),
    ("BOISE", "ID", "208", ("83702", "83704", "83709"), 2, "WIRE SEATTLE"),
)
_CITY_BY_NAME = {c[0]: c for c in _CITIES}
# home locals of travelers: local number -> (city, state, area code, zips)
_TRAVELER_HOMES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "0048": ("PORTLAND", "OR", "503", ("97202", "97211", "97219", "97230")),
    "0291": ("BOISE", "ID", "208", ("83702", "83704", "83709")),
    "0357": ("LAS VEGAS", "NV", "702", ("89101", "89117", "89123")),
    "0340": ("SACRAMENTO", "CA", "916", ("95814", "95820", "95826")),
    "1547": ("ANCHORAGE", "AK", "907", ("99501", "99504", "99507")),
    "0354": ("SALT LAKE CITY", "UT", "801", ("84101", "84106", "84115")),
    "0073": ("SPOKANE", "WA", "509", ("99201", "99205", "99223")),
    "0112": ("KENNEWICK", "WA", "509", ("99336", "99337")),
    "0076": ("TACOMA", "WA", "253", ("98404", "98408")),
    "0191": ("EVERETT", "WA", "425", ("98201", "98204")),
    "0077": ("SEATTLE", "WA", "206", ("98108", "98134")),
    "0659": ("MEDFORD", "OR", "541", ("97501", "97504")),
}
_STREETS = """DOGWOOD ORCHARD CEDAR ALDER MAPLE BIRCH SPRUCE LARCH HEMLOCK MADRONA VALLEY HARBOR LAKE HILLSIDE MARKET
PACIFIC OLYMPIC MAIN FRONT RIVER MILL SUNSET HIGHLAND MERIDIAN CASCADE FOREST MEADOW RIDGE CANYON SHORE""".split()
_STREET_TYPES = ("ST", "AVE", "WAY", "PL", "CT", "DR", "RD", "LN", "BLVD")

_EMPLOYER_WORDS = """ALPINE APEX ATLAS BAYSIDE BEACON BOULDER CASCADE CEDAR CENTENNIAL CITADEL COASTAL COLUMBIA
CORNERSTONE CRESCENT CROWN DELTA DIAMOND EAGLE EASTSIDE EMERALD EVERGREEN FALCON FRONTIER GATEWAY GLACIER GRANITE
HARBOR HIGHLINE HORIZON IRONWOOD KEYSTONE LAKESIDE LIBERTY MAGNOLIA MERIDIAN MONARCH NORTHSTAR NORTHWEST OLYMPIC
ORCA PACIFIC PINNACLE PIONEER PREMIER PUGET RAINIER REDWOOD RELIANCE RIVERSIDE SALISH SENTINEL SHORELINE SIERRA
SKYLINE SOUNDVIEW SUMMIT SUNSET TALON TIMBERLINE TITAN TRIDENT VALLEY VANGUARD VANTAGE VERTEX WESTWIND WILLOW
ANCHOR ARROW AURORA BLUEWATER BRIDGEPORT CAPITOL CHINOOK COBALT COPPER DISCOVERY ELKHORN FIRWOOD FOUNDRY GOLDEN
HALCYON INLAND JUNCTION KODIAK LANDMARK LIGHTHOUSE MARINER MILLENNIUM MOSAIC NEPTUNE NORTHGATE OAKRIDGE PANORAMA
PATRIOT QUANTUM RAVEN SEASIDE STERLING TRILLIUM UPLAND WAYPOINT ZENITH""".split()
_INITIALS = ("A & A", "A & L", "A & S", "J & R", "B & K", "D & M", "R & H", "AJA", "ALC", "RKS", "JRS", "BKL", "MJB",
             "TLC", "DWS", "KMR", "C & C", "S & W", "E & T", "P & L")
_TRADE_NAMES: dict[str, tuple[str, ...]] = {
    "contractor": ("ELECTRIC", "ELECTRIC", "ELECTRICAL", "ELECTRIC WORKS", "ELECTRICAL CONSTRUCTION",
                   "ELECTRICAL CONTRACTORS", "POWER & LIGHT", "POWER SYSTEMS", "ENERGY SERVICES",
                   "INDUSTRIAL ELECTRIC", "ELECTRIC & CONTROLS", "ELECTRICAL SERVICES"),
    "comm": ("COMMUNICATIONS", "SOUND & SIGNAL", "LOW VOLTAGE", "TELECOM", "FIRE & SECURITY", "AUDIO VISUAL",
             "NETWORK SYSTEMS"),
    "show": ("SHOW SERVICES", "EXPOSITION SERVICES", "EXHIBIT SERVICES", "EVENT SERVICES", "DISPLAY & EXHIBIT"),
    "residential": ("RESIDENTIAL ELECTRIC", "HOME ELECTRIC", "HOME ELECTRICAL SERVICES", "HOUSE WIRING"),
    "lighting": ("LIGHTING", "SIGN & LIGHTING", "LIGHTING MAINTENANCE"),
    "marine": ("MARINE ELECTRIC", "MARINE ELECTRICAL", "SHIPYARD ELECTRIC"),
}
_ENTITIES = (("", 35), ("INC", 35), ("LLC", 20), ("CO", 5), ("CORP", 5))
_PLACES = """SEATTLE BALLARD SODO NORTHGATE INTERBAY FREMONT GEORGETOWN BELLEVUE EVERETT TACOMA RENTON KENT AUBURN
LYNNWOOD BURIEN SEATAC REDMOND ISSAQUAH BREMERTON SILVERDALE PORT ANGELES""".split()
_PLACES += ["SOUTH LAKE UNION", "KENT VALLEY", "FEDERAL WAY", "PORT TOWNSEND", "PORT ORCHARD"]
_BUILDINGS = ("MIXED USE", "HOSPITAL EXPANSION", "TREATMENT PLANT", "FIRE STATION", "LAB BUILDING", "DATA CENTER",
              "HIGH SCHOOL", "ELEMENTARY", "APARTMENTS", "OFFICE TOWER", "PARKING GARAGE", "HOTEL", "CAMPUS",
              "MEDICAL CENTER", "DISTRIBUTION CENTER", "LIGHT RAIL STATION", "SUBSTATION", "FERRY TERMINAL",
              "COMMUNITY CENTER", "CLINIC")
_VENUES = ("CONVENTION CENTER ARCH", "CONVENTION CENTER SUMMIT", "EXHIBITION HALL", "HOTEL BALLROOM",
           "FAIRGROUNDS PAVILION", "CRUISE TERMINAL", "ARENA CONCOURSE", "EVENT CENTER NORTH")
_EXEMPT = (("MEDICAL", 31), ("UNION BUSINESS", 11), ("MILITARY", 11), ("SALTING", 11), ("TRAVELING", 5),
           ("UNDER SCALE", 3), ("JURY DUTY", 2))
_COUNTER_STAFF = ("JM", "KJ", "LS", "RT", "DW")

# hourly rates (cents) in force from June 1, 2020; raises each June 1 (basis points)
_RATE_BASE = {"JRY WIRE": 5025, "RESIDENTIAL": 3890, "TECHNICIAN": 4235, "SOUND": 4020, "TRADESHOW": 3515,
              "STOCKPERSON": 2940, "UTILITY WORKER": 3125}
_RAISES_BP = (0, 350, 400, 375, 425, 450)
# monthly basic dues (cents) per card type and calendar year
_BASIC_DUES = {"A": (5900, 6100, 6300, 6500), "BA": (4800, 4950, 5100, 5250), "CW": (4100, 4250, 4400, 4550),
               "CE": (4400, 4550, 4700, 4850), "APP": (3000, 3100, 3200, 3300)}  # 2024, 2025, 2026, 2027


# -- calendar helpers (dates are ordinals inside the generator) -------------------------------------------------

_CAL_FIRST = date(1940, 1, 1).toordinal()
_CAL_LAST = date(2028, 12, 31).toordinal()


class _Calendar:
    """Business days (Monday to Friday) as ordinals, with O(1) counting and stepping."""

    def __init__(self) -> None:
        n = _CAL_LAST - _CAL_FIRST + 1
        self.prefix = [0] * (n + 1)  # prefix[i]: business days before _CAL_FIRST + i
        self.days: list[int] = []
        for i in range(n):
            o = _CAL_FIRST + i
            is_bd = (o - 1) % 7 < 5  # date.fromordinal(1) is a Monday
            self.prefix[i + 1] = self.prefix[i] + is_bd
            if is_bd:
                self.days.append(o)

    def count(self, a: int, b: int) -> int:
        """Business days in [a, b]."""
        return self.prefix[b + 1 - _CAL_FIRST] - self.prefix[a - _CAL_FIRST] if b >= a else 0

    def on_or_after(self, o: int) -> int:
        return self.days[self.prefix[o - _CAL_FIRST]]

    def on_or_before(self, o: int) -> int:
        return self.days[self.prefix[o + 1 - _CAL_FIRST] - 1]

    def add(self, o: int, n: int) -> int:
        """The n-th business day after the first business day on or after o (n >= 0; at most the calendar's
        last day, years after any date the generator writes)."""
        return self.days[min(self.prefix[o - _CAL_FIRST] + n, len(self.days) - 1)]


@lru_cache(maxsize=1)
def _calendar() -> _Calendar:
    return _Calendar()


@cache
def _us(o: int) -> str:
    d = date.fromordinal(o)
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def _month(o: int) -> int:
    d = date.fromordinal(o)
    return d.year * 12 + d.month - 1


@cache
def _month_first(mi: int) -> int:
    return date(mi // 12, mi % 12 + 1, 1).toordinal()


def _month_last(mi: int) -> int:
    return _month_first(mi + 1) - 1


def _mm_yyyy(mi: int) -> str:
    return f"{mi % 12 + 1:02d}/{mi // 12}"


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _hours(halves: int) -> str:
    return f"{halves // 2}.{'50' if halves % 2 else '00'}"


def _apn(reg: int, tb: int) -> str:
    return f"{reg - EXCEL_EPOCH.toordinal()}.{tb:02d}"


def _ord(d: date) -> int:
    return d.toordinal()


@cache
def _rate(job_class: str, mi: int) -> int:
    """Hourly rate (cents) in force in month mi: the rate year starts June 1."""
    year, month = mi // 12, mi % 12 + 1
    index = min(max((year if month >= 6 else year - 1) - 2020, 0), len(_RAISES_BP) - 1)
    cents = _RATE_BASE[job_class]
    for bp in _RAISES_BP[1:index + 1]:
        cents = (cents * (10000 + bp) + 5000) // 10000
    return cents


def _basic_rate(card_type: str, mi: int) -> int:
    rates = _BASIC_DUES[card_type]
    return rates[min(max(mi // 12 - 2024, 0), len(rates) - 1)]


def _quota(weights: dict[str, float], total: int) -> dict[str, int]:
    """Split `total` in proportion to `weights` (largest remainder; ties in key order)."""
    whole = sum(weights.values())
    if total <= 0 or whole <= 0:
        return {k: 0 for k in weights}
    raw = {k: total * w / whole for k, w in weights.items()}
    out = {k: int(math.floor(v)) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), list(raw).index(k)))[:rest]:
        out[k] += 1
    return out


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


# -- the model --------------------------------------------------------------------------------------------------

@dataclass(eq=False)
class _Member:
    trade: str = "wire"  # wire, tech, tradeshow, stock, utility, apprentice
    card: str = ""
    last: str = ""
    suffix: str = ""
    first: str = ""
    middle: str = ""
    dob: int = 0
    card_type: str = "A"
    classification: str = "JOURNEYMAN WIREMAN"
    status: str = "active"
    initiation: int = 0
    local: str = "0046"
    email: str = ""
    phone: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    gender: str = ""
    ethnicity: str = ""
    home_book: str = "WIRE SEATTLE"
    stop: int = 0  # left, retired, died or was suspended on this day (0: still a member in good standing)
    reg: int = 0  # registration date (0: on no book)
    tb: int = 0  # APN tie-breaker
    regs: list[tuple[str, int]] = field(default_factory=list)  # (book, tier)
    works: bool = False
    pays: bool = False
    basic_thru: int = -1  # month index, -1 blank
    working_thru: int = -1

    @property
    def traveler(self) -> bool:
        return self.local != "0046"


@dataclass(eq=False)
class _Employer:
    code: str
    name: str  # canonical: upper case, no '.' or ',', single spaces
    contracts: tuple[str, ...]
    kind: str
    address: str = ""
    city: str = ""
    state: str = "WA"
    zip: str = ""
    phone: str = ""
    comma_form: str = ""  # the spelling with a comma the export uses everywhere (quirk), or ""
    weight: float = 1.0
    veca: bool = False
    check_no: int = 0
    projects: list[str] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class _Job:
    member: _Member
    employer: _Employer
    worksite: str
    book: str
    job_class: str
    start: int
    end: int  # 0: still working
    reason: str
    short: bool
    by_name: bool
    pct: int = 100  # apprentice share of the journeyman rate
    request: str = ""


@dataclass(eq=False, slots=True)
class _Work:
    """One employment row: a job in one calendar month."""

    job: _Job
    start: int
    end: int
    halves: int  # hours x 2
    rate: int  # cents
    gross: int  # cents


@dataclass(eq=False, slots=True)
class _Dues:
    card: str
    day: int
    period: int
    code: str
    kind: str
    months: int
    basic: int
    working: int
    receipt: str  # receipt key, resolved to a number after sorting ("" none)
    check: str
    batch: str
    employer: _Employer | None = None


@dataclass
class Manifest:
    """What `generate` wrote: the folder and the parsed MANIFEST.json."""

    folder: Path
    data: dict[str, Any]

    def rows(self, name: str) -> int:
        return int(self.data["files"][name]["rows"])


# -- registrations ----------------------------------------------------------------------------------------------

def _registered_members(rng: random.Random) -> list[_Member]:
    """The 1,7xx members on the 8 books (same at every scale): 4,033 registrations, tiers as a real local's."""
    WS, WB, WPA = WIRE_BOOKS
    out: list[_Member] = []

    def add(n: int, rows: Sequence[tuple[str, int]], trade: str, traveler: bool = False) -> list[_Member]:
        group = [_Member(trade=trade, regs=list(rows), local="TRAVELER" if traveler else "0046") for _ in range(n)]
        out.extend(group)
        return group

    all_three = add(932, [(WS, 1), (WB, 1), (WPA, 1)], "wire")
    ws_only = add(117, [(WS, 1)], "wire")
    add(6, [(WB, 1)], "wire")
    add(10, [(WPA, 1)], "wire")
    add(3, [(WS, 1), (WB, 1)], "wire")
    add(2, [(WS, 1), (WPA, 1)], "wire")
    add(1, [(WB, 1), (WPA, 1)], "wire")
    add(80, [(WS, 2), (WB, 2), (WPA, 2)], "wire")
    add(8, [(WS, 2)], "wire")
    add(35, [(WB, 2)], "wire")
    add(23, [(WPA, 2)], "wire")
    add(40, [(WS, 3), (WB, 3), (WPA, 3)], "wire", traveler=True)
    add(4, [(WS, 3)], "wire", traveler=True)
    add(18, [(WB, 3)], "wire", traveler=True)
    add(12, [(WPA, 3)], "wire", traveler=True)
    # 88 Seattle journeymen also sign the TECHNICIAN book
    for i, m in enumerate(rng.sample(all_three, 66) + rng.sample(ws_only[1:], 22)):
        m.regs.append(("TECHNICIAN", 1 if i < 60 else 2 if i < 68 else 3))
    # one member on four books with one APN (45880.41), and by coincidence a Seattle journeyman with the same APN
    special = add(1, [("TRADESHOW", 1), ("TECHNICIAN", 1), ("UTILITY WORKER", 1), ("TERO APPR WIRE", 1)],
                  "utility")[0]
    special.reg, special.tb = _ord(date(2025, 8, 11)), 41
    ws_only[0].reg, ws_only[0].tb = special.reg, special.tb
    techs = add(51, [("TECHNICIAN", 1)], "tech") + add(9, [("TECHNICIAN", 2)], "tech")
    techs += add(51, [("TECHNICIAN", 3)], "tech") + add(60, [("TECHNICIAN", 3)], "tech", traveler=True)
    for i, m in enumerate(rng.sample([t for t in techs if not t.traveler], 94)):
        m.regs.append(("TRADESHOW", 1 if i < 90 else 2))
    add(207, [("TRADESHOW", 1)], "tradeshow")
    add(12, [("TRADESHOW", 2)], "tradeshow")
    add(1, [("TRADESHOW", 3)], "tradeshow")
    add(5, [("STOCKMAN", 1)], "stock")
    add(6, [("STOCKMAN", 2)], "stock")
    add(43, [("STOCKMAN", 3)], "stock")
    add(1, [("TERO APPR WIRE", 1)], "apprentice")

    cal = _calendar()
    last = _ord(HISTORY_END)
    oldest = {"wire": date(2016, 3, 25), "tech": date(2012, 2, 27), "tradeshow": date(2009, 1, 28),
              "stock": date(2017, 4, 18), "utility": date(2020, 1, 6), "apprentice": date(2025, 7, 25)}
    for m in out:
        if not m.reg:
            if m.trade == "apprentice":
                m.reg = _ord(date(2025, 7, 25))
            elif m.traveler or rng.random() < 0.84:
                m.reg = cal.on_or_before(last - min(729, int(rng.expovariate(1 / (90 if m.traveler else 150)))))
            else:
                m.reg = cal.on_or_before(rng.randint(_ord(oldest[m.trade]), last - 730))
            m.tb = rng.randint(34, 65) if rng.random() < 0.9 else rng.randint(1, 99)
        # card type and trade classification as the books require
        tier = m.regs[0][1]
        if m.trade == "wire":
            if m.traveler:
                m.card_type, m.classification = "A", "JOURNEYMAN WIREMAN"
            elif tier == 1:
                m.card_type = _weighted(rng, (("A", 80), ("BA", 13), ("CE", 7)))
                m.classification = "CONSTRUCTION ELECTRICIAN" if m.card_type == "CE" else "JOURNEYMAN WIREMAN"
            else:
                m.card_type = _weighted(rng, (("CW", 65), ("CE", 35)))
                m.classification = ("CONSTRUCTION ELECTRICIAN" if m.card_type == "CE" else
                                    _weighted(rng, (("CONSTRUCTION WIREMAN", 3), ("RESIDENTIAL WIREMAN", 1))))
        elif m.trade == "tech":
            m.card_type = "A" if m.traveler else _weighted(rng, (("A", 45), ("BA", 55)))
            m.classification = _weighted(rng, (("JOURNEYMAN TECHNICIAN", 7), ("SOUND TECHNICIAN", 3)))
        elif m.trade == "tradeshow":
            m.card_type, m.classification = _weighted(rng, (("BA", 65), ("A", 35))), "TRADESHOW"
        elif m.trade == "stock":
            m.card_type, m.classification = _weighted(rng, (("BA", 92), ("A", 8))), "STOCKPERSON"
        elif m.trade == "utility":
            m.card_type, m.classification = "BA", "UTILITY WORKER"
        else:
            m.card_type, m.classification = "APP", "APPRENTICE WIREMAN"
    return out


# -- members ----------------------------------------------------------------------------------------------------

_CLASSIFICATIONS: dict[str, tuple[tuple[str, int], ...]] = {
    "A": (("JOURNEYMAN WIREMAN", 83), ("TRADESHOW", 6), ("JOURNEYMAN TECHNICIAN", 5), ("RESIDENTIAL WIREMAN", 2),
          ("SOUND TECHNICIAN", 2), ("STOCKPERSON", 1)),
    "BA": (("JOURNEYMAN WIREMAN", 32), ("TRADESHOW", 22), ("JOURNEYMAN TECHNICIAN", 18), ("STOCKPERSON", 13),
           ("LT FXT MAINT", 5), ("SOUND TECHNICIAN", 5), ("UTILITY WORKER", 4)),
    "APP": (("APPRENTICE WIREMAN", 85), ("APPRENTICE TECHNICIAN", 15)),
    "CW": (("CONSTRUCTION WIREMAN", 76), ("RESIDENTIAL WIREMAN", 24)),
    "CE": (("CONSTRUCTION ELECTRICIAN", 1),),
}
_TRADE_OF = {"JOURNEYMAN WIREMAN": "wire", "CONSTRUCTION WIREMAN": "wire", "RESIDENTIAL WIREMAN": "wire",
             "CONSTRUCTION ELECTRICIAN": "wire", "JOURNEYMAN TECHNICIAN": "tech", "SOUND TECHNICIAN": "tech",
             "APPRENTICE TECHNICIAN": "apprentice", "APPRENTICE WIREMAN": "apprentice", "TRADESHOW": "tradeshow",
             "STOCKPERSON": "stock", "LT FXT MAINT": "utility", "UTILITY WORKER": "utility"}


def _surname_weights() -> dict[str, float]:
    weights: dict[str, float] = {}
    for names, w in ((_SURNAMES_3, 3.0), (_SURNAMES_2, 2.0), (_SURNAMES_1, 1.0)):
        for n in names:
            weights[n.replace("_", " ")] = w
    weights["WEBB"] = WEBB_SHARE / (1 - WEBB_SHARE) * sum(weights.values())
    return weights


def _members(rng: random.Random, registered: list[_Member], n_total: int) -> list[_Member]:
    cal = _calendar()
    export = _ord(EXPORT_DATE)
    n_free = n_total - len(registered)
    # card types and statuses of the members on no book: the scale-1 remainder, scaled
    reg_cards = Counter(m.card_type for m in registered)
    card_quota = _quota({k: max(0, v - reg_cards[k]) for k, v in CARD_TYPES.items()}, n_free)
    status_quota = _quota({k: (max(0, v - len(registered)) if k == "active" else v) for k, v in STATUSES.items()},
                          n_free)
    free = [_Member(card_type=ct) for ct, n in card_quota.items() for _ in range(n)]
    rng.shuffle(free)
    for m in free:
        m.classification = _weighted(rng, _CLASSIFICATIONS[m.card_type])
        m.trade = _TRADE_OF[m.classification]
    # retired members are never apprentices
    order = [m for m in free if m.card_type != "APP"] + [m for m in free if m.card_type == "APP"]
    statuses = [s for s in ("retired", "deceased", "inactive", "suspended", "active") for _ in range(status_quota[s])]
    for m, s in zip(order, statuses, strict=True):
        m.status = s
    # travelers: most are on tier-3 rows; the others are active journeymen of other locals
    travelers_total = round(TRAVELERS_AT_SCALE_1 * n_total / MEMBERS_AT_SCALE_1)
    extra = max(0, travelers_total - sum(1 for m in registered if m.traveler))
    candidates = [m for m in free if m.status == "active" and m.card_type == "A"
                  and m.classification == "JOURNEYMAN WIREMAN"]
    for m in candidates[:extra]:
        m.local = "TRAVELER"
    members = registered + free
    locals_ = sorted(_TRAVELER_HOMES)
    for m in members:
        if m.local == "TRAVELER":
            m.local = rng.choice(locals_)

    # names: last names by quota (exact counts), first names by gender
    surnames = _surname_weights()
    last_quota = _quota(surnames, len(members))
    lasts = [n for n, k in last_quota.items() for _ in range(k)]
    rng.shuffle(lasts)
    for m, last in zip(members, lasts, strict=True):
        m.last = last
        m.gender = _weighted(rng, (("M", 873), ("F", 110), ("", 17)))
        firsts = _FEMALE if m.gender == "F" or (not m.gender and rng.random() < 0.3) else _MALE
        m.first = rng.choice(firsts)
        m.middle = "" if rng.random() < 0.08 else chr(65 + rng.randrange(26))
    seen: set[tuple[str, str, str]] = set()
    for m in members:  # no accidental namesakes (at large scales a common last name may run out of names)
        for _ in range(30):
            if (m.last, m.first, m.middle) not in seen:
                break
            m.first = rng.choice(_FEMALE if m.gender == "F" else _MALE)
            m.middle = chr(65 + rng.randrange(26))
        seen.add((m.last, m.first, m.middle))
    n_suffix = round(SUFFIX_SHARE * len(members))
    men = [m for m in members if m.gender == "M"]
    suffixed = rng.sample(men, n_suffix)
    for m in suffixed:
        m.suffix = _weighted(rng, _SUFFIXES)
    by_last: dict[str, list[_Member]] = defaultdict(list)
    for m in members:
        if not m.suffix:
            by_last[m.last].append(m)
    n_shared = max(1, round(SHARED_FULL_NAMES * len(members) / MEMBERS_AT_SCALE_1))
    pairs = [(group[i], group[i + 1]) for n in sorted(by_last) for group in [rng.sample(by_last[n], len(by_last[n]))]
             for i in range(0, len(group) - 1, 2)]
    namesakes = rng.sample(pairs, min(n_shared, len(pairs)))
    for a, b in namesakes:
        b.first, b.middle, b.gender = a.first, a.middle, a.gender

    # dates, status stop dates, contact details
    for m in members:
        age = {"retired": (60, 82), "deceased": (55, 90)}.get(m.status, (19, 34) if m.card_type == "APP" else (24, 66))
        m.dob = export - rng.randint(age[0] * 365, age[1] * 365)
        if m.reg:  # of age, and initiated, before registering
            m.dob = min(m.dob, m.reg - 19 * 365 - 120 - rng.randint(0, 3650))
        earliest = m.dob + 18 * 365 + 120
        if m.card_type == "APP":
            m.initiation = rng.randint(max(earliest, export - 5 * 365), export - 20)
        else:
            m.initiation = rng.randint(earliest, max(earliest, export - 200))
        if m.reg:
            m.initiation = rng.randint(min(earliest, m.reg - 60), m.reg - 60) if m.initiation > m.reg - 60 \
                else m.initiation
        m.initiation = cal.on_or_before(m.initiation)
        if m.status != "active":
            low = max(m.initiation + 30, _ord(date(2019, 1, 1)) if m.status != "suspended" else _ord(date(2022, 1, 1)))
            m.stop = rng.randint(min(low, export - 40), export - 40)
        ethnicity = _weighted(rng, _ETHNICITIES)
        m.ethnicity = ethnicity
        if m.traveler:
            city, state, area, zips = _TRAVELER_HOMES[m.local]
            m.home_book = "WIRE SEATTLE"
        else:
            books = {b for b, _ in m.regs if b in WIRE_BOOKS}
            wanted = (None if not books or len(books) == 3 else
                      "WIRE SEATTLE" if "WIRE SEATTLE" in books else sorted(books)[0])
            cities = [c for c in _CITIES if wanted is None or c[5] == wanted]
            c = rng.choices(cities, weights=[c[4] for c in cities])[0]
            city, state, area, zips, m.home_book = c[0], c[1], c[2], c[3], c[5]
        m.city, m.state = city, state
        m.zip = rng.choice(zips) + (f"-{rng.randint(1000, 9999)}" if rng.random() < 0.15 else "")
        street = (f"{rng.randint(100, 39999)} {rng.choice(('', 'NE ', 'SE ', 'SW ', 'NW ', 'N ', 'S '))}"
                  f"{_numbered(rng) if rng.random() < 0.45 else rng.choice(_STREETS)} {rng.choice(_STREET_TYPES)}")
        if rng.random() < 0.12:
            street += f" APT {rng.randint(1, 40)}{rng.choice('ABCD')}"
        m.address = street
        digits = f"{area}555{rng.randint(0, 9999):04d}"
        style = rng.random()
        m.phone = ("" if style < 0.025 else f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if style < 0.72 else
                   f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if style < 0.87 else digits)
        if rng.random() >= BLANK_EMAIL_SHARE:
            m.email = _email(rng, m)
    for a, b in namesakes:  # the birth date tells namesakes apart
        if a.dob == b.dob:
            b.dob -= 1
    # card numbers: 7 digits, unique, about 10 % with a leading zero
    used: set[str] = set()
    for m in members:
        while True:
            card = f"{rng.randrange(1000, 10_000_000):07d}"
            if card not in used:
                break
        used.add(card)
        m.card = card
    members.sort(key=lambda m: m.card)
    return members


def _numbered(rng: random.Random) -> str:
    n = rng.randint(1, 320)
    suffix = "TH" if 10 <= n % 100 <= 20 else {1: "ST", 2: "ND", 3: "RD"}.get(n % 10, "TH")
    return f"{n}{suffix}"


def _email(rng: random.Random, m: _Member) -> str:
    first = "".join(c for c in m.first.lower() if c.isalpha())
    last = "".join(c for c in m.last.lower() if c.isalpha())
    n = str(rng.randint(1, 99)) if rng.random() < 0.7 else ""
    local = rng.choice((f"{first}.{last}{n}", f"{first[0]}{last}{n}", f"{last}{first[0]}{n}", f"{first}{last}{n}"))
    address = f"{local}@{rng.choice(('example.com', 'example.net', 'example.org'))}"
    return address.upper() if rng.random() < 0.01 else address


# -- employers --------------------------------------------------------------------------------------------------

def _kind_of(contracts: tuple[str, ...]) -> str:
    s = set(contracts)
    if s == {_RES}:
        return "residential"
    if s <= {_SC, _SP} and _SP in s:
        return "show"
    if s == {_SC}:
        return "comm"
    if s == {_LFM}:
        return "lighting"
    if _GM in s and len(s) <= 3:
        return "marine"
    return "contractor"


def _employers(rng: random.Random) -> list[_Employer]:
    sets = [c for n, c in CONTRACT_SETS for _ in range(n)]
    rng.shuffle(sets)
    surnames = [n for n in _surname_weights() if " " not in n and "'" not in n and "-" not in n]
    names: set[str] = set()
    bases: set[str] = set()  # names without INC/LLC/CO/CORP: no two employers differ only by that
    codes: set[str] = set()
    out: list[_Employer] = []
    # two employers every data set has (the market-recovery signatory; a name the browser tests search)
    anchors = {(_WP, _SC, _RES, _SP, _LFM, _MR): "ELECTRIC HOME SERVICE",
               (_WP, _SC, _RES, _SP, _GM): "BOULDER ELECTRIC"}
    names.update(anchors.values())
    bases.update(anchors.values())
    for contracts in sets:
        kind = _kind_of(contracts)
        name = anchors.pop(contracts, "")
        while not name:
            if kind == "contractor" and rng.random() < 0.45:
                style = rng.random()
                head = (f"{rng.choice(surnames)} & {rng.choice(surnames)}" if style < 0.25 else
                        rng.choice(_INITIALS) if style < 0.45 else rng.choice(surnames))
            else:
                head = rng.choice(_EMPLOYER_WORDS)
            entity = _weighted(rng, _ENTITIES)
            name = " ".join(p for p in (head, rng.choice(_TRADE_NAMES[kind]), entity) if p)
            if name in names or _base_name(name) in bases:
                name = ""
        names.add(name)
        bases.add(_base_name(name))
        while True:
            code = f"{rng.randint(10000, 99999)}"
            if code not in codes:
                break
        codes.add(code)
        e = _Employer(code=code, name=name, contracts=tuple(c for c in CONTRACTS if c in contracts), kind=kind)
        c = rng.choices(_CITIES[:27], weights=[c[4] for c in _CITIES[:27]])[0]
        e.city, e.state = c[0], c[1]
        e.zip = rng.choice(c[3]) + (f"-{rng.randint(1000, 9999)}" if rng.random() < 0.2 else "")
        e.address = _business_address(rng)
        e.phone = f"({c[2]}) 555-{rng.randint(0, 9999):04d}"
        e.weight = rng.paretovariate(1.3)
        e.veca = rng.random() < 0.2
        e.check_no = rng.randint(10000, 89999)
        e.projects = [f"{rng.choice(_PLACES)} {rng.choice(_BUILDINGS)}" for _ in range(rng.randint(2, 6))]
        words = name.split()
        if words[-1] in ("INC", "LLC", "CORP", "CO") and rng.random() < 0.05:
            e.comma_form = " ".join(words[:-1]) + ", " + words[-1] + ("." if words[-1] != "LLC" else "")
        out.append(e)
    return out


def _base_name(name: str) -> str:
    words = name.split()
    return " ".join(words[:-1]) if len(words) > 1 and words[-1] in ("INC", "LLC", "CO", "CORP") else name


def _business_address(rng: random.Random) -> str:
    street = (f"{rng.randint(100, 39999)} {rng.choice(('', 'NE ', 'SE ', 'SW ', 'NW ', 'W ', 'E '))}"
              f"{_numbered(rng) if rng.random() < 0.5 else rng.choice(_STREETS)} {rng.choice(_STREET_TYPES)}")
    return street + (f" STE {rng.randint(100, 999)}" if rng.random() < 0.3 else "")


def _variant(rng: random.Random, name: str, avoid: Iterable[str]) -> str:
    """Another spelling of a canonical name that normalizes back to it (case, '.', ',', spaces)."""
    words = name.split()
    options = []
    titled = " ".join(w if len(w) <= 3 and w.isupper() and w not in ("INC", "LLC", "CO") else w.title() for w in words)
    options.append(titled)
    if words[-1] in ("INC", "LLC", "CORP", "CO"):
        options.append(" ".join(words[:-1]) + ", " + words[-1] + ".")
        options.append(" ".join(titled.split()[:-1]) + ", " + titled.split()[-1] + ".")
        options.append(name + ".")
    options.append(name.replace(" ", "  ", 1))
    taken = set(avoid) | {name}
    choices = [o for o in options if o not in taken]
    return rng.choice(choices)


# -- history: dispatches and employment -------------------------------------------------------------------------

_JOB_POOLS = {"JRY WIRE": _WP, "APPR WIRE": _WP, "RESIDENTIAL": _RES, "TECHNICIAN": _SC, "SOUND": _SC,
              "STOCKPERSON": _SP, "UTILITY WORKER": _LFM}
# (short-call share, median long-call length, mean gap between jobs; in business days). Most members work
# through the hall only part of the time: about a fifth of the business days of the five years.
_TRADE_PACE = {"wire": (0.08, 34, 120), "tech": (0.12, 30, 100), "tradeshow": (0.5, 25, 95),
               "stock": (0.1, 35, 100), "utility": (0.1, 40, 160), "apprentice": (0.02, 60, 60)}


class _History:
    def __init__(self, rng: random.Random, employers: list[_Employer]) -> None:
        self.rng = rng
        self.cal = _calendar()
        self.pools: dict[str, tuple[list[_Employer], list[float]]] = {}
        for job_class, contract in _JOB_POOLS.items():
            pool = [e for e in employers if contract in e.contracts]
            self.pools[job_class] = (pool, _cumulative([e.weight for e in pool]))
        shows = [e for e in employers if e.kind == "show"]
        self.pools["TRADESHOW"] = (shows, _cumulative([e.weight for e in shows]))
        self.shows = self._show_calendar(shows)
        self.show_starts = [s[0] for s in self.shows]

    def _pick(self, job_class: str) -> _Employer:
        pool, cum = self.pools[job_class]
        return self.rng.choices(pool, cum_weights=cum)[0]

    def _show_calendar(self, shows: list[_Employer]) -> list[tuple[int, int, _Employer, str]]:
        rng, cal = self.rng, self.cal
        cum = _cumulative([e.weight for e in shows])
        out = []
        week = cal.on_or_after(_ord(HISTORY_START) - 7)
        while week <= _ord(HISTORY_END):
            for _ in range(rng.randint(2, 5)):
                start = cal.add(week, rng.randint(0, 4))
                end = cal.add(start, rng.randint(0, 4))
                out.append((start, end, rng.choices(shows, cum_weights=cum)[0], rng.choice(_VENUES)))
            week = cal.add(week, 5)
        out.sort(key=lambda s: (s[0], s[1], s[2].code, s[3]))
        return out

    def jobs_of(self, m: _Member, still_working: bool) -> list[_Job]:
        rng, cal = self.rng, self.cal
        short_share, long_median, gap_mean = _TRADE_PACE[m.trade]
        limit = _ord(HISTORY_END) if not m.stop else min(_ord(HISTORY_END), m.stop)
        t = cal.add(max(_ord(HISTORY_START), m.initiation + 1), int(rng.expovariate(1 / gap_mean)))
        jobs: list[_Job] = []
        employers_before: list[_Employer] = []
        while t <= limit:
            after_reg = bool(m.reg) and t >= m.reg
            if after_reg:  # registered: only short calls now, and fewer of them
                t = cal.add(t, int(rng.expovariate(1 / 350)))
                if t > limit:
                    break
            short = after_reg or rng.random() < short_share
            book, job_class = self._book_and_class(m)
            worksite = ""
            repeat = False
            if short and m.trade == "tradeshow":
                i = bisect_left(self.show_starts, t) + rng.randint(0, 6)
                if i >= len(self.shows) or self.shows[i][0] > limit:
                    break
                start, end, employer, worksite = self.shows[i]
                if rng.random() < 0.2:
                    end = cal.add(start, rng.randint(0, cal.count(start, end) - 1))
            else:
                start = t if short or rng.random() < 0.5 else cal.on_or_after(t + (7 - (t - 1) % 7) % 7)  # Mondays
                if start > limit:
                    break
                repeat = bool(employers_before) and rng.random() < 0.25
                employer = rng.choice(employers_before) if repeat else self._pick(job_class)
                if job_class != "TRADESHOW" and _JOB_POOLS[job_class] not in employer.contracts:
                    employer, repeat = self._pick(job_class), False
                days = rng.randint(1, 9) if short else \
                    min(750, max(2, int(rng.lognormvariate(math.log(long_median), 0.9))))
                end = cal.add(start, days - 1)
            if end > limit:
                end = limit
            if m.reg and not after_reg and not short and end >= m.reg:
                end = cal.on_or_before(m.reg - rng.randint(1, 8))
                if end < start:  # no room for a long call before the registration
                    t = m.reg
                    continue
            open_job = still_working and not short and end >= limit
            if short:
                reason = "SHORT CALL END" if rng.random() < 0.97 else rng.choice(("QUIT", "LAID OFF"))
            elif open_job:
                reason = ""
            else:
                reason = _weighted(rng, (("RIF", 400), ("LAID OFF", 250), ("QUIT", 170), ("CONTRACT END", 110),
                                         ("FIRED", 55), ("", 12)))
            if not worksite:
                worksite = self._worksite(employer, job_class)
            by_name = not short and (repeat and rng.random() < 0.3 or rng.random() < 0.015)
            jobs.append(_Job(member=m, employer=employer, worksite=worksite, book=book, job_class=job_class,
                             start=start, end=0 if open_job else end, reason=reason, short=short,
                             by_name=by_name, pct=_apprentice_pct(m, start)))
            employers_before.append(employer)
            if open_job:
                return jobs
            t = cal.add(end, 1 + int(rng.expovariate(1 / gap_mean)))
        if still_working:  # back at work at the end of the history
            begin = cal.add(jobs[-1].end, 1) if jobs else cal.add(max(_ord(HISTORY_START), m.initiation + 1), 0)
            if begin <= limit:
                start = rng.randint(begin, max(begin, limit - 5)) if rng.random() < 0.5 else \
                    cal.on_or_before(max(begin, limit - int(rng.expovariate(1 / 60))))
                start = cal.on_or_after(max(start, begin))
                if start <= limit:
                    book, job_class = self._book_and_class(m)
                    employer = self._pick(job_class)
                    jobs.append(_Job(member=m, employer=employer, worksite=self._worksite(employer, job_class),
                                     book=book, job_class=job_class, start=start, end=0, reason="", short=False,
                                     by_name=rng.random() < 0.04, pct=_apprentice_pct(m, start)))
        return jobs

    def _book_and_class(self, m: _Member) -> tuple[str, str]:
        rng = self.rng
        if m.trade == "wire":
            book = m.home_book if rng.random() < 0.7 else rng.choice(WIRE_BOOKS)
            residential = 0.6 if m.classification in ("CONSTRUCTION WIREMAN", "RESIDENTIAL WIREMAN") else 0.07
            return book, "RESIDENTIAL" if rng.random() < residential else "JRY WIRE"
        if m.trade == "tech":
            sound = 0.7 if m.classification == "SOUND TECHNICIAN" else 0.2
            return "TECHNICIAN", "SOUND" if rng.random() < sound else "TECHNICIAN"
        if m.trade == "tradeshow":
            return "TRADESHOW", "TRADESHOW"
        if m.trade == "stock":
            return "STOCKMAN", "STOCKPERSON"
        if m.trade == "utility":
            return "UTILITY WORKER", "UTILITY WORKER"
        return "TERO APPR WIRE", "APPR WIRE"

    def _worksite(self, employer: _Employer, job_class: str) -> str:
        r = self.rng.random()
        if job_class == "TRADESHOW":
            return "WAREHOUSE" if r < 0.4 else self.rng.choice(_VENUES)
        if job_class == "STOCKPERSON":
            return "WAREHOUSE" if r < 0.5 else "SHOP"
        return "SHOP" if r < 0.25 else "MAIN OFFICE" if r < 0.37 else self.rng.choice(employer.projects[:2])


def _apprentice_pct(m: _Member, day: int) -> int:
    if m.card_type != "APP":
        return 100
    return min(85, 45 + 10 * max(0, (day - m.initiation) // 365))


def _cumulative(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _job_rate(job: _Job, mi: int) -> int:
    if job.job_class == "APPR WIRE":
        return (_rate("JRY WIRE", mi) * job.pct + 50) // 100
    return _rate(job.job_class, mi)


def _work_rows(rng: random.Random, jobs: list[_Job]) -> list[_Work]:
    cal = _calendar()
    cutoff = _ord(WORK_CUTOFF)
    out: list[_Work] = []
    for job in jobs:
        last = job.end or cutoff
        mi = _month(job.start)
        while _month_first(mi) <= last:
            s, e = max(job.start, _month_first(mi)), min(last, _month_last(mi))
            days = cal.count(s, e)
            if days:
                halves = 16 * days
                r = rng.random()
                if r < 0.12 and days > 1:
                    halves -= 16 * rng.randint(1, min(3, days - 1))
                elif r < 0.32:
                    halves += rng.randint(1, 4 * days)
                overtime = max(0, halves - 16 * days)
                rate = _job_rate(job, mi)
                gross = (2 * rate * halves + rate * overtime + 2) // 4
                out.append(_Work(job=job, start=s, end=e, halves=halves, rate=rate, gross=gross))
            mi += 1
    return out


def _request_numbers(rng: random.Random, jobs: list[_Job]) -> None:
    """A request (REQyyyymmdd-NNNN, the day the employer called) per employer, site, book and call type and day."""
    cal = _calendar()
    groups: dict[tuple[int, str, str, str, str, bool], list[_Job]] = {}
    for j in sorted(jobs, key=lambda j: (j.start, j.employer.code, j.worksite, j.book, j.job_class, j.short,
                                         j.member.card)):
        groups.setdefault((j.start, j.employer.code, j.worksite, j.book, j.job_class, j.short), []).append(j)
    counters: Counter[int] = Counter()
    for key, members in groups.items():
        day = key[0]
        called = day if rng.random() < 0.12 else cal.on_or_before(day - 1)
        counters[called] += 1
        d = date.fromordinal(called)
        number = f"REQ{d.year}{d.month:02d}{d.day:02d}-{counters[called]:04d}"
        for j in members:
            j.request = number


# -- dues -------------------------------------------------------------------------------------------------------

def _ledger(rng: random.Random, members: list[_Member], work: list[_Work], scale: float) -> list[_Dues]:
    cal = _calendar()
    first, last = _ord(LEDGER_START), _ord(HISTORY_END)
    rows: list[_Dues] = []
    receipts = 0

    def receipt() -> str:
        nonlocal receipts
        receipts += 1
        return f"r{receipts}"

    # basic dues payments
    for m in members:
        if not m.pays:
            continue
        new = m.initiation >= first
        pt = _month(m.initiation) - 1 if new else _month(first) + rng.randint(-3, 3)
        months = _weighted(rng, (("1", 4), ("3", 33), ("6", 32), ("12", 31)))
        k = int(months)
        prev = 0
        code = "N" if new else "X"
        while True:
            due = _month_first(pt + 1)
            day = m.initiation if code == "N" else due + rng.randint(-25, 12)
            day = cal.on_or_after(max(day, first, prev + 1, m.initiation))
            if day > last or (m.stop and m.status != "retired" and day > m.stop):
                break
            amount = sum(_basic_rate(m.card_type, mi) for mi in range(pt + 1, pt + 1 + k))
            channel = _weighted(rng, (("WEB", 55), ("COUNTER", 27), ("MAIL", 18)))
            staff = rng.choice(_COUNTER_STAFF)

            def batch(d: int, channel: str = channel, staff: str = staff) -> str:
                return f"IBEW46 -{staff if channel == 'COUNTER' else channel} {_us(d)}"

            check = "" if channel == "WEB" or (channel == "COUNTER" and rng.random() < 0.65) else \
                str(rng.randint(1001, 9999))
            key = receipt()
            rows.append(_Dues(m.card, day, pt + 1, code, "PAYMENT", k, amount, 0, key, check, batch(day)))
            prev = day
            if rng.random() < 0.008:  # voided (bounced check, wrong member); usually paid again
                void_day = cal.add(day, rng.randint(0, 3))
                if void_day > last:
                    break
                rows.append(_Dues(m.card, void_day, pt + 1, "V", "PAYMENT", -k, -amount, 0, key, check,
                                  batch(void_day)))
                again = cal.add(void_day, rng.randint(0, 6))
                if again > last:
                    break
                rows.append(_Dues(m.card, again, pt + 1, code, "PAYMENT", k, amount, 0, receipt(),
                                  str(rng.randint(1001, 9999)) if channel != "WEB" else "", batch(again)))
                prev = again
            pt += k
            code = "X"

    # dues check-off: one row per employment month whose remittance (about the 15th) falls in the ledger
    remittances: dict[tuple[str, int], tuple[int, str, str]] = {}
    for w in work:
        mi = _month(w.start)
        employer = w.job.employer
        key2 = (employer.code, mi)
        if key2 not in remittances:
            day = cal.on_or_after(_month_first(mi + 1) + 14 + (int(employer.code) % 7) - 2)
            employer.check_no += 1
            remittances[key2] = (day, receipt(), str(employer.check_no))
        day, key, check = remittances[key2]
        if not first <= day <= last:
            continue
        amount = (w.gross * 425 + 5000) // 10000
        rows.append(_Dues(w.job.member.card, day, mi, "D", "DCO", 0, 0, amount, key, check,
                          f"{'VECA' if employer.veca else 'IBEW46'} -DCO {_us(day)}", employer))

    # adjustments, refunds and write-offs: members with a ledger, after initiation and before leaving
    payers = [m for m in members if m.pays]
    lapsed = [m for m in payers if m.status in ("suspended", "inactive")] or payers

    def some_day(m: _Member) -> int:
        end = min(last, m.stop) if m.stop and m.status != "retired" else last
        return cal.on_or_before(rng.randint(max(first, m.initiation), max(first, m.initiation, end)))

    for _ in range(round(162 * scale)) if payers else ():
        m = rng.choice(payers)
        day = some_day(m)
        cents = rng.randint(1, 120) * 50 * (1 if rng.random() < 0.7 else -1)
        basic, working = (cents, 0) if rng.random() < 0.5 else (0, cents)
        rows.append(_Dues(m.card, day, _month(day), "A", "ADJUSTMENT", 0, basic, working, "", "",
                          f"IBEW46 -ADJ {_us(day)}"))
    union_check = 22000 + rng.randint(0, 500)
    for _ in range(round(21 * scale)) if payers else ():
        m = rng.choice(payers)
        day = some_day(m)
        union_check += rng.randint(1, 200)
        amount = -_basic_rate(m.card_type, _month(day)) * rng.randint(1, 2)
        rows.append(_Dues(m.card, day, _month(day), "A", "REFUND", 0, amount, 0, receipt(), str(union_check),
                          f"IBEW46 -REF {_us(day)}"))
    for _ in range(round(48 * scale)) if lapsed else ():
        m = rng.choice(lapsed)
        day = some_day(m)
        amount = -(_basic_rate(m.card_type, _month(day)) * rng.randint(1, 6) // 2 // 50 * 50)
        rows.append(_Dues(m.card, day, _month(day), "A", "WRITE-OFF", 0, amount, 0, "", "",
                          f"IBEW46 -ADJ {_us(day)}"))
    rows.sort(key=lambda r: (r.day, r.batch))
    numbers: dict[str, str] = {}
    for r in rows:
        if r.receipt:
            r.receipt = numbers.setdefault(r.receipt, str(2400001 + len(numbers)))
    return rows


def _paid_thru(rng: random.Random, members: list[_Member], work: list[_Work], dues: list[_Dues]) -> None:
    """Paid-thru months that reconcile with the ledger (docs/demo-data.md)."""
    voided = {r.receipt for r in dues if r.code == "V"}
    basic: dict[str, int] = {}
    working: dict[str, int] = {}
    for r in dues:
        if r.kind == "PAYMENT" and r.code != "V" and r.receipt not in voided:
            basic[r.card] = max(basic.get(r.card, -1), r.period + r.months - 1)
        elif r.kind == "DCO":
            working[r.card] = max(working.get(r.card, -1), r.period)
    ledger_month = _month(_ord(LEDGER_START))
    worked_before: dict[str, int] = {}
    for w in work:
        mi = _month(w.start)
        if mi < ledger_month - 1:
            card = w.job.member.card
            worked_before[card] = max(worked_before.get(card, -1), mi)
    for m in members:
        if m.card in basic:
            m.basic_thru = basic[m.card]
        elif not m.traveler:
            low = max(_month(m.initiation), 2015 * 12)
            m.basic_thru = rng.randint(min(low, ledger_month - 2), ledger_month - 2)
        if m.card in working:
            m.working_thru = working[m.card]
        elif m.card in worked_before:
            m.working_thru = worked_before[m.card]
        elif m.card_type != "APP" and m.initiation < _ord(HISTORY_START) and rng.random() < 0.6:
            m.working_thru = rng.randint(max(_month(m.initiation), 2012 * 12), _month(_ord(HISTORY_START)) - 1)


# -- writing ----------------------------------------------------------------------------------------------------

class _Quirks:
    def __init__(self, mode: str, seed: int) -> None:
        self.on = mode == "typical"
        self.seed = seed
        self.rng = random.Random(f"{seed}/quirks")
        self.rows: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def note(self, file: str, quirk: str, row: int, column: str, **extra: str) -> None:
        self.rows.setdefault(file, {}).setdefault(quirk, []).append({"row": row, "column": column, **extra})

    def trail(self, file: str, row: int, values: list[str], columns: Sequence[str], candidates: Sequence[str],
              p: float) -> None:
        """Maybe one trailing-space cell in this row (in place)."""
        if not self.on or self.rng.random() >= p:
            return
        options = [c for c in candidates if values[columns.index(c)]]
        if not options:
            return
        column = self.rng.choice(options)
        i = columns.index(column)
        values[i] += " " * self.rng.choice((1, 1, 2))
        self.note(file, "trailing_space", row, column)

    def employer_name(self, file: str, row: int, e: _Employer, p: float) -> str:
        if self.on and self.rng.random() < p:
            value = _variant(self.rng, e.name, [e.comma_form] if e.comma_form else [])
            self.note(file, "employer_name_variant", row, "Employer_name", value=value, canonical=e.name,
                      employer_code=e.code)
            return value
        return e.name

    def apn(self, file: str, row: int, value: str) -> str:
        if self.on and value.endswith("0") and self.rng.random() < 0.015:
            self.note(file, "apn_one_decimal", row, "Applicant_priority_number", value=value[:-1], exact=value)
            return value[:-1]
        return value

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for quirk in ("apn_one_decimal", "comma_in_name", "employer_name_variant", "trailing_space"):
            counts = {f: len(q[quirk]) for f, q in self.rows.items() if quirk in q}
            out[quirk] = {**counts, "total": sum(counts.values())}
        return out


def _last_name(m: _Member, quirks: _Quirks) -> str:
    if not m.suffix:
        return m.last
    return f"{m.last}, {m.suffix}" if quirks.on else f"{m.last} {m.suffix.rstrip('.')}"


def _render(members: list[_Member], employers: list[_Employer], jobs: list[_Job], work: list[_Work],
            dues: list[_Dues], quirks: _Quirks) -> tuple[dict[str, list[list[str]]], list[dict[str, Any]]]:
    cal = _calendar()
    tables: dict[str, list[list[str]]] = {}
    rng = quirks.rng  # quirks only: the data is the same with --quirks none
    data = random.Random(f"{quirks.seed}/render")  # data decided while writing (re-sign dates, check marks)

    cols = COLUMNS["members.csv"]
    rows = []
    for i, m in enumerate(members, 1):
        last = _last_name(m, quirks)
        if m.suffix and quirks.on:
            quirks.note("members.csv", "comma_in_name", i, "last_name", value=last)
        values = [m.card, last, m.first, m.middle, _us(m.dob), m.card_type, m.classification, m.status,
                  _us(m.initiation), m.local, m.email, m.phone, m.address, m.city, m.state, m.zip, m.gender,
                  m.ethnicity, _mm_yyyy(m.basic_thru) if m.basic_thru >= 0 else "",
                  _mm_yyyy(m.working_thru) if m.working_thru >= 0 else ""]
        quirks.trail("members.csv", i, values, cols, ("last_name", "first_name", "address1", "city"), 0.0165)
        rows.append(values)
    tables["members.csv"] = rows

    # registrations: by book (print order), tier, APN, card number
    regs = sorted(((BOOKS.index(b), tier, Decimal(_apn(m.reg, m.tb)), m.card, m, b) for m in members
                   for b, tier in m.regs), key=lambda r: r[:4])
    export = _ord(EXPORT_DATE)
    reglist: list[list[str]] = []
    per_book: dict[str, list[list[str]]] = {b: [] for b in BOOKS}
    cols = COLUMNS["reglist.csv"]
    book_cols = COLUMNS[registration_file(BOOKS[0])]
    for i, (_, tier, _, _, m, book) in enumerate(regs, 1):
        name = f"{_last_name(m, quirks)}, {m.first}" + (f" {m.middle}" if m.middle else "")
        if m.suffix and quirks.on:
            quirks.note("reglist.csv", "comma_in_name", i, "Member_name", value=name)
        resign = cal.on_or_before(data.randint(max(m.reg, export - 30), export - 1))
        marks = _weighted(data, (("0", 826), ("1", 124), ("2", 50)))
        exempt = _weighted(data, _EXEMPT) if data.random() < 0.018 else ""
        apn = _apn(m.reg, m.tb)
        values = [m.card, name, book, str(tier), quirks.apn("reglist.csv", i, apn), _us(m.reg), _us(resign), marks,
                  exempt]
        quirks.trail("reglist.csv", i, values, cols, ("Member_name",), 0.015)
        reglist.append(values)
        file = registration_file(book)
        j = len(per_book[book]) + 1
        plain = [str(tier), book, quirks.apn(file, j, apn)]
        quirks.trail(file, j, plain, book_cols, ("Book_name",), 0.004)
        per_book[book].append(plain)
    tables["reglist.csv"] = reglist
    for b in BOOKS:
        tables[registration_file(b)] = per_book[b]

    # employers by contract, duplicates right after the row they repeat
    plan = _duplicate_plan(data, employers)  # duplicate rows are data: the same with --quirks none
    second_contract_variants = {e.code for e in data.sample([e for e in employers if len(e.contracts) > 1], 6)}
    cols = COLUMNS["employers_by_contract.csv"]
    rows = []
    dup_index: list[dict[str, Any]] = []
    for contract in CONTRACTS:
        holders = sorted((e for e in employers if contract in e.contracts), key=lambda e: e.name)
        for e in holders:
            written = e.comma_form if (e.comma_form and quirks.on) else e.name
            if quirks.on and e.code in second_contract_variants and contract == e.contracts[1]:
                written = _variant(rng, e.name, [e.comma_form])
                quirks.note("employers_by_contract.csv", "employer_name_variant", len(rows) + 1, "Employer_name",
                            value=written, canonical=e.name, employer_code=e.code)
            original = [contract, written, e.code, e.address, e.city, e.state, e.zip, e.phone]
            rows.append(original)
            original_row = len(rows)
            for kind in plan.get((e.code, contract), []):
                copy_ = list(original)
                if kind == "address":
                    copy_[3] = _business_address(data)
                elif kind == "phone":
                    copy_[7] = f"{e.phone[:6]}555-{data.randint(0, 9999):04d}"
                elif kind == "name_variant" and quirks.on:
                    copy_[1] = _variant(rng, e.name, [e.comma_form, written])
                    quirks.note("employers_by_contract.csv", "employer_name_variant", len(rows) + 1,
                                "Employer_name", value=copy_[1], canonical=e.name, employer_code=e.code)
                if copy_ == original:
                    kind = "exact"
                rows.append(copy_)
                dup_index.append({"row": len(rows), "duplicate_of_row": original_row, "contract_code": contract,
                                  "employer_code": e.code, "kind": kind})
    for i, values in enumerate(rows, 1):
        if quirks.on and "," in values[1]:
            quirks.note("employers_by_contract.csv", "comma_in_name", i, "Employer_name", value=values[1])
        quirks.trail("employers_by_contract.csv", i, values, cols, ("Employer_name", "Address"), 0.04)
    tables["employers_by_contract.csv"] = rows

    cols = COLUMNS["dispatch_history.csv"]
    rows = []
    ordered = sorted(jobs, key=lambda j: (j.start, j.request, j.member.card))
    for i, job in enumerate(ordered, 1):
        values = [job.request, _us(job.start), job.member.card,
                  quirks.employer_name("dispatch_history.csv", i, job.employer, 0.0045), job.worksite, job.book,
                  job.job_class, _money(_job_rate(job, _month(job.start))), _us(job.end) if job.end else "",
                  job.reason, "Y" if job.short else "N", "Y" if job.by_name else "N"]
        quirks.trail("dispatch_history.csv", i, values, cols, ("Employer_name", "Worksite"), 0.0095)
        rows.append(values)
    tables["dispatch_history.csv"] = rows

    cols = COLUMNS["employment_history.csv"]
    rows = []
    for i, w in enumerate(sorted(work, key=lambda w: (w.start, w.job.member.card)), 1):
        values = [w.job.member.card, quirks.employer_name("employment_history.csv", i, w.job.employer, 0.003),
                  _us(w.start), _us(w.end), _hours(w.halves), _money(w.gross), _money(w.rate)]
        quirks.trail("employment_history.csv", i, values, cols, ("Employer_name",), 0.0043)
        rows.append(values)
    tables["employment_history.csv"] = rows

    cols = COLUMNS["dues_transactions.csv"]
    rows = []
    for i, r in enumerate(dues, 1):
        employer = quirks.employer_name("dues_transactions.csv", i, r.employer, 0.003) if r.employer else ""
        values = [r.card, _us(r.day), _mm_yyyy(r.period), r.code, r.kind, str(r.months), _money(r.basic),
                  _money(r.working), r.receipt, r.check, r.batch, employer]
        quirks.trail("dues_transactions.csv", i, values, cols, ("Employer_name",), 0.0057)
        rows.append(values)
    tables["dues_transactions.csv"] = rows
    return tables, dup_index


def _duplicate_plan(rng: random.Random, employers: list[_Employer]) -> dict[tuple[str, str], list[str]]:
    kinds = [k for k, n in DUPLICATE_KINDS.items() for _ in range(n)]
    rng.shuffle(kinds)
    plan: dict[tuple[str, str], list[str]] = {}
    for contract, n in DUPLICATES_PER_CONTRACT.items():
        holders = [e for e in employers if contract in e.contracts]
        if contract == _WP:  # one employer is listed four times under WIREPERSON
            chosen = rng.sample(holders, n - 2)
            plan[(chosen[0].code, contract)] = [kinds.pop(), kinds.pop()]
        else:
            chosen = rng.sample(holders, n)
        for e in chosen:
            plan.setdefault((e.code, contract), []).append(kinds.pop())
    return plan


def _write_csv(path: Path, columns: Sequence[str], rows: list[list[str]], newline: str) -> tuple[int, str]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(columns)
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    path.write_bytes(data)
    return len(data), hashlib.sha256(data).hexdigest()


# -- aggregates (from the written rows, as an importer would compute them) --------------------------------------

def _dec(text: str) -> Decimal:
    return Decimal(text.strip() or "0")


def _mdy(text: str) -> date:
    m, d, y = text.strip().split("/")
    return date(int(y), int(m), int(d))


def _norm(name: str) -> str:
    return " ".join(name.upper().replace(".", "").replace(",", "").split())


def aggregates(tables: dict[str, list[list[str]]]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per-file aggregates and cross-file checks of a set of export rows (values are trimmed first)."""
    t = {name: [[v.strip() for v in row] if any(v.endswith(" ") for v in row) else row for row in rows]
         for name, rows in tables.items()}
    files: dict[str, dict[str, Any]] = {}

    members = t["members.csv"]
    full_names = Counter((r[1], r[2], r[3]) for r in members)
    files["members.csv"] = {
        "by_card_type": dict(sorted(Counter(r[5] for r in members).items())),
        "by_status": dict(sorted(Counter(r[7] for r in members).items())),
        "by_local_number": dict(sorted(Counter(r[9] for r in members).items())),
        "blank_email": sum(1 for r in members if not r[10]),
        "blank_phone": sum(1 for r in members if not r[11]),
        "card_numbers_with_leading_zero": sum(1 for r in members if r[0].startswith("0")),
        "names_with_suffix": sum(1 for r in members if r[1].replace(",", "").split()[-1] in
                                 ("JR", "JR.", "SR", "SR.", "II", "III")),
        "blank_basic_paid_thru": sum(1 for r in members if not r[18]),
        "blank_working_paid_thru": sum(1 for r in members if not r[19]),
        "full_names_shared_by_several_members": sum(1 for n in full_names.values() if n > 1),
        "zip_plus_4": sum(1 for r in members if "-" in r[15]),
    }

    reg = t["reglist.csv"]
    per_book_tier: dict[str, dict[str, int]] = {b: {} for b in BOOKS}
    for r in reg:
        per_book_tier[r[2]][r[3]] = per_book_tier[r[2]].get(r[3], 0) + 1
    books_of: dict[str, set[str]] = defaultdict(set)
    for r in reg:
        books_of[r[0]].add(r[2])
    wire_t1: dict[str, set[str]] = defaultdict(set)
    for r in reg:
        if r[2] in WIRE_BOOKS and r[3] == "1":
            wire_t1[r[0]].add(r[2])
    apn_cards: dict[Decimal, set[str]] = defaultdict(set)
    apn_books: dict[Decimal, set[str]] = defaultdict(set)
    dup: dict[str, dict[str, int]] = {}
    by_book_tier_apn: Counter[tuple[str, str, Decimal]] = Counter()
    for r in reg:
        apn = Decimal(r[4])
        apn_cards[apn].add(r[0])
        apn_books[apn].add(r[2])
        by_book_tier_apn[(r[2], r[3], apn)] += 1
    for b in BOOKS:
        for tier in sorted(per_book_tier[b]):
            counts = [n for (bb, tt, _), n in by_book_tier_apn.items() if bb == b and tt == tier and n > 1]
            dup[f"{b}|{tier}"] = {"duplicated_apn_values": len(counts), "rows_with_duplicated_apn": sum(counts)}
    oldest: dict[str, str] = {}
    for r in reg:
        d = _mdy(r[5])
        if r[2] not in oldest or d < _mdy(oldest[r[2]]):
            oldest[r[2]] = r[5]
    files["reglist.csv"] = {
        "rows_per_book_and_tier": {b: dict(sorted(v.items())) for b, v in per_book_tier.items()},
        "rows_per_book": {b: sum(v.values()) for b, v in per_book_tier.items()},
        "distinct_members": len(books_of),
        "wire_tier1_distinct_members": len(wire_t1),
        "wire_tier1_members_on_all_three_wire_books": sum(1 for v in wire_t1.values() if len(v) == 3),
        "wire_tier1_members_on_one_wire_book_only": {b: sum(1 for v in wire_t1.values() if v == {b})
                                                     for b in WIRE_BOOKS},
        "members_on_wire_seattle_and_technician": sum(1 for v in books_of.values()
                                                      if {"WIRE SEATTLE", "TECHNICIAN"} <= v),
        "members_on_technician_and_tradeshow": sum(1 for v in books_of.values() if {"TECHNICIAN", "TRADESHOW"} <= v),
        "apn_values_shared_by_technician_and_tradeshow": sum(1 for v in apn_books.values()
                                                             if {"TECHNICIAN", "TRADESHOW"} <= v),
        "members_per_number_of_books": dict(sorted(Counter(str(len(v)) for v in books_of.values()).items())),
        "members_on_4_or_more_books": sorted(c for c, v in books_of.items() if len(v) >= 4),
        "duplicated_apns_per_book_and_tier": dup,
        "apn_values_held_by_more_than_one_member": sum(1 for v in apn_cards.values() if len(v) > 1),
        "check_marks": dict(sorted(Counter(r[7] for r in reg).items())),
        "exempt_reasons": dict(sorted(Counter(r[8] for r in reg if r[8]).items())),
        "oldest_registration_per_book": oldest,
        "registrations_within_2_years_pct": round(100 * sum(
            1 for r in reg if (EXPORT_DATE - _mdy(r[5])).days <= 730) / max(1, len(reg)), 1),
    }
    for b in BOOKS:
        rows = t[registration_file(b)]
        identical = Counter((r[0], r[1], _dec(r[2])) for r in rows)
        files[registration_file(b)] = {
            "rows_per_tier": dict(sorted(Counter(r[0] for r in rows).items())),
            "rows_identical_to_another_row": sum(n for n in identical.values() if n > 1),
        }

    emp = t["employers_by_contract.csv"]
    seen_pairs: set[tuple[str, str]] = set()
    per_contract: dict[str, dict[str, int]] = {c: {"rows": 0, "unique_employers": 0, "duplicate_rows": 0}
                                               for c in CONTRACTS}
    contracts_of: dict[str, set[str]] = defaultdict(set)
    names_of: dict[str, set[str]] = defaultdict(set)
    for r in emp:
        pc = per_contract[r[0]]
        pc["rows"] += 1
        if (r[2], r[0]) in seen_pairs:
            pc["duplicate_rows"] += 1
        else:
            pc["unique_employers"] += 1
            seen_pairs.add((r[2], r[0]))
        contracts_of[r[2]].add(r[0])
        names_of[_norm(r[1])].add(r[2])
    files["employers_by_contract.csv"] = {
        "distinct_employer_codes": len(contracts_of),
        "distinct_employer_contract_pairs": len(seen_pairs),
        "duplicate_rows": len(emp) - len(seen_pairs),
        "per_contract": per_contract,
        "employers_by_number_of_contracts": dict(sorted(Counter(str(len(v)) for v in contracts_of.values()).items())),
        "residential_employers_also_wireperson": sum(1 for v in contracts_of.values() if {_RES, _WP} <= v),
        "residential_only_employers": sum(1 for v in contracts_of.values() if v == {_RES}),
        "distinct_employer_names_exact": len({r[1] for r in emp}),
        "distinct_employer_names_normalized": len(names_of),
        "normalized_names_shared_by_two_codes": sum(1 for v in names_of.values() if len(v) > 1),
    }

    disp = t["dispatch_history.csv"]
    registered_on = {r[0]: _mdy(r[5]) for r in reg}
    files["dispatch_history.csv"] = {
        "rows_per_book": {b: sum(1 for r in disp if r[5] == b) for b in BOOKS},
        "rows_per_term_reason": dict(sorted(Counter(r[9] or "(blank)" for r in disp).items())),
        "still_working_rows": sum(1 for r in disp if not r[8]),
        "short_call_rows": sum(1 for r in disp if r[10] == "Y"),
        "by_name_rows": sum(1 for r in disp if r[11] == "Y"),
        "rows_per_year": dict(sorted(Counter(r[1][-4:] for r in disp).items())),
        "distinct_request_numbers": len({r[0] for r in disp}),
        "distinct_card_numbers": len({r[2] for r in disp}),
        "distinct_employers": len({_norm(r[3]) for r in disp}),
        "sum_start_rate": str(sum((_dec(r[7]) for r in disp), Decimal("0.00"))),
        "first_dispatch_date": min((r[1] for r in disp), key=_mdy, default=""),
        "last_dispatch_date": max((r[1] for r in disp), key=_mdy, default=""),
        "dispatches_after_the_members_registration_date": sum(
            1 for r in disp if r[2] in registered_on and _mdy(r[1]) >= registered_on[r[2]]),
        "still_working_members_that_are_on_a_book": len({r[2] for r in disp if not r[8] and r[2] in registered_on}),
    }
    work = t["employment_history.csv"]
    files["employment_history.csv"] = {
        "sum_hours": str(sum((_dec(r[4]) for r in work), Decimal("0.00"))),
        "sum_gross": str(sum((_dec(r[5]) for r in work), Decimal("0.00"))),
        "distinct_card_numbers": len({r[0] for r in work}),
        "rows_by_start_year": dict(sorted(Counter(r[2][-4:] for r in work).items())),
    }
    dues = t["dues_transactions.csv"]
    by_type: dict[str, dict[str, Any]] = {}
    for kind in TRANS_TYPES:
        rows = [r for r in dues if r[4] == kind]
        basic = sum((_dec(r[6]) for r in rows), Decimal("0.00"))
        working = sum((_dec(r[7]) for r in rows), Decimal("0.00"))
        by_type[kind] = {"rows": len(rows), "sum_basic_months": sum(int(r[5]) for r in rows),
                         "sum_basic_amount": str(basic), "sum_working_amount": str(working),
                         "sum_total_amount": str(basic + working)}
    files["dues_transactions.csv"] = {
        "by_trans_type": by_type,
        "by_activity_code": dict(sorted(Counter(r[3] for r in dues).items())),
        "sum_basic_amount": str(sum((_dec(r[6]) for r in dues), Decimal("0.00"))),
        "sum_working_amount": str(sum((_dec(r[7]) for r in dues), Decimal("0.00"))),
        "distinct_card_numbers": len({r[0] for r in dues}),
        "distinct_receipt_numbers": len({r[8] for r in dues if r[8]}),
        "dco_remittances": len({r[8] for r in dues if r[4] == "DCO"}),
        "voided_payments": sum(1 for r in dues if r[3] == "V"),
    }

    # cross-file
    cards = {r[0] for r in members}
    employer_names = {_norm(r[1]) for r in emp}
    voided = {r[8] for r in dues if r[3] == "V"}

    def month(text: str) -> int:
        mm, yyyy = text.split("/")
        return int(yyyy) * 12 + int(mm) - 1

    last_paid: dict[str, int] = {}
    last_dco: dict[str, int] = {}
    for r in dues:
        if r[4] == "PAYMENT" and r[3] != "V" and r[8] not in voided:
            last_paid[r[0]] = max(last_paid.get(r[0], -1), month(r[2]) + int(r[5]) - 1)
        elif r[4] == "DCO":
            last_dco[r[0]] = max(last_dco.get(r[0], -1), month(r[2]))
    basic_thru = {r[0]: r[18] for r in members}
    working_thru = {r[0]: r[19] for r in members}
    cross = {
        "members_with_payments": len({r[0] for r in dues if r[4] == "PAYMENT"}),
        "members_whose_basic_paid_thru_equals_last_month_paid": sum(
            1 for c, m in last_paid.items() if basic_thru.get(c) and month(basic_thru[c]) == m),
        "members_with_dco_rows": len(last_dco),
        "members_whose_working_paid_thru_equals_last_dco_period": sum(
            1 for c, m in last_dco.items() if working_thru.get(c) and month(working_thru[c]) == m),
        "reglist_card_numbers_missing_from_members": len({r[0] for r in reg} - cards),
        "dispatch_card_numbers_missing_from_members": len({r[2] for r in disp} - cards),
        "employment_card_numbers_missing_from_members": len({r[0] for r in work} - cards),
        "dues_card_numbers_missing_from_members": len({r[0] for r in dues} - cards),
        "dispatch_employers_missing_from_employers_by_contract": len({_norm(r[3]) for r in disp} - employer_names),
        "employment_employers_missing_from_employers_by_contract": len({_norm(r[1]) for r in work} - employer_names),
        "registered_members_in_members_csv": len({r[0] for r in reg} & cards),
    }
    return files, cross


# -- the entry points -------------------------------------------------------------------------------------------

def member_count(scale: float, registered: int) -> int:
    """Members at a scale: 4,000 x scale, but never fewer than the registered members plus a few hundred."""
    return max(round(MEMBERS_AT_SCALE_1 * scale), registered + 250)


def generate(out: Path, scale: float = 1.0, seed: int = DEFAULT_SEED, quirks: str = "typical") -> Manifest:
    """Write the exports and MANIFEST.json into `out` (created if needed; other files there are left alone)."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    if quirks not in QUIRK_MODES:
        raise ValueError(f"quirks must be one of {QUIRK_MODES}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    registered = _registered_members(random.Random(f"{seed}/registrations"))
    n_members = member_count(scale, len(registered))
    activity = min(1.0, MEMBERS_AT_SCALE_1 * scale / n_members)  # dispatch and dues volume per member
    members = _members(random.Random(f"{seed}/members"), registered, n_members)
    employers = _employers(random.Random(f"{seed}/employers"))

    rng = random.Random(f"{seed}/history")
    history = _History(rng, employers)
    history_start = _ord(HISTORY_START)
    eligible = [m for m in members if (not m.stop or m.stop > history_start + 30)
                and (m.card_type != "APP" or rng.random() < 0.09)]
    rng.shuffle(eligible)
    workers = eligible[:min(len(eligible), round(DISPATCH_WORKERS_AT_SCALE_1 * scale))]
    worker_set = set(map(id, workers))
    jobs: list[_Job] = []
    for m in members:
        if id(m) in worker_set:
            m.works = True
            still = m.status == "active" and not m.reg and rng.random() < 0.44
            jobs += history.jobs_of(m, still)
    _request_numbers(rng, jobs)
    work = _work_rows(rng, jobs)

    rng = random.Random(f"{seed}/dues")
    ledger_start = _ord(LEDGER_START)
    payers = [m for m in members if not m.traveler
              and (not m.stop or m.status == "retired" or m.stop > ledger_start + 20)]
    rng.shuffle(payers)
    for m in payers[:round(len(payers) * activity)]:
        m.pays = True
    dues = _ledger(rng, members, work, scale)
    _paid_thru(rng, members, work, dues)

    q = _Quirks(quirks, seed)
    tables, dup_index = _render(members, employers, jobs, work, dues, q)
    newline = "\r\n" if q.on else "\n"
    file_aggs, cross = aggregates(tables)
    kinds = Counter(d["kind"] for d in dup_index)
    file_aggs["employers_by_contract.csv"]["duplicate_rows_by_kind"] = dict(sorted(kinds.items()))
    files: dict[str, Any] = {}
    for name in FILES:
        size, digest = _write_csv(out / name, COLUMNS[name], tables[name], newline)
        files[name] = {"rows": len(tables[name]), "bytes": size, "sha256": digest, "columns": list(COLUMNS[name]),
                       "aggregates": file_aggs[name]}
    data: dict[str, Any] = {
        "generator": {"module": "chalicelib.imports.demo_exports", "version": VERSION, "seed": seed, "scale": scale,
                      "quirks": quirks},
        "export_date": EXPORT_DATE.isoformat(),
        "conventions": {
            "encoding": "UTF-8 without BOM",
            "line_endings": "CRLF" if q.on else "LF",
            "row_numbers": "'row' counts data records from 1 (the header is not a row); a record never spans lines",
            "dates": "MM/DD/YYYY; periods and paid-thru months MM/YYYY",
            "money": "plain decimals with 2 places, no currency sign or thousands separator; negative amounts "
                     "have a leading '-'",
            "apn": "Applicant_priority_number: Excel serial date of registration + '.' + a 2-digit tie-breaker; "
                   "compare as exact decimals ('45880.4' means 45880.40)",
            "employer_identity": "Employer_code identifies an employer; names compare equal after upper-casing, "
                                 "deleting '.' and ',', and collapsing spaces",
            "duplicate_employer_rows": "a row whose (Employer_code, Contract_code) already appeared above",
            "registration_identity": "a registration is (Card_number, Book_name, Book_priority_number); identical "
                                     "rows in registration_<BOOK>.csv are different registrations sharing an APN",
            "text_values": "text fields may carry trailing spaces (quirk); trim them before comparing",
        },
        "files": files,
        "cross_file": cross,
        "quirks": {"summary": q.summary(), "rows": q.rows, "employer_duplicate_rows": dup_index},
    }
    (out / "MANIFEST.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return Manifest(out, data)


def ensure(folder: Path, scale: float = 1.0, seed: int = DEFAULT_SEED, quirks: str = "typical") -> Path:
    """The exports in `folder`, generated once: reused while MANIFEST.json says they are these arguments' files
    (same generator version) and every file has its recorded size; otherwise written afresh (atomically)."""
    folder = Path(folder)
    manifest = folder / "MANIFEST.json"
    if manifest.exists():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            gen = data["generator"]
            if (gen["version"], gen["seed"], float(gen["scale"]), gen["quirks"]) == (VERSION, seed, float(scale),
                                                                                      quirks) and all(
                    (folder / n).exists() and (folder / n).stat().st_size == f["bytes"]
                    for n, f in data["files"].items()):
                return folder
        except (ValueError, KeyError, TypeError, OSError):
            pass
    tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    generate(tmp, scale=scale, seed=seed, quirks=quirks)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.replace(folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.imports.demo_exports",
                                     description="Write demo LaborPower / Access exports (docs/demo-data.md).")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (created if needed)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies members, dispatch, employment and dues (books and employers stay)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--quirks", choices=QUIRK_MODES, default="typical",
                        help="typical: CRLF, trailing spaces, commas in names, one-decimal APNs, employer name "
                             "variants; none: LF and clean values")
    args = parser.parse_args(argv)
    if not args.scale > 0:
        parser.error("--scale must be positive")
    t0 = time.perf_counter()
    manifest = generate(args.out, scale=args.scale, seed=args.seed, quirks=args.quirks)
    for name, f in manifest.data["files"].items():
        print(f"{name:<36} {f['rows']:>9,} rows {f['bytes']:>12,} bytes")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f}s (seed {args.seed}, scale {args.scale}, "
          f"quirks {args.quirks})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
