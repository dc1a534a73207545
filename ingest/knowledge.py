"""The knowledge folder's structure: site, houses and areas (see KNOWLEDGE_FORMAT.md).

This module reads only the YAML descriptions and locates the other files; documents,
calendars and timetables have their own loaders. ``load_knowledge`` never raises for bad
staff data: it returns what it could read plus every problem found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.problems import KnowledgeError, Problem
from ingest.yamlfile import LinedYaml, read_yaml

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Contact:
    label: dict[str, str]
    phone: str

    def label_in(self, lang: str) -> str:
        return localized(self.label, lang)


@dataclass
class House:
    id: str
    name: dict[str, str]
    area_id: str
    dir: Path
    garbage_area: str = ""
    stops: list[str] = field(default_factory=list)
    weather: dict[str, Any] | None = None
    languages: list[str] = field(default_factory=lambda: ["ja", "en"])
    contacts: list[Contact] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def name_in(self, lang: str) -> str:
        return localized(self.name, lang) or self.id


@dataclass
class Area:
    id: str
    dir: Path
    name: dict[str, str] = field(default_factory=dict)
    weather: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def garbage_dir(self) -> Path | None:
        p = self.dir / "garbage"
        return p if p.is_dir() else None

    @property
    def garbage_yaml(self) -> Path | None:
        p = self.dir / "garbage.yaml"
        return p if p.is_file() else None

    @property
    def sorting_csv(self) -> Path | None:
        p = self.dir / "sorting.csv"
        return p if p.is_file() else None

    @property
    def gtfs(self) -> Path | None:
        """The feed folder, or the single .zip inside ``gtfs/``."""
        p = self.dir / "gtfs"
        if not p.is_dir():
            return None
        zips = sorted(p.glob("*.zip"))
        if zips and not (p / "stops.txt").exists():
            return zips[0]
        return p

    def name_in(self, lang: str) -> str:
        return localized(self.name, lang) or self.id


@dataclass
class Knowledge:
    root: Path
    timezone: ZoneInfo
    default_house: str | None
    houses: dict[str, House]
    areas: dict[str, Area]

    def house(self, house_id: str) -> House:
        try:
            return self.houses[house_id]
        except KeyError:
            known = ", ".join(sorted(self.houses)) or "none"
            raise UnknownHouse(house_id, known) from None

    def area_of(self, house: House) -> Area | None:
        return self.areas.get(house.area_id)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


class UnknownHouse(LookupError):
    def __init__(self, house_id: str, known: str):
        self.house_id = house_id
        super().__init__(f"unknown house {house_id!r} (known houses: {known})")


def localized(value: dict[str, str] | str | None, lang: str) -> str:
    """Pick ``lang`` from a ``{ja:, en:}`` mapping, falling back to English then Japanese."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    for key in (lang, "en" if lang != "ja" else "ja", "ja", "en"):
        if value.get(key):
            return str(value[key])
    return next((str(v) for v in value.values() if v), "")


def _names(doc: LinedYaml, key: str, rel: str, problems: list[Problem]) -> dict[str, str]:
    value = doc.data.get(key)
    if value is None:
        return {}
    if isinstance(value, str):
        return {"ja": value, "en": value}
    if isinstance(value, dict) and all(isinstance(v, (str, int)) for v in value.values()):
        return {str(k): str(v) for k, v in value.items()}
    problems.append(Problem(rel, doc.line_of(key), f"'{key}' must be text or {{ja: ..., en: ...}}"))
    return {}


def _weather(doc: LinedYaml, rel: str, problems: list[Problem]) -> dict[str, Any] | None:
    w = doc.data.get("weather")
    if w is None:
        return None
    line = doc.line_of("weather")
    if not isinstance(w, dict):
        problems.append(Problem(rel, line, "'weather' must be {lat:, lon:} or {jma_office:, jma_area:, ...}"))
        return None
    if "lat" in w or "lon" in w:
        try:
            lat, lon = float(w["lat"]), float(w["lon"])
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(rel, line, "'weather' needs numeric lat and lon"))
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            problems.append(Problem(rel, line, "'weather' lat/lon out of range"))
            return None
        return {**w, "lat": lat, "lon": lon}
    if "jma_office" in w:
        if not re.fullmatch(r"\d{6}", str(w.get("jma_office", ""))):
            problems.append(Problem(rel, line, "'weather.jma_office' must be a 6-digit office code"))
            return None
        return {k: str(v) for k, v in w.items()}
    problems.append(Problem(rel, line, "'weather' needs lat/lon (Open-Meteo) or jma_office (JMA)"))
    return None


