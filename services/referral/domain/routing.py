"""Which agency (OPD) owns a household's need: one versioned routing table, first match wins.

The table is data (``data/routing_table.csv`` is Kutim's default; an admin loads new versions
without code). Each row is a :class:`Rule`; rows are tried in order and the first that matches the
need and the household takes it, so the order is the priority. The last row is the only ``*``
rule, the fallback: Dinsos assesses any need no other rule takes.

Why the default table reads as it does (``DOMAIN.md``, ``reference/opd.csv``):

- ``rumah`` → Perkim (RTLH rehabilitation); BAZNAS (Kutim Peduli RTLH) only when Perkim refuses.
- ``pendidikan`` → Disdikbud for children 7–15 (Beasiswa Kutim Tuntas SD/SMP, PIP), else Bagian
  Kesra for 16–24 (Kutim Tuntas SMA to university), else BAZNAS (Kutim Cerdas). One need goes to
  one agency: a family with children of both ages is referred for the compulsory-school child.
- ``kesehatan`` → Dinkes (PBI-JK APBD/JKN enrolment, by NIK); Dinsos's PBI daerah when refused.
- ``pangan`` → DKP's food reserve for ``sangat_miskin`` households (food first), else Dinsos
  UEP/KUBE. ``adminduk`` → Disdukcapil (documents, by NIK).
- ``ekonomi`` → Disnakertrans job training when a member is 18–40 (wage work first for young
  adults), else Diskop UKM (micro-enterprise), else Dinsos UEP/KUBE.
- ``pmks.*``: violence, trafficking and child protection → DPPPA (UPTD PPA) with Dinsos next;
  the other categories → Dinsos rehabilitasi sosial, some with a second agency (BAZNAS for the
  elderly, Disnakertrans for migrant workers, DPMDes for KAT). Disaster victims → Dinsos: the OPD
  list has no BPBD. ``fakir_miskin`` → the DTSEN/PBI proposal, by NIK.
- ``carries_nik`` is true only where the programme registers people by NIK (PBI-JK, Disdukcapil,
  DTSEN/PBI proposals): every other agency finds the household by its address.

Members: a rule with age bounds matches only if some member's known age is within them (bounds
inclusive). A member of unknown age is never counted in: guessing would send a child's referral
to the wrong school level, and the need still reaches an agency (a later rule or the fallback's
assessment). The persons a route concerns are the members within the ages and, for a PMKS rule or
need, having that category; none named means the whole household.

Rerouting: ``route(..., exclude_opd=...)`` skips rules of agencies that refused the need, so the
next matching agency takes it. The fallback is skipped only if its own agency refused; then there
is nobody left and ``route`` returns None (the referral is closed). The caller passes every agency
that refused this need in the case, or a referral could go back and forth between two agencies.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sipmas import reference
from sipmas.events import WELFARE_CLASSES

COLUMNS = (
    "rule_id",
    "need",
    "pmks",
    "welfare_classes",
    "min_age",
    "max_age",
    "opd_code",
    "programme",
    "carries_nik",
    "receive_days",
    "complete_days",
    "note",
)
ANY_NEED = "*"
PMKS_NEED_PREFIX = "pmks."
# The needs verification raises (``services.verification.domain.welfare.NEEDS``; a unit test
# keeps the two equal): a rule naming another need is a typo that would silently never match.
BASIC_NEEDS = ("rumah", "pendidikan", "kesehatan", "pangan", "adminduk", "ekonomi")
BOOLEANS = {"true": True, "false": False}
HEADER_ROW = 1


@dataclass(frozen=True)
class Member:
    index: int
    age: int | None
    sex: str | None
    relation: str | None
    pmks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HouseholdFacts:
    household_id: int
    welfare_class: str
    pmks: frozenset[str]
    members: tuple[Member, ...]

    def has_pmks(self, code: str) -> bool:
        """The verifier may record a category for the household or for one member."""
        return code in self.pmks or any(code in m.pmks for m in self.members)


@dataclass(frozen=True)
class Rule:
    rule_id: str
    need: str
    pmks: str | None
    welfare_classes: frozenset[str]
    min_age: int | None
    max_age: int | None
    opd_code: str
    programme: str
    carries_nik: bool
    receive_days: int
    complete_days: int
    note: str = ""

    @property
    def is_fallback(self) -> bool:
        return self.need == ANY_NEED

    @property
    def has_ages(self) -> bool:
        return self.min_age is not None or self.max_age is not None

    def within_ages(self, member: Member) -> bool:
        """Without bounds everyone is; with bounds only a member of known age inside them."""
        if not self.has_ages:
            return True
        if member.age is None:
            return False
        low = self.min_age if self.min_age is not None else member.age
        high = self.max_age if self.max_age is not None else member.age
        return low <= member.age <= high

    def matches(self, need: str, household: HouseholdFacts) -> bool:
        return (
            self.need in (ANY_NEED, need)
            and (self.pmks is None or household.has_pmks(self.pmks))
            and (not self.welfare_classes or household.welfare_class in self.welfare_classes)
            and (not self.has_ages or any(self.within_ages(m) for m in household.members))
        )


@dataclass(frozen=True)
class Route:
    rule_id: str
    opd_code: str
    programme: str
    carries_nik: bool
    receive_days: int
    complete_days: int
    persons: tuple[int, ...]  # member indexes; empty = the whole household


class TableError(ValueError):
    """A routing table refused whole; ``errors`` names every bad row and column."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        first = errors[0] if errors else {}
        super().__init__(
            f"{len(errors)} error(s) in the routing table, first: row {first.get('row')} "
            f"column {first.get('column')}: {first.get('message')} / tabel rujukan ditolak"
        )


