"""Garbage collection calendars: three staff-facing forms read into one model.

* **5374 folder** (``areas/<id>/garbage/``): ``area_days.csv`` plus optional ``center.csv``,
  ``description.csv``, ``remarks.csv`` and ``target.csv`` (the open-data format of the
  5374 app, see ``shared/realdata/5374-upstream-sample/SOURCE.md``).
* **Day-by-area** (Sapporo's open data): any CSV in ``garbage/`` with a ``日付`` column,
  one row per date and one column per area holding a category code, with the legend in
  ``garbage/codes.yaml``.
* **garbage.yaml**: the simpler YAML form of KNOWLEDGE_FORMAT.md.

All three become a :class:`GarbageCalendar` of :class:`CalendarArea` s whose
:class:`Category` s carry a parsed :class:`DaySpec`. Computing dates from the model is the
engine's job (``bot.garbage.dates``); this module only parses and reports.

Real-file quirks accepted (each seen in ``shared/realdata``): UTF-8 BOMs, CRLF and a stray
CR, header-only or newline-less ``center.csv``, the ``type`` header of Kanazawa's
``target.csv``, 5th-week tokens (``火5``), month lists after ``:``, ``*1`` remark markers,
explicit ``YYYYMMDD`` dates, every-other-week ``隔火20140401``, a long centre header
(``センター（center.csvを使わない場合は空白化）``), ISO datetimes in Sapporo's ``日付`` and a
header whose ``②`` was lost.

Where this parser deliberately reads more than the 5374 app (documented, tested):

* A cell mixing weekday rules and ``YYYYMMDD`` dates keeps both. The app switches such a
  cell to "irregular" and silently drops the weekday tokens.
* ``YYYYMMDD`` tokens after the ``:`` are explicit dates, not month numbers (Hakodate's
  trial file writes ``火 金:4 5 … 3 20191203 …``; the app would lose December and January).
* A token that is not understood (``2020024``) or an impossible date is reported as a
  problem and left out. The app drops it silently or lets JavaScript roll it over.
* ``*12`` refers to remark 12; the app reads only one digit after ``*``.

Staff-data extensions (garbage.yaml only, all optional): top-level or per-area
``put_out_by`` and ``holidays: skip`` (no collection on national holidays; the default,
``collect``, follows the calendar as the format says). ``codes.yaml`` may carry
``put_out_by``. For 5374 data, a remark that states a time ("朝8時までに") becomes the
put-out-by time of every area.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ingest.garbage.dictionary import SortingDict, load_sorting, read_csv_rows
from ingest.problems import Problem
from ingest.yamlfile import LinedYaml, read_yaml
from text.dates import WEEKDAYS_SHORT

WEEKDAY_CHARS = "".join(WEEKDAYS_SHORT["ja"])  # "月火水木金土日", index == date.weekday()
FORM_5374 = "5374"
FORM_DAY_BY_AREA = "day-by-area"
FORM_YAML = "yaml"
#: How a 5374 centre suspension moves collections (see bot.garbage.dates).
SUSPEND_SHIFT = "shift"
SUSPEND_SKIP = "skip"
HOLIDAYS_COLLECT = "collect"
HOLIDAYS_SKIP = "skip"
FILES_5374 = ("area_days.csv", "center.csv", "description.csv", "remarks.csv", "target.csv")

_WD = f"[{WEEKDAY_CHARS}]"
_WEEKLY = re.compile(rf"^({_WD})(?:曜日?)?$")
_NTH = re.compile(rf"^({_WD})(?:曜日?)?([1-5])$")
_NTH_PREFIX = re.compile(rf"^第([1-5])({_WD})(?:曜日?)?$")
_REMARK = re.compile(r"^\*(\d+)$")
_YYYYMMDD = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?$")
_BIWEEKLY = re.compile(rf"^隔({_WD})(\d{{8}})$")
_SEPARATORS = re.compile(r"[\s、,，・/]+")
_NONE_WORDS = {"なし", "無し", "-", "ー", "none"}
_PUT_OUT_BY_REMARK = re.compile(r"(\d{1,2})\s*時\s*(?:(\d{1,2})\s*分|(半))?\s*(?:まで|迄)")


@dataclass(frozen=True)
class Period:
    """A closed date range (both ends included), e.g. a year-end stop."""

    start: date
    end: date
    note: str = ""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class DaySpec:
    """One cell of the 5374 day syntax, parsed.

    ``weekly`` and ``nth`` apply only in ``months`` (None = every month); ``dates`` are
    explicit collection days; ``biweekly`` holds the first day of each every-other-week rule.
    """

    raw: str = ""
    weekly: tuple[int, ...] = ()
    nth: tuple[tuple[int, int], ...] = ()
    months: frozenset[int] | None = None
    dates: tuple[date, ...] = ()
    biweekly: tuple[date, ...] = ()
    remark_ids: tuple[str, ...] = ()

    @property
    def has_rules(self) -> bool:
        """True when dates repeat indefinitely (weekday, nth-weekday or every-other-week)."""
        return bool(self.weekly or self.nth or self.biweekly)

    @property
    def is_empty(self) -> bool:
        return not self.has_rules and not self.dates


@dataclass
class Category:
    """A garbage category of one calendar area (a column of area_days.csv, a YAML entry)."""

    name: str
    days: DaySpec = field(default_factory=DaySpec)
    en: str = ""
    note: str = ""
    sublabel: str = ""
    description: str = ""


@dataclass
class CalendarArea:
    """One calendar area (地名/校下, a Sapporo district column, a YAML area)."""

    name: str
    categories: list[Category]
    source: str
    line: int = 0
    center: str = ""
    suspensions: tuple[Period, ...] = ()
    put_out_by: time | None = None
    holidays: str = HOLIDAYS_COLLECT
    remarks: tuple[str, ...] = ()

    def category(self, name: str) -> Category | None:
        return next((c for c in self.categories if c.name == name), None)


@dataclass
class GarbageCalendar:
    """Every calendar area of one knowledge area, whatever form it was written in."""

    form: str
    source: str
    areas: list[CalendarArea] = field(default_factory=list)
    no_collection: tuple[Period, ...] = ()
    remarks: dict[str, str] = field(default_factory=dict)
    targets: SortingDict | None = None
    suspension_mode: str = SUSPEND_SHIFT

    def area_names(self) -> list[str]:
        return [a.name for a in self.areas]

    def area(self, name: str) -> CalendarArea | None:
        """The area called ``name``; spelling variants (full-width, ①/1, spaces) match too."""
        for a in self.areas:
            if a.name == name:
                return a
        key = _name_key(name)
        return next((a for a in self.areas if _name_key(a.name) == key), None)

    def category_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for a in self.areas:
            for c in a.categories:
                seen.setdefault(c.name, None)
        return list(seen)


def _name_key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


# --------------------------------------------------------------------------- day syntax


def _parse_yyyymmdd(token: str) -> date | None:
    m = _YYYYMMDD.match(token) or _ISO_DATE.match(token)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_days(text: str) -> tuple[DaySpec, list[str]]:
    """Parse the 5374 day syntax (``月 木``, ``水2 水4``, ``火2:4 6 8``, ``20261205``, ``隔火20140401``,
    ``*1``); return the spec and one message per token that could not be understood.

    Full-width characters, ``、``/``・`` separators and ``月曜日`` spellings are accepted
    because staff type them; ``なし`` or ``-`` means no scheduled collection.
    """
    raw = text
    text = unicodedata.normalize("NFKC", text or "").strip()
    errors: list[str] = []
    if text.casefold() in _NONE_WORDS or not text:
        return DaySpec(raw=raw), errors
    day_part, _, month_part = text.partition(":")
    weekly: list[int] = []
    nth: list[tuple[int, int]] = []
    dates: list[date] = []
    biweekly: list[date] = []
    remarks: list[str] = []
    for token in (t for t in _SEPARATORS.split(day_part) if t):
        if m := _WEEKLY.match(token):
            weekly.append(WEEKDAY_CHARS.index(m.group(1)))
        elif m := _NTH.match(token):
            nth.append((WEEKDAY_CHARS.index(m.group(1)), int(m.group(2))))
        elif m := _NTH_PREFIX.match(token):
            nth.append((WEEKDAY_CHARS.index(m.group(2)), int(m.group(1))))
        elif m := _REMARK.match(token):
            remarks.append(m.group(1))
        elif m := _BIWEEKLY.match(token):
            start = _parse_yyyymmdd(m.group(2))
            if start is None:
                errors.append(f"{token!r}: {m.group(2)} is not a valid date")
            else:
                if start.weekday() != WEEKDAY_CHARS.index(m.group(1)):
                    errors.append(f"{token!r}: {start.isoformat()} is a "
                                  f"{WEEKDAY_CHARS[start.weekday()]}曜日, not {m.group(1)}曜日")
                biweekly.append(start)
        elif _YYYYMMDD.match(token) or _ISO_DATE.match(token):
            d = _parse_yyyymmdd(token)
            if d is None:
                errors.append(f"{token!r} is not a valid date")
            else:
                dates.append(d)
        else:
            errors.append(f"cannot understand {token!r} (expected 月, 水2, 20261205, "
                          f"隔火20261205 or *1)")
    months: set[int] | None = None
    if month_part.strip():
        months = set()
        for token in (t for t in _SEPARATORS.split(month_part) if t):
            if token.isdigit() and 1 <= int(token) <= 12:
                months.add(int(token))
            elif (d := _parse_yyyymmdd(token)) is not None:
                dates.append(d)
            else:
                errors.append(f"cannot understand month {token!r} after ':' (expected 1-12)")
        if not months:
            months = None
    spec = DaySpec(
        raw=raw,
        weekly=tuple(dict.fromkeys(weekly)),
        nth=tuple(dict.fromkeys(nth)),
        months=frozenset(months) if months is not None else None,
        dates=tuple(sorted(set(dates))),
        biweekly=tuple(dict.fromkeys(biweekly)),
        remark_ids=tuple(remarks),
    )
    return spec, errors


def parse_time(value: Any) -> time | None:
    """``"08:30"``, ``"8時30分"``, or YAML 1.1's sexagesimal int (unquoted ``8:30`` is 510)."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        hours, minutes = divmod(value, 60)
        return time(hours, minutes) if 0 <= hours < 24 else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    m = re.fullmatch(r"(\d{1,2})[:時](?:(\d{2})分?)?", text) or re.fullmatch(r"(\d{1,2})時(半)", text)
    if not m:
        return None
    hours = int(m.group(1))
    minutes = 30 if m.group(2) == "半" else int(m.group(2) or 0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def put_out_by_from_remarks(remarks: dict[str, str]) -> time | None:
    """The one put-out-by time stated in remarks.csv ("朝8時までに"), if exactly one is."""
    found: set[time] = set()
    for text in remarks.values():
        for m in _PUT_OUT_BY_REMARK.finditer(unicodedata.normalize("NFKC", text)):
            hours = int(m.group(1))
            minutes = 30 if m.group(3) else int(m.group(2) or 0)
            if hours < 24 and minutes < 60:
                found.add(time(hours, minutes))
    return found.pop() if len(found) == 1 else None


def _parse_any_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        return _parse_yyyymmdd(text)
    return None


# --------------------------------------------------------------------------- 5374 folder


def _read_optional(folder: Path, name: str, rel_dir: str,
                   problems: list[Problem]) -> list[tuple[int, list[str]]] | None:
    path = folder / name
    if not path.is_file():
        return None
    rows, errs = read_csv_rows(path, f"{rel_dir}/{name}")
    problems.extend(errs)
    return rows


def _read_centers(rows: list[tuple[int, list[str]]] | None, rel: str,
                  problems: list[Problem]) -> dict[str, list[Period]]:
    centers: dict[str, list[Period]] = {}
    for line, cells in (rows or [])[1:]:
        cells = cells + ["", "", ""]
        name, start_text, end_text = cells[0], cells[1], cells[2]
        start, end = _parse_any_date(start_text), _parse_any_date(end_text or start_text)
        if not name:
            problems.append(Problem(rel, line, "empty centre name (名称)"))
        elif start is None or end is None:
            problems.append(Problem(rel, line, f"dates must be YYYY/MM/DD (found {start_text!r}, "
                                               f"{end_text!r})"))
        elif end < start:
            problems.append(Problem(rel, line, f"suspension ends ({end_text}) before it starts "
                                               f"({start_text})"))
        else:
            centers.setdefault(name, []).append(Period(start, end, name))
    return centers


def _read_remarks(rows: list[tuple[int, list[str]]] | None, rel: str,
                  problems: list[Problem]) -> dict[str, str]:
    remarks: dict[str, str] = {}
    for line, cells in (rows or [])[1:]:
        rid = unicodedata.normalize("NFKC", cells[0]).strip()
        text = ",".join(cells[1:]).strip()  # the app splits on ',' and shows column 1 only
        if not rid.isdigit():
            problems.append(Problem(rel, line, f"remark ID must be a number (found {cells[0]!r})"))
            continue
        remarks[rid] = text
    return remarks


def _read_descriptions(rows: list[tuple[int, list[str]]] | None) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for _line, cells in (rows or [])[1:]:
        cells = cells + ["", "", ""]
        if cells[0]:
            out[cells[0]] = (cells[1], cells[2])
    return out


def load_5374_folder(folder: Path, rel_dir: str) -> tuple[GarbageCalendar | None, list[Problem]]:
    """Read the 5374 files of ``folder`` (``rel_dir`` is how problems and sources name it).

    Only ``area_days.csv`` is required. Files are read unchanged, as the app reads them.
    """
    problems: list[Problem] = []
    area_rel = f"{rel_dir}/area_days.csv"
    if not (folder / "area_days.csv").is_file():
        return None, [Problem(area_rel, 0, "missing area_days.csv (required in a 5374 garbage folder)")]
    area_rows = _read_optional(folder, "area_days.csv", rel_dir, problems) or []
    if not area_rows:
        if not problems:
            problems.append(Problem(area_rel, 0, "empty file: expected 地名,センター,<categories>"))
        return None, problems
    center_rows = _read_optional(folder, "center.csv", rel_dir, problems)
    centers = _read_centers(center_rows, f"{rel_dir}/center.csv", problems)
    remarks = _read_remarks(_read_optional(folder, "remarks.csv", rel_dir, problems),
                            f"{rel_dir}/remarks.csv", problems)
    descriptions = _read_descriptions(_read_optional(folder, "description.csv", rel_dir, problems))
    targets = None
    if (folder / "target.csv").is_file():
        targets, errs = load_sorting(folder / "target.csv", f"{rel_dir}/target.csv")
        problems.extend(errs)
    put_out_by = put_out_by_from_remarks(remarks)

    header_line, header = area_rows[0]
    labels = header[2:]
    if len(header) < 3:
        problems.append(Problem(area_rel, header_line,
                                "header must be 地名,センター,<category 1>,<category 2>,..."))
        return None, problems
    for i, label in enumerate(labels):
        if not label:
            problems.append(Problem(area_rel, header_line, f"category column {i + 3} has no name"))
    calendar = GarbageCalendar(FORM_5374, area_rel, remarks=remarks, targets=targets)
    seen: dict[str, int] = {}
    for line, cells in area_rows[1:]:
        name = cells[0]
        if not name:
            problems.append(Problem(area_rel, line, "empty area name (地名)"))
            continue
        if name in seen:
            problems.append(Problem(area_rel, line, f"area {name!r} is listed twice (also line {seen[name]})"))
            continue
        seen[name] = line
        if len(cells) > len(header):
            problems.append(Problem(area_rel, line, f"{len(cells)} cells but the header has {len(header)}"))
        center = cells[1] if len(cells) > 1 else ""
        if center and center not in centers and center_rows is None:
            problems.append(Problem(area_rel, line, f"centre {center!r} given but there is no center.csv"))
        elif center and center not in centers and center_rows is not None and len(center_rows) > 1:
            problems.append(Problem(area_rel, line, f"centre {center!r} is not in center.csv"))
        categories: list[Category] = []
        area_remarks: list[str] = []
        for i, label in enumerate(labels):
            if not label:
                continue
            cell = cells[i + 2] if i + 2 < len(cells) else ""
            spec, errors = parse_days(cell)
            for message in errors:
                problems.append(Problem(area_rel, line, f"{label}: {message}"))
            for rid in spec.remark_ids:
                if rid in remarks:
                    area_remarks.append(remarks[rid])
                else:
                    problems.append(Problem(area_rel, line, f"{label}: remark *{rid} is not in remarks.csv"))
            sublabel, description = descriptions.get(label, ("", ""))
            categories.append(Category(label, spec, sublabel=sublabel, description=description))
        calendar.areas.append(CalendarArea(
            name=name, categories=categories, source=area_rel, line=line, center=center,
            suspensions=tuple(centers.get(center, ())), put_out_by=put_out_by,
            remarks=tuple(dict.fromkeys(area_remarks)),
        ))
    return calendar, problems


# --------------------------------------------------------------------------- day-by-area


@dataclass(frozen=True)
class CodeName:
    """What a day-by-area cell code means (from codes.yaml)."""

    name: str
    en: str = ""
    note: str = ""


_SKIP_COLUMNS = {"_id", "日付", "曜", "曜日"}


def is_day_by_area_csv(path: Path) -> bool:
    """A CSV whose header has a ``日付`` column is a day-by-area calendar (the format's rule)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return False
    return "日付" in [c.strip().strip('"') for c in first.split(",")]


def _parse_day_cell(cell: str) -> list[str]:
    text = unicodedata.normalize("NFKC", cell).strip()
    return [c for c in _SEPARATORS.split(text) if c and c != "0"]


def load_day_by_area_csv(path: Path, rel: str, codes: dict[str, CodeName] | None,
                         put_out_by: time | None = None) -> tuple[list[CalendarArea], list[Problem]]:
    """Read one Sapporo-style CSV into calendar areas whose categories have explicit dates.

    ``codes`` maps a cell code to its category; ``None`` (no codes.yaml) names categories
    by their code so the dates still load, and the caller reports the missing legend.
    """
    rows, problems = read_csv_rows(path, rel)
    if not rows:
        if not problems:
            problems.append(Problem(rel, 0, "empty file"))
        return [], problems
    header_line, header = rows[0]
    if "日付" not in header:
        return [], problems + [Problem(rel, header_line, "a day-by-area calendar needs a 日付 column")]
    date_col = header.index("日付")
    weekday_col = next((header.index(c) for c in ("曜", "曜日") if c in header), None)
    area_cols: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in _SKIP_COLUMNS or i in (date_col, weekday_col):
            continue
        if not name:
            problems.append(Problem(rel, header_line, f"column {i + 1} has no area name"))
        elif name in area_cols:
            problems.append(Problem(rel, header_line, f"area {name!r} appears in two columns"))
        else:
            area_cols[name] = i
    per_area: dict[str, dict[str, list[date]]] = {name: {} for name in area_cols}
    unknown_codes: set[str] = set()
    for line, cells in rows[1:]:
        day = _parse_any_date(cells[date_col] if date_col < len(cells) else "")
        if day is None:
            problems.append(Problem(rel, line, f"日付 {cells[date_col] if date_col < len(cells) else ''!r}"
                                               f" is not a date (YYYY-MM-DD)"))
            continue
        if weekday_col is not None and weekday_col < len(cells) and cells[weekday_col]:
            written = cells[weekday_col][:1]
            if written in WEEKDAY_CHARS and WEEKDAY_CHARS.index(written) != day.weekday():
                problems.append(Problem(rel, line, f"{day.isoformat()} is a {WEEKDAY_CHARS[day.weekday()]}曜日,"
                                                   f" but the row says {cells[weekday_col]}"))
        for name, col in area_cols.items():
            for code in _parse_day_cell(cells[col] if col < len(cells) else ""):
                if codes is not None and code not in codes:
                    if code not in unknown_codes:
                        unknown_codes.add(code)
                        problems.append(Problem(rel, line, f"{name}: code {code!r} is not in codes.yaml"))
                    continue
                per_area[name].setdefault(code, []).append(day)
    order = list(codes) if codes is not None else []
    areas: list[CalendarArea] = []
    for name, by_code in per_area.items():
        ordered = [c for c in order if c in by_code] + sorted(c for c in by_code if c not in order)
        categories = []
        for code in ordered:
            meaning = (codes or {}).get(code, CodeName(code))
            categories.append(Category(meaning.name, DaySpec(raw=f"code {code}", dates=tuple(sorted(by_code[code]))),
                                       en=meaning.en, note=meaning.note))
        areas.append(CalendarArea(name, categories, rel, header_line, put_out_by=put_out_by))
    return areas, problems


def load_codes_yaml(path: Path, rel: str) -> tuple[dict[str, CodeName] | None, time | None, list[Problem]]:
    """Read the day-by-area legend: ``codes: {"1": {name:, en:}}`` (+ optional put_out_by)."""
    doc, problems = read_yaml(path, rel)
    if doc is None:
        return None, None, problems
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("codes"), dict):
        return None, None, problems + [Problem(rel, 1, "codes.yaml needs 'codes:' mapping each cell code "
                                                       "to {name: ..., en: ...}")]
    codes: dict[str, CodeName] = {}
    for code, value in doc.data["codes"].items():
        line = doc.line_of("codes", code)
        if isinstance(value, str):
            codes[str(code)] = CodeName(value)
        elif isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"]:
            codes[str(code)] = CodeName(value["name"], str(value.get("en") or ""), str(value.get("note") or ""))
        else:
            problems.append(Problem(rel, line, f"code {code!r} needs a name: {{name: ..., en: ...}}"))
    put_out_by = None
    if "put_out_by" in doc.data:
        put_out_by = parse_time(doc.data["put_out_by"])
        if put_out_by is None:
            problems.append(Problem(rel, doc.line_of("put_out_by"), "put_out_by must be a time like \"08:30\""))
    return codes, put_out_by, problems


# --------------------------------------------------------------------------- garbage/ folder


def load_garbage_dir(folder: Path, rel_dir: str) -> tuple[GarbageCalendar | None, list[Problem]]:
    """Read a ``garbage/`` folder: day-by-area CSVs (with codes.yaml) and/or 5374 files."""
    problems: list[Problem] = []
    csvs = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    day_by_area = [p for p in csvs if is_day_by_area_csv(p)]
    others = [p for p in csvs if p not in day_by_area]
    for p in others:
        if p.name not in FILES_5374:
            problems.append(Problem(f"{rel_dir}/{p.name}", 0,
                                    f"unknown file: a garbage/ CSV is one of {', '.join(FILES_5374)} "
                                    f"or a day-by-area calendar with a 日付 column"))
    calendar: GarbageCalendar | None = None
    if any(p.name == "area_days.csv" for p in others):
        calendar, errs = load_5374_folder(folder, rel_dir)
        problems.extend(errs)
    elif any(p.name in FILES_5374 for p in others):
        problems.append(Problem(f"{rel_dir}/area_days.csv", 0, "missing area_days.csv (required in a 5374 "
                                                              "garbage folder)"))
    if day_by_area:
        codes, put_out_by = None, None
        codes_path = folder / "codes.yaml"
        if codes_path.is_file():
            codes, put_out_by, errs = load_codes_yaml(codes_path, f"{rel_dir}/codes.yaml")
            problems.extend(errs)
        else:
            problems.append(Problem(f"{rel_dir}/codes.yaml", 0, "missing: a day-by-area calendar needs "
                                                                "codes.yaml naming each cell code"))
        if calendar is None:
            calendar = GarbageCalendar(FORM_DAY_BY_AREA, f"{rel_dir}/{day_by_area[0].name}")
        for path in day_by_area:
            areas, errs = load_day_by_area_csv(path, f"{rel_dir}/{path.name}", codes, put_out_by)
            problems.extend(errs)
            _merge_areas(calendar, areas)
    if calendar is None and not problems:
        problems.append(Problem(rel_dir, 0, "garbage/ holds no calendar (area_days.csv or a CSV with 日付)"))
    return calendar, problems


def _merge_areas(calendar: GarbageCalendar, areas: list[CalendarArea]) -> None:
    """Add day-by-area areas; the same area in several yearly files gets the union of dates."""
    for new in areas:
        old = calendar.area(new.name)
        if old is None:
            calendar.areas.append(new)
            continue
        for cat in new.categories:
            existing = old.category(cat.name)
            if existing is None:
                old.categories.append(cat)
            else:
                merged = tuple(sorted(set(existing.days.dates) | set(cat.days.dates)))
                existing.days = DaySpec(raw=existing.days.raw, dates=merged)


# --------------------------------------------------------------------------- garbage.yaml

_CATEGORY_KEYS = {"name", "en", "days", "note"}
_AREA_KEYS = {"name", "categories", "put_out_by", "holidays"}
_TOP_KEYS = {"areas", "no_collection", "put_out_by", "holidays"}


def _holidays(value: Any, rel: str, line: int, problems: list[Problem], default: str) -> str:
    if value is None:
        return default
    if value in (HOLIDAYS_COLLECT, HOLIDAYS_SKIP):
        return str(value)
    problems.append(Problem(rel, line, f"holidays must be 'collect' or 'skip' (found {value!r})"))
    return default


def _yaml_periods(doc: LinedYaml, rel: str, problems: list[Problem]) -> tuple[Period, ...]:
    raw = doc.data.get("no_collection") or []
    if not isinstance(raw, list):
        problems.append(Problem(rel, doc.line_of("no_collection"), "no_collection must be a list of "
                                                                    "{from: YYYY-MM-DD, to: YYYY-MM-DD, note: ...}"))
        return ()
    periods: list[Period] = []
    for i, item in enumerate(raw):
        line = doc.line_of("no_collection", i)
        if not isinstance(item, dict) or "from" not in item:
            problems.append(Problem(rel, line, "each no_collection entry needs from: (and to:, note:)"))
            continue
        start = _parse_any_date(item.get("from"))
        end = _parse_any_date(item.get("to", item.get("from")))
        if start is None or end is None:
            problems.append(Problem(rel, line, "no_collection dates must be YYYY-MM-DD"))
        elif end < start:
            problems.append(Problem(rel, line, f"no_collection ends ({end}) before it starts ({start})"))
        else:
            periods.append(Period(start, end, str(item.get("note") or "")))
    return tuple(periods)


def _yaml_category(item: Any, doc: LinedYaml, path: tuple[str | int, ...], rel: str,
                   problems: list[Problem]) -> Category | None:
    line = doc.line_of(*path)
    if not isinstance(item, dict) or not item.get("name"):
        problems.append(Problem(rel, line, "each category needs a name: {name: ..., en: ..., days: ...}"))
        return None
    name = str(item["name"])
    for key in sorted(set(item) - _CATEGORY_KEYS):
        problems.append(Problem(rel, line, f"{name}: unknown key {key!r} (expected name, en, days, note)"))
    if "days" not in item:
        problems.append(Problem(rel, line, f"{name}: missing days (write days: \"\" when there is no "
                                           f"scheduled collection)"))
    days_value = item.get("days")
    if isinstance(days_value, list):
        days_value = " ".join(str(d) for d in days_value)
    spec, errors = parse_days("" if days_value is None else str(days_value))
    for message in errors:
        problems.append(Problem(rel, line, f"{name}: {message}"))
    if spec.remark_ids:
        problems.append(Problem(rel, line, f"{name}: *n remarks belong to 5374 files; use note: in YAML"))
    return Category(name, spec, en=str(item.get("en") or ""), note=str(item.get("note") or ""))


def load_garbage_yaml(path: Path, rel: str) -> tuple[GarbageCalendar | None, list[Problem]]:
    """Read ``garbage.yaml`` (areas with categories, put_out_by, no_collection)."""
    doc, problems = read_yaml(path, rel)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, problems + [Problem(rel, 1, "garbage.yaml must be a mapping with 'areas:'")]
    for key in sorted(set(doc.data) - _TOP_KEYS):
        problems.append(Problem(rel, doc.line_of(key), f"unknown key {key!r} (expected areas, no_collection)"))
    default_time = None
    if "put_out_by" in doc.data:
        default_time = parse_time(doc.data["put_out_by"])
        if default_time is None:
            problems.append(Problem(rel, doc.line_of("put_out_by"), "put_out_by must be a time like \"08:30\""))
    default_holidays = _holidays(doc.data.get("holidays"), rel, doc.line_of("holidays"), problems,
                                 HOLIDAYS_COLLECT)
    calendar = GarbageCalendar(FORM_YAML, rel, no_collection=_yaml_periods(doc, rel, problems))
    raw_areas = doc.data.get("areas")
    if not isinstance(raw_areas, list) or not raw_areas:
        problems.append(Problem(rel, doc.line_of("areas"), "garbage.yaml needs 'areas:', a list of "
                                                           "{name: ..., categories: [...]}"))
        return calendar, problems
    for i, raw in enumerate(raw_areas):
        line = doc.line_of("areas", i)
        if not isinstance(raw, dict) or not raw.get("name"):
            problems.append(Problem(rel, line, "each area needs a name and categories"))
            continue
        name = str(raw["name"])
        if calendar.area(name) is not None:
            problems.append(Problem(rel, line, f"area {name!r} is listed twice"))
            continue
        for key in sorted(set(raw) - _AREA_KEYS):
            problems.append(Problem(rel, doc.line_of("areas", i, key),
                                    f"{name}: unknown key {key!r} (expected name, categories, put_out_by)"))
        put_out_by = default_time
        if "put_out_by" in raw:
            put_out_by = parse_time(raw["put_out_by"])
            if put_out_by is None:
                problems.append(Problem(rel, doc.line_of("areas", i, "put_out_by"),
                                        f"{name}: put_out_by must be a time like \"08:30\""))
        raw_categories = raw.get("categories")
        if not isinstance(raw_categories, list) or not raw_categories:
            problems.append(Problem(rel, line, f"{name}: categories must be a non-empty list"))
            raw_categories = []
        categories: list[Category] = []
        for j, item in enumerate(raw_categories):
            category = _yaml_category(item, doc, ("areas", i, "categories", j), rel, problems)
            if category is None:
                continue
            if any(c.name == category.name for c in categories):
                problems.append(Problem(rel, doc.line_of("areas", i, "categories", j),
                                        f"{name}: category {category.name!r} is listed twice"))
                continue
            categories.append(category)
        calendar.areas.append(CalendarArea(
            name=name, categories=categories, source=rel, line=line, put_out_by=put_out_by,
            holidays=_holidays(raw.get("holidays"), rel, doc.line_of("areas", i, "holidays"), problems,
                               default_holidays),
        ))
    return calendar, problems


# --------------------------------------------------------------------------- knowledge area


def load_area_calendar(area: Any, root: Path) -> tuple[GarbageCalendar | None, list[Problem]]:
    """The calendar of a knowledge area (``ingest.knowledge.Area``), or None if it has none.

    ``garbage/`` wins over ``garbage.yaml``; having both is reported because staff would
    otherwise edit the file that is not used.
    """
    root = Path(root)
    garbage_dir, garbage_yaml = area.garbage_dir, area.garbage_yaml
    if garbage_dir is not None:
        rel_dir = garbage_dir.relative_to(root).as_posix()
        calendar, problems = load_garbage_dir(garbage_dir, rel_dir)
        if garbage_yaml is not None:
            problems.append(Problem(garbage_yaml.relative_to(root).as_posix(), 0,
                                    "both garbage/ and garbage.yaml exist; garbage/ is used, "
                                    "remove one of them"))
        return calendar, problems
    if garbage_yaml is not None:
        return load_garbage_yaml(garbage_yaml, garbage_yaml.relative_to(root).as_posix())
    return None, []