def _load_house(path: Path, root: Path, problems: list[Problem]) -> House | None:
    rel = path.relative_to(root).as_posix()
    doc, errs = read_yaml(path, rel)
    problems.extend(errs)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.append(Problem(rel, 1, "house.yaml must be a mapping of keys"))
        return None
    d = doc.data
    folder = path.parent.name
    hid = str(d.get("id", "")) if d.get("id") is not None else ""
    if not hid:
        problems.append(Problem(rel, 1, "missing required key 'id'"))
        hid = folder
    elif hid != folder:
        problems.append(Problem(rel, doc.line_of("id"), f"id {hid!r} must equal the folder name {folder!r}"))
    if not ID_RE.match(folder):
        problems.append(Problem(rel, 0, f"house folder {folder!r} is not a lower-case ASCII id with '-'"))
    area = d.get("area")
    if not area:
        problems.append(Problem(rel, 1, "missing required key 'area'"))
        area = ""
    stops_raw = d.get("stops") or []
    if not isinstance(stops_raw, list):
        problems.append(Problem(rel, doc.line_of("stops"), "'stops' must be a list of GTFS stop_ids"))
        stops_raw = []
    languages = d.get("languages") or ["ja", "en"]
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        problems.append(Problem(rel, doc.line_of("languages"), "'languages' must be a list like [ja, en]"))
        languages = ["ja", "en"]
    contacts: list[Contact] = []
    raw_contacts = d.get("contacts") or []
    if not isinstance(raw_contacts, list):
        problems.append(Problem(rel, doc.line_of("contacts"), "'contacts' must be a list"))
        raw_contacts = []
    for i, c in enumerate(raw_contacts):
        if not isinstance(c, dict) or not c.get("phone"):
            problems.append(Problem(rel, doc.line_of("contacts", i), "each contact needs a 'phone' (and a 'label')"))
            continue
        label = c.get("label") or {}
        if isinstance(label, str):
            label = {"ja": label, "en": label}
        contacts.append(Contact(label={str(k): str(v) for k, v in label.items()}, phone=str(c["phone"])))
    garbage_area = d.get("garbage_area") or ""
    return House(
        id=hid,
        name=_names(doc, "name", rel, problems) or {"ja": hid, "en": hid},
        area_id=str(area),
        dir=path.parent,
        garbage_area=str(garbage_area),
        stops=[str(s) for s in stops_raw],
        weather=_weather(doc, rel, problems),
        languages=list(languages),
        contacts=contacts,
        raw=d,
    )


def _load_area(folder: Path, root: Path, problems: list[Problem]) -> Area:
    area = Area(id=folder.name, dir=folder, name={"ja": folder.name, "en": folder.name})
    if not ID_RE.match(folder.name):
        problems.append(Problem(folder.relative_to(root).as_posix(), 0,
                                f"area folder {folder.name!r} is not a lower-case ASCII id with '-'"))
    path = folder / "area.yaml"
    if path.is_file():
        rel = path.relative_to(root).as_posix()
        doc, errs = read_yaml(path, rel)
        problems.extend(errs)
        if doc is not None:
            if not isinstance(doc.data, dict):
                problems.append(Problem(rel, 1, "area.yaml must be a mapping of keys"))
            else:
                area.name = _names(doc, "name", rel, problems) or area.name
                area.weather = _weather(doc, rel, problems)
                area.raw = doc.data
    return area


def load_knowledge(root: Path | str) -> tuple[Knowledge, list[Problem]]:
    """Read site.yaml, every house.yaml and area.yaml; return the model and all problems."""
    root = Path(root).resolve()
    problems: list[Problem] = []
    tz = ZoneInfo("Asia/Tokyo")
    default_house = None
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), 0, "knowledge folder does not exist")])
    site = root / "site.yaml"
    if site.is_file():
        doc, errs = read_yaml(site, "site.yaml")
        problems.extend(errs)
        if doc is not None and isinstance(doc.data, dict):
            tzname = doc.data.get("timezone") or "Asia/Tokyo"
            try:
                tz = ZoneInfo(str(tzname))
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(Problem("site.yaml", doc.line_of("timezone"), f"unknown timezone {tzname!r}"))
            default_house = doc.data.get("default_house")
        elif doc is not None:
            problems.append(Problem("site.yaml", 1, "site.yaml must be a mapping of keys"))

    areas: dict[str, Area] = {}
    if (root / "areas").is_dir():
        for folder in sorted(p for p in (root / "areas").iterdir() if p.is_dir()):
            areas[folder.name] = _load_area(folder, root, problems)

    houses: dict[str, House] = {}
    seen_ids: dict[str, str] = {}
    houses_dir = root / "houses"
    folders = sorted(p for p in houses_dir.iterdir() if p.is_dir()) if houses_dir.is_dir() else []
    if folders:
        for folder in folders:
            path = folder / "house.yaml"
            if not path.is_file():
                problems.append(Problem(folder.relative_to(root).as_posix() + "/house.yaml", 0,
                                        "missing house.yaml (required for each house)"))
                continue
            house = _load_house(path, root, problems)
            if house is None:
                continue
            rel = path.relative_to(root).as_posix()
            if house.id in seen_ids:
                problems.append(Problem(rel, 1, f"duplicate house id {house.id!r} (also in {seen_ids[house.id]})"))
                continue
            seen_ids[house.id] = rel
            if house.area_id and house.area_id not in areas:
                problems.append(Problem(rel, 0, f"area {house.area_id!r} has no folder areas/{house.area_id}/"))
            houses[house.id] = house
    if not folders:
        problems.append(Problem("houses/", 0, "no house found (each house needs houses/<id>/house.yaml)"))
    if default_house is not None and str(default_house) not in {f.name for f in folders}:
        problems.append(Problem("site.yaml", 0, f"default_house {default_house!r} is not a house folder"))
        default_house = None
    elif default_house is not None and str(default_house) not in houses:
        default_house = None  # its house.yaml is invalid and already reported
    return Knowledge(root, tz, str(default_house) if default_house else None, houses, areas), problems
