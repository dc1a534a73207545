"""Read the tables of a GTFS static feed, from a folder of .txt files or from a .zip.

Feeds are read *unchanged*, as published: real Japanese feeds carry a UTF-8 BOM, CRLF
line ends, quoted fields, no trailing newline, GTFS-JP extra files, empty optional files
(not even a header) and, now and then, Shift_JIS instead of UTF-8. This module absorbs
all of that so the indexer and the validator only ever see ``(line, {column: value})``.
It knows nothing about what the tables mean.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: Time of day as written in GTFS: H:MM:SS or HH:MM:SS, hours may exceed 23.
TIME_RE = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_time(value: str) -> int | None:
    """GTFS time -> seconds after the service day's start (``25:10:00`` -> 90600).

    Returns None for an empty or malformed value; the caller decides whether that is an
    error (first/last stop of a trip) or an untimed intermediate stop.
    """
    m = TIME_RE.match(value.strip())
    if not m:
        return None
    h, mi, s = (int(g) for g in m.groups())
    return h * 3600 + mi * 60 + s


def is_date(value: str) -> bool:
    m = DATE_RE.match(value.strip())
    if not m:
        return False
    y, mo, d = (int(g) for g in m.groups())
    return 1 <= mo <= 12 and 1 <= d <= 31 and y >= 1900


@dataclass
class Table:
    """One CSV table: its normalised header and an iterator factory over its rows."""

    name: str
    columns: list[str]
    _text: str = field(repr=False, default="")

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Yield ``(line_number, row)``; line 1 is the header, fields are stripped.

        Short rows are padded with "" and surplus cells are dropped, so a ragged real
        file still indexes; the validator reports raggedness separately.
        """
        reader = csv.reader(io.StringIO(self._text, newline=""))
        next(reader, None)
        ncols = len(self.columns)
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) < ncols:
                cells = cells + [""] * (ncols - len(cells))
            yield reader.line_num, {c: v.strip() for c, v in zip(self.columns, cells, strict=False)}

    def raw_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Rows as lists (for column-count checks)."""
        reader = csv.reader(io.StringIO(self._text, newline=""))
        next(reader, None)
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            yield reader.line_num, cells


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) as GTFS requires; Shift_JIS (cp932) as a fallback,
    because some Japanese operators still export from Excel that way."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp932", errors="replace")


def _header(text: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    return [c.strip().lstrip("\ufeff").strip().lower() for c in first]


class Feed:
    """A GTFS feed on disk: a folder of ``*.txt`` files or one ``.zip``.

    Inside a zip, files may sit in one sub-folder (a common export quirk); they are found
    by base name.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._zip_names: dict[str, str] = {}
        if self.path.is_file():
            with zipfile.ZipFile(self.path) as zf:
                for info in zf.infolist():
                    if info.is_dir():
                        continue
                    base = info.filename.rsplit("/", 1)[-1].lower()
                    if base.endswith(".txt") and not base.startswith("."):
                        self._zip_names.setdefault(base, info.filename)
        elif not self.path.is_dir():
            raise FileNotFoundError(f"GTFS feed not found: {self.path}")

    @property
    def is_zip(self) -> bool:
        return self.path.is_file()

    def files(self) -> list[str]:
        """Base names of the .txt files present (lower case)."""
        if self.is_zip:
            return sorted(self._zip_names)
        return sorted(p.name.lower() for p in self.path.iterdir() if p.suffix.lower() == ".txt")

    def has(self, name: str) -> bool:
        return name in self.files()

    def read_bytes(self, name: str) -> bytes | None:
        if self.is_zip:
            member = self._zip_names.get(name)
            if member is None:
                return None
            with zipfile.ZipFile(self.path) as zf:
                return zf.read(member)
        for p in self.path.iterdir():
            if p.name.lower() == name and p.is_file():
                return p.read_bytes()
        return None

    def table(self, name: str) -> Table | None:
        """The table, or None when the file is absent. An empty file is an empty table."""
        data = self.read_bytes(name)
        if data is None:
            return None
        text = decode(data)
        if not text.strip():
            return Table(name, [], "")
        return Table(name, _header(text), text)