def _error(row: int, column: str, message: str, message_id: str) -> dict:
    """A fault of a table: its row and column, said in English and in Bahasa Indonesia (the
    admin reads the latter)."""
    return {"row": row, "column": column, "message": message, "message_id": message_id}


@dataclass(frozen=True)
class RoutingTable:
    version: int
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        errors = table_errors(tuple(enumerate(self.rules, start=HEADER_ROW + 1)))
        if errors:
            raise TableError(errors)

    @property
    def fallback(self) -> Rule:
        return self.rules[-1]

    def rule(self, rule_id: str) -> Rule | None:
        """The rule a referral names (``Referral.rule_id``), to explain its routing."""
        return next((r for r in self.rules if r.rule_id == rule_id), None)


# --- routing ------------------------------------------------------------------------------------


def route(
    need: str,
    household: HouseholdFacts,
    table: RoutingTable,
    exclude_opd: frozenset[str] = frozenset(),
) -> Route | None:
    """The first rule that matches wins; the table's fallback catches the rest. None only when
    the fallback's own agency is excluded (it refused the need): nobody is left to refer to."""
    for rule in table.rules:
        if rule.opd_code not in exclude_opd and rule.matches(need, household):
            return _route_of(rule, need, household)
    return None


def _route_of(rule: Rule, need: str, household: HouseholdFacts) -> Route:
    return Route(
        rule_id=rule.rule_id,
        opd_code=rule.opd_code,
        programme=rule.programme,
        carries_nik=rule.carries_nik,
        receive_days=rule.receive_days,
        complete_days=rule.complete_days,
        persons=concerned_persons(rule, need, household),
    )


def pmks_of(rule: Rule, need: str) -> str | None:
    """The PMKS category a referral is about: the rule's, or the one a ``pmks.*`` need names."""
    if rule.pmks is not None:
        return rule.pmks
    return need.removeprefix(PMKS_NEED_PREFIX) if need.startswith(PMKS_NEED_PREFIX) else None


def concerned_persons(rule: Rule, need: str, household: HouseholdFacts) -> tuple[int, ...]:
    """Members within the rule's ages having its PMKS category; when the category was recorded
    for the household, not a member, those within the ages (none = the whole household)."""
    category = pmks_of(rule, need)
    in_ages = [m for m in household.members if rule.within_ages(m)]
    with_category = [m for m in in_ages if category is not None and category in m.pmks]
    if with_category:
        return tuple(m.index for m in with_category)
    return tuple(m.index for m in in_ages) if rule.has_ages else ()


# --- validating ---------------------------------------------------------------------------------


@cache
def known_needs() -> frozenset[str]:
    return frozenset(BASIC_NEEDS) | {PMKS_NEED_PREFIX + c for c in reference.pmks_codes()}


