"""The garbage sorting dictionary: which category an item goes to, and how to put it out.

Staff write ``sorting.csv`` as ``品目,分別区分,備考`` with optional ``item_en``,
``category_en`` and ``note_en`` columns (KNOWLEDGE_FORMAT.md). Real municipal
dictionaries use other column names, so columns are found by name through a small alias
table instead of by position. The mapping needed for the real files in
``shared/realdata``:

==============================  =========================================================
file                            mapping
==============================  =========================================================
staff ``sorting.csv``           品目 -> item, 分別区分 -> category, 備考 -> note, *_en as named
Tsu ``original_*.csv``          品目 -> item, 分別区分 -> category, 出し方のポイント -> note
                                (ID, 並び順, 50音 and 分別区分（略称） are ignored)
Tsu ``tsu_gomi_2015.ja.*.csv``  no header: id, reading (hiragana), item, category, short
                                category, note. English comes from the sibling
                                ``*.en.*.csv`` (id, item, category, short category, note),
                                joined on id (``sorting.en.csv`` beside ``sorting.csv``).
Tsu ``tsu_gomi_2015.en.*.csv``  read alone: the English columns become the only names.
5374 ``target.csv``             label|type -> category, name -> item, notice -> note,
                                furigana -> reading only when longer than one character (a
                                single kana is the app's index letter, not a reading).
==============================  =========================================================

Loading never raises for bad staff data: every row that cannot be used is reported as a
:class:`~ingest.problems.Problem` with its CSV line, and the rows that can be used are kept.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.problems import Problem
from text.normalize import fold

#: Header aliases, most specific first. Matching is exact after ``text.normalize.fold``.
ITEM_COLUMNS = ("品目", "品名", "item", "name", "ごみの種類")
CATEGORY_COLUMNS = ("分別区分", "区分", "分別", "category", "label", "type")
NOTE_COLUMNS = ("備考", "出し方のポイント", "出し方", "注意事項", "notice", "note")
READING_COLUMNS = ("よみ", "読み", "よみがな", "ふりがな", "reading", "furigana")
EN_COLUMNS = ("item_en", "category_en", "note_en")

_KANA_ONLY = re.compile(r"^[\u3041-\u309f\u30a0-\u30ffー・（）()、\s]+$")


@dataclass(frozen=True)
class SortingEntry:
    """One dictionary row. ``line`` is the CSV line it came from (for citations and problems)."""

    item: str
    category: str
    note: str = ""
    item_en: str = ""
    category_en: str = ""
    note_en: str = ""
    reading: str = ""
    line: int = 0


@dataclass
class SortingDict:
    """A whole dictionary file; ``source`` is its path relative to the knowledge root."""

    source: str
    entries: list[SortingEntry] = field(default_factory=list)
    layout: str = "standard"

    def categories(self) -> list[str]:
        """Category names in first-seen order (validation compares them with the calendar)."""
        seen: dict[str, None] = {}
        for entry in self.entries:
            seen.setdefault(entry.category, None)
        return list(seen)


def read_csv_rows(path: Path, rel: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Rows of a UTF-8 CSV with the line each row starts on; BOM, CRLF and quoted newlines ok.

    Cells are stripped (real files carry stray CRs and trailing blanks); completely empty
    rows are dropped because spreadsheets append them.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [Problem(rel, 0, f"not UTF-8 text ({exc.reason}); save the file as UTF-8")]
    except OSError as exc:
        return [], [Problem(rel, 0, f"cannot read: {exc.strerror}")]
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    end_of_previous = 0
    try:
        for row in reader:
            line = end_of_previous + 1
            end_of_previous = reader.line_num
            cells = [cell.replace("\r", "").strip() for cell in row]
            if any(cells):
                rows.append((line, cells))
    except csv.Error as exc:
        return rows, [Problem(rel, reader.line_num, f"CSV cannot be read: {exc}")]
    return rows, []


def _column(header: list[str], aliases: tuple[str, ...]) -> int | None:
    folded = [fold(h) for h in header]
    for alias in aliases:
        if fold(alias) in folded:
            return folded.index(fold(alias))
    return None


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def _is_int(text: str) -> bool:
    return text.isdigit()


def load_sorting(path: Path, rel: str) -> tuple[SortingDict | None, list[Problem]]:
    """Read a sorting dictionary in any of the layouts in the module docstring.

    Returns ``None`` only when nothing usable could be read (unreadable file, unknown
    header); otherwise the dictionary of every usable row plus the problems found.
    """
    rows, problems = read_csv_rows(path, rel)
    if not rows:
        if not problems:
            problems.append(Problem(rel, 0, "empty file: expected the header 品目,分別区分,備考"))
        return None, problems
    first_line, first = rows[0]
    item_col = _column(first, ITEM_COLUMNS)
    category_col = _column(first, CATEGORY_COLUMNS)
    if item_col is not None and category_col is not None:
        return _load_with_header(rows, rel, problems)
    if len(first) >= 6 and _is_int(first[0]) and _KANA_ONLY.match(first[1] or "x"):
        return _load_tsu_2015_ja(path, rows, rel, problems)
    if len(first) >= 5 and _is_int(first[0]) and first[1].isascii():
        return _load_tsu_2015_en(rows, rel, problems)
    found = ",".join(first[:6])
    problems.append(Problem(rel, first_line,
                            f"header must be 品目,分別区分,備考 (optionally item_en,category_en,"
                            f"note_en); found {found!r}"))
    return None, problems


def _load_with_header(rows: list[tuple[int, list[str]]], rel: str,
                      problems: list[Problem]) -> tuple[SortingDict, list[Problem]]:
    header = rows[0][1]
    cols = {
        "item": _column(header, ITEM_COLUMNS),
        "category": _column(header, CATEGORY_COLUMNS),
        "note": _column(header, NOTE_COLUMNS),
        "reading": _column(header, READING_COLUMNS),
        **{name: _column(header, (name,)) for name in EN_COLUMNS},
    }
    is_5374 = fold(header[0]) in ("label", "type") and _column(header, ("name",)) is not None
    entries: list[SortingEntry] = []
    for line, cells in rows[1:]:
        if len(cells) > len(header) and any(cells[len(header):]):
            problems.append(Problem(rel, line, f"{len(cells)} cells but the header has "
                                               f"{len(header)}; a comma inside a value needs quotes"))
            continue
        item = _cell(cells, cols["item"])
        category = _cell(cells, cols["category"])
        if not item:
            problems.append(Problem(rel, line, "empty item name (品目)"))
            continue
        if not category:
            problems.append(Problem(rel, line, f"empty category (分別区分) for {item!r}"))
            continue
        reading = _cell(cells, cols["reading"])
        entries.append(SortingEntry(
            item=item,
            category=category,
            note=_cell(cells, cols["note"]),
            item_en=_cell(cells, cols["item_en"]),
            category_en=_cell(cells, cols["category_en"]),
            note_en=_cell(cells, cols["note_en"]),
            reading=reading if len(reading) > 1 else "",
            line=line,
        ))
    layout = "5374-target" if is_5374 else "standard"
    return SortingDict(rel, entries, layout), problems


def _load_tsu_2015_ja(path: Path, rows: list[tuple[int, list[str]]], rel: str,
                      problems: list[Problem]) -> tuple[SortingDict, list[Problem]]:
    english = _tsu_english(path, rel, problems)
    entries: list[SortingEntry] = []
    for line, cells in rows:
        cells = cells + [""] * (6 - len(cells))
        row_id, reading, item, category, _short, note = cells[:6]
        if not item or not category:
            problems.append(Problem(rel, line, "row needs an item (column 3) and a category (column 4)"))
            continue
        item_en, category_en, note_en = english.get(row_id, ("", "", ""))
        entries.append(SortingEntry(item, category, note, item_en, category_en, note_en,
                                    reading, line))
    return SortingDict(rel, entries, "tsu-2015-ja"), problems


def _tsu_english(path: Path, rel: str, problems: list[Problem]) -> dict[str, tuple[str, str, str]]:
    """English columns of the sibling ``.en.`` file, keyed by row id (empty when absent):
    ``tsu_gomi_2015.en.utf8.csv`` beside ``tsu_gomi_2015.ja.utf8.csv``, or ``sorting.en.csv``
    beside the Japanese file dropped in as ``sorting.csv``."""
    if ".ja." in path.name:
        sibling = path.with_name(path.name.replace(".ja.", ".en."))
    else:
        sibling = path.with_name(f"{path.stem}.en{path.suffix}")
    if not sibling.is_file():
        return {}
    sibling_rel = rel.rsplit("/", 1)[0] + "/" + sibling.name if "/" in rel else sibling.name
    rows, errs = read_csv_rows(sibling, sibling_rel)
    problems.extend(errs)
    out: dict[str, tuple[str, str, str]] = {}
    for _line, cells in rows:
        cells = cells + [""] * (5 - len(cells))
        out[cells[0]] = (cells[1], cells[2], cells[4])
    return out


def _load_tsu_2015_en(rows: list[tuple[int, list[str]]], rel: str,
                      problems: list[Problem]) -> tuple[SortingDict, list[Problem]]:
    entries: list[SortingEntry] = []
    for line, cells in rows:
        cells = cells + [""] * (5 - len(cells))
        _row_id, item, category, _short, note = cells[:5]
        if not item or not category:
            problems.append(Problem(rel, line, "row needs an item (column 2) and a category (column 3)"))
            continue
        entries.append(SortingEntry(item, category, note, item, category, note, "", line))
    return SortingDict(rel, entries, "tsu-2015-en"), problems
