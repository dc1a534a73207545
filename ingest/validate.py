"""Validate the whole knowledge folder before anything is indexed.

Returns every problem (``path:line: message``) at once; never prints. The garbage and
GTFS checks belong to their own modules and are called from here, so `concierge
validate` and ingest see one list.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ingest.expiry import endings
from ingest.faq import FAQ_NAME, faq_paths, load_faq
from ingest.garbage.validate import sorting_category_warnings, validate_area_garbage, validate_garbage_areas
from ingest.knowledge import Area, House, Knowledge, load_knowledge
from ingest.problems import KnowledgeError, Problem
from ingest.retrieval.documents import DOC_SUFFIXES, Section, read_document
from ingest.transit.timetables import validate_feed

log = logging.getLogger(__name__)

_IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_DATA_NAMES = {"house.yaml", "area.yaml", "garbage.yaml", "sorting.csv", "sorting.en.csv", FAQ_NAME}


@dataclass
class DocFile:
    rel: str
    path: Path
    scope: str  # "house" | "area"
    house: str
    area: str
    sections: list[Section]
    hash: str


@dataclass
class DataFile:
    rel: str
    kind: str  # "garbage" | "sorting" | "gtfs"
    area: str
    path: Path
    hash: str


@dataclass
class Scan:
    knowledge: Knowledge
    docs: list[DocFile] = field(default_factory=list)
    data: list[DataFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: Not errors (ingest goes on): unfilled template lines, assumed languages.
    warnings: list[Problem] = field(default_factory=list)
    #: What was decided about each document ("houses/h/check-in.md: en (content)").
    decisions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(q for q in path.rglob("*") if q.is_file()):
            h.update(p.relative_to(path).as_posix().encode() + b"\0")
            h.update(p.read_bytes())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()[:32]


def fingerprint(root: Path) -> str:
    """A cheap stat-based fingerprint: tells "maybe changed" without reading files."""
    h = hashlib.sha1()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _check_garbage(scan: Scan, root: Path) -> None:
    for area in scan.knowledge.areas.values():
        targets: list[tuple[str, Path]] = []
        if area.garbage_dir:
            targets.append(("garbage", area.garbage_dir))
        if area.garbage_yaml:
            targets.append(("garbage", area.garbage_yaml))
        if area.sorting_csv:
            targets.append(("sorting", area.sorting_csv))
        for kind, path in targets:
            scan.data.append(DataFile(path.relative_to(root).as_posix() + ("/" if path.is_dir() else ""),
                                      kind, area.id, path, file_hash(path)))
        if targets:
            scan.problems.extend(validate_area_garbage(area, root))
            scan.warnings.extend(sorting_category_warnings(area, root))
    scan.problems.extend(validate_garbage_areas(scan.knowledge, root))


def _check_gtfs(scan: Scan, root: Path) -> None:
    for area in scan.knowledge.areas.values():
        feed = area.gtfs
        if feed is None:
            continue
        rel = feed.relative_to(root).as_posix() + ("/" if feed.is_dir() else "")
        scan.data.append(DataFile(rel, "gtfs", area.id, feed, file_hash(feed)))
        scan.problems.extend(validate_feed(feed, rel))


def scan_knowledge(root: Path | str, today: date | None = None) -> Scan:
    """Load and check every file; documents come back parsed, ready for chunking.

    ``today`` (default: today in the site's time zone) dates the warnings about calendars
    and feeds that have ended or end soon."""
    root = Path(root).resolve()
    knowledge, problems = load_knowledge(root)
    scan = Scan(knowledge, problems=list(problems))
    for kind, folders in (("house", knowledge.houses.values()), ("area", knowledge.areas.values())):
        for owner in folders:
            base = owner.dir
            prior = _languages(knowledge, owner.id, kind)
            for path in sorted(base.rglob("*")):
                if not path.is_file() or path.name in _IGNORED_NAMES or path.name.startswith("~$"):
                    continue
                rel = path.relative_to(root).as_posix()
                inside = path.relative_to(base).parts
                if inside[0] in ("garbage", "gtfs") or path.name in _DATA_NAMES:
                    continue  # calendars and feeds have their own checks
                if path.suffix.lower() not in DOC_SUFFIXES:
                    scan.notices.append(f"{rel}: ignored (not .md, .txt, .pdf or .docx)")
                    continue
                loaded = read_document(path, root, prior)
                sections, errs = loaded.sections, loaded.problems
                scan.problems.extend(errs)
                scan.warnings.extend(loaded.warnings)
                if loaded.meta is not None:
                    scan.decisions.append(f"{rel}: {loaded.meta.lang} ({loaded.meta.lang_source})")
                if errs:
                    continue
                house_id = owner.id if isinstance(owner, House) else ""
                area_id = owner.area_id if isinstance(owner, House) else owner.id
                scan.docs.append(DocFile(rel, path, kind, house_id, area_id, sections, file_hash(path)))
    _check_garbage(scan, root)
    _check_gtfs(scan, root)
    _check_faq(scan, root)
    if not scan.problems:  # data that cannot be read is reported as such, not as ending
        day = today or datetime.now(knowledge.timezone).date()
        scan.warnings.extend(e.warning(day) for e in endings(knowledge, day))
    scan.problems.sort()
    scan.warnings.sort()
    return scan


def _check_faq(scan: Scan, root: Path) -> None:
    """Curated answers (ingest.faq): every entry checked, problems with their line."""
    owners: list[House | Area] = [*scan.knowledge.houses.values(), *scan.knowledge.areas.values()]
    for owner in owners:
        for path in faq_paths(owner.dir):
            area = owner.area_id if isinstance(owner, House) else owner.id
            scan.data.append(DataFile(path.relative_to(root).as_posix(), "faq", area, path, file_hash(path)))
            scan.problems.extend(load_faq(path, root).problems)


def _languages(knowledge: Knowledge, owner_id: str, kind: str) -> tuple[str, ...]:
    """The languages a file is expected in: its house's, or for an area file those of the
    area's houses (most common first)."""
    if kind == "house":
        return tuple(knowledge.houses[owner_id].languages)
    counts: dict[str, int] = {}
    for house in knowledge.houses.values():
        if house.area_id == owner_id:
            for i, lang in enumerate(house.languages):
                counts[lang] = counts.get(lang, 0) + 10 - min(i, 9)
    return tuple(sorted(counts, key=lambda k: -counts[k]))


def validate(root: Path | str) -> list[Problem]:
    try:
        return scan_knowledge(root).problems
    except KnowledgeError as exc:
        return exc.problems