def rule_errors(row: int, rule: Rule) -> list[dict]:
    """What is wrong with one rule on its own."""
    ages_ok = all(a is None or a >= 0 for a in (rule.min_age, rule.max_age)) and (
        rule.min_age is None or rule.max_age is None or rule.min_age <= rule.max_age
    )
    blank = ("must not be blank", "tidak boleh kosong")
    known = "|".join(WELFARE_CLASSES)
    checks = [
        ("rule_id", bool(rule.rule_id.strip()), blank),
        (
            "need",
            rule.need in known_needs() | {ANY_NEED},
            (f"unknown need {rule.need!r}", f"kebutuhan {rule.need!r} tidak dikenal"),
        ),
        (
            "pmks",
            rule.pmks is None or rule.pmks in reference.pmks_codes(),
            ("unknown PMKS code", "kode PMKS tidak dikenal"),
        ),
        (
            "welfare_classes",
            rule.welfare_classes <= set(WELFARE_CLASSES),
            (
                f"unknown welfare class; known: {known}",
                f"kelas kesejahteraan tidak dikenal; yang dikenal: {known}",
            ),
        ),
        (
            "max_age",
            ages_ok,
            (
                "ages must not be negative and min_age must not exceed max_age",
                "umur tidak boleh negatif dan min_age tidak boleh melebihi max_age",
            ),
        ),
        (
            "opd_code",
            rule.opd_code in reference.opd_codes(),
            (f"unknown OPD {rule.opd_code!r}", f"OPD {rule.opd_code!r} tidak dikenal"),
        ),
        ("programme", bool(rule.programme.strip()), blank),
        (
            "receive_days",
            rule.receive_days > 0,
            ("must be a positive number of days", "harus jumlah hari yang positif"),
        ),
        (
            "complete_days",
            rule.complete_days > 0 and rule.complete_days >= rule.receive_days,
            (
                "must be positive and not before receive_days",
                "harus positif dan tidak kurang dari receive_days",
            ),
        ),
    ]
    return [_error(row, column, *said) for column, ok, said in checks if not ok]


def structure_errors(numbered: Sequence[tuple[int, str, str]]) -> list[dict]:
    """Of (row, rule_id, need): unique ids, exactly one ``*`` fallback and it comes last."""
    errors = []
    seen: dict[str, int] = {}
    for row, rule_id, _ in numbered:
        if rule_id in seen:
            first = seen[rule_id]
            errors.append(
                _error(row, "rule_id", f"duplicate of row {first}", f"sama dengan baris {first}")
            )
        seen.setdefault(rule_id, row)
    fallbacks = [row for row, _, need in numbered if need == ANY_NEED]
    errors += [
        _error(row, "need", "only the last rule may be '*'", "hanya aturan terakhir boleh '*'")
        for row in fallbacks[:-1]
    ]
    if not numbered or numbered[-1][2] != ANY_NEED:
        last = numbered[-1][0] if numbered else HEADER_ROW
        errors.append(
            _error(
                last,
                "need",
                "the last rule must be the '*' fallback",
                "aturan terakhir harus '*' (cadangan)",
            )
        )
    return errors


def table_errors(numbered: Sequence[tuple[int, Rule]]) -> list[dict]:
    """Every rule's errors, then the table's."""
    errors = [e for row, rule in numbered for e in rule_errors(row, rule)]
    return errors + structure_errors([(row, r.rule_id, r.need) for row, r in numbered])


# --- CSV ----------------------------------------------------------------------------------------


def parse_table(text: str, version: int) -> RoutingTable:
    """A routing table from CSV (comma or semicolon, BOM and Windows line ends allowed); raises
    :class:`TableError` naming every bad row and column, so one upload shows all its faults."""
    records = _records(text)
    header = [c.strip() for c in next(records, [])]
    errors = _header_errors(header)
    if errors:
        raise TableError(errors)
    rules: list[tuple[int, Rule]] = []
    structure: list[tuple[int, str, str]] = []
    for row, cells in records:
        if not any(c.strip() for c in cells):
            continue  # an empty spreadsheet row
        value = {c: (cell or "").strip() for c, cell in zip(header, cells, strict=False)}
        structure.append((row, value.get("rule_id", ""), value.get("need", "")))
        rule, cell_errors = _parse_row(row, value, cells[len(header) :])
        unreadable = {e["column"] for e in cell_errors}
        meaning_errors = [e for e in rule_errors(row, rule) if e["column"] not in unreadable]
        errors += cell_errors + meaning_errors
        rules.append((row, rule))
    errors += structure_errors(structure)
    if errors:
        raise TableError(sorted(errors, key=_error_order))
    return RoutingTable(version=version, rules=tuple(rule for _, rule in rules))


def _error_order(error: dict) -> tuple[int, int]:
    column = error["column"]
    return error["row"], COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


def _records(text: str) -> Iterator:
    """The header's cells, then (spreadsheet row, cells) pairs; blank lines count as rows."""
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    yield next(reader, [])
    yield from enumerate(reader, start=HEADER_ROW + 1)


def _header_errors(header: list[str]) -> list[dict]:
    missing = [
        _error(HEADER_ROW, c, "missing column", "kolom tidak ada")
        for c in COLUMNS
        if c not in header
    ]
    unknown = [
        _error(HEADER_ROW, c or "(blank)", "unknown column", "kolom tidak dikenal") for c in header
    ]
    twice = {c for c in header if header.count(c) > 1}
    return (
        missing
        + [e for e in unknown if e["column"] not in COLUMNS]
        + [
            _error(HEADER_ROW, c, "column appears twice", "kolom muncul dua kali")
            for c in sorted(twice)
        ]
    )


def _parse_row(row: int, value: dict[str, str], extra: list[str]) -> tuple[Rule, list[dict]]:
    """The rule a row spells and the cells that could not be read (missing trailing cells are
    blank). An unreadable cell gets a stand-in that passes :func:`rule_errors`, so the row's
    other columns are still checked and one upload shows all its faults."""
    errors: list[dict] = []
    if any(c.strip() for c in extra):
        errors.append(
            _error(
                row,
                "(extra)",
                f"{len(extra)} cell(s) beyond the last column",
                f"{len(extra)} sel melewati kolom terakhir",
            )
        )
    cell = {c: value.get(c, "") for c in COLUMNS}

    def integer(column: str, stand_in: int | None) -> int | None:
        if stand_in is None and not cell[column]:
            return None  # an optional bound left blank
        try:
            return int(cell[column])
        except ValueError:
            got = cell[column]
            errors.append(
                _error(
                    row,
                    column,
                    f"expected a whole number, got {got!r}",
                    f"harus bilangan bulat, tertulis {got!r}",
                )
            )
            return stand_in

    receive_days = integer("receive_days", 1)
    carries_nik = BOOLEANS.get(cell["carries_nik"].lower())
    if carries_nik is None:
        errors.append(
            _error(
                row,
                "carries_nik",
                f"expected true or false, got {cell['carries_nik']!r}",
                f"harus true atau false, tertulis {cell['carries_nik']!r}",
            )
        )
    classes = (c.strip() for c in cell["welfare_classes"].split("|"))
    return Rule(
        rule_id=cell["rule_id"],
        need=cell["need"],
        pmks=cell["pmks"] or None,
        welfare_classes=frozenset(c for c in classes if c),
        min_age=integer("min_age", None),
        max_age=integer("max_age", None),
        opd_code=cell["opd_code"],
        programme=cell["programme"],
        carries_nik=bool(carries_nik),
        receive_days=receive_days,
        complete_days=integer("complete_days", receive_days),
        note=cell["note"],
    ), errors


def to_csv(table: RoutingTable) -> str:
    """The table as CSV, in the columns :func:`parse_table` reads back to an equal table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_cells(rule) for rule in table.rules)
    return out.getvalue()


def _cells(rule: Rule) -> list[str]:
    def text(value: int | str | None) -> str:
        return "" if value is None else str(value)

    return [
        rule.rule_id,
        rule.need,
        text(rule.pmks),
        "|".join(c for c in WELFARE_CLASSES if c in rule.welfare_classes),
        text(rule.min_age),
        text(rule.max_age),
        rule.opd_code,
        rule.programme,
        "true" if rule.carries_nik else "false",
        text(rule.receive_days),
        text(rule.complete_days),
        rule.note,
    ]


def default_table_text() -> str:
    """Kutim's default table, packaged with the service."""
    return (
        resources.files("services.referral")
        .joinpath("data", "routing_table.csv")
        .read_text(encoding="utf-8")
    )


@cache
def default_table(version: int = 1) -> RoutingTable:
    return parse_table(default_table_text(), version)
