"""Build the skill package that ``ask deploy`` (ASK CLI v2) uploads, for a self-hosted endpoint.

Layout written into the output folder::

    ask-resources.json                              skillMetadata only: no code, no deployer
    skill-package/skill.json                        the manifest template, endpoint filled in
    skill-package/interactionModels/custom/ja-JP.json
    skill-package/interactionModels/custom/en-US.json

``ask-resources.json`` has no ``code`` and no ``skillInfrastructure`` section: the ASK CLI
then deploys the skill metadata only (its docs: the code step "is skippable when you
remove the entire code field"), which is what a skill served by our own HTTPS server
(``concierge serve`` at ``/alexa``) needs.

The interaction models are the templates in ``models/`` with one change: the values of
the ``BusDestination`` slot type are the bus stops of the knowledge folder's GTFS feeds
(every area's). ja-JP: the stop name, with its kana reading from ``translations.txt``
and the form without a trailing 前 as synonyms; en-US: the English name from
``translations.txt``, else the Hepburn reading of the kana (as the bus answers say it).
The feeds are read exactly as ingest reads them: each is compiled into a throw-away
timetable index and its stops read back, so a feed that packages is a feed that
ingests, and the slot values are the names the bus answerer matches against. Slot values
only help Alexa recognise a destination; the skill receives whatever was heard, so
nothing here changes what can be answered.

Alexa allows 50,000 custom slot values (synonyms counted here too, to stay on the safe
side) per interaction model; stops beyond that are left out with a notice.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.transit.query import TransitIndex
from ingest.knowledge import Knowledge, load_knowledge
from ingest.problems import KnowledgeError, Problem
from ingest.transit.timetables import build_index
from text.normalize import compact
from text.romaji import romanize

SKILL_DIR = Path(__file__).resolve().parent
LOCALES = ("ja-JP", "en-US")
DESTINATION_TYPE = "BusDestination"

#: ASK CLI v2 project config version (the only one it knows).
ASK_RESOURCES_VERSION = "2020-03-31"
PACKAGE_DIR = "skill-package"

#: The manifest's ``sslCertificateType`` values (SMAPI schema, v1.skill.Manifest.SSLCertificateType).
#: Trusted: a certificate from a trusted CA for the endpoint's host (required for
#: certification); Wildcard: a wildcard certificate from a trusted CA; SelfSigned: tests only.
CERTIFICATE_TYPES = ("Trusted", "Wildcard", "SelfSigned")

#: Alexa: "a skill can have a total of 50,000 custom slot values, totaled across all custom
#: slots used in the interaction model". Synonyms are counted as values here (cautious).
MAX_SLOT_ENTRIES = 50_000
#: A cautious bound on one value or synonym (stop names are far shorter).
MAX_VALUE_CHARS = 100

#: Used only when the knowledge folder has no bus stop at all (a custom slot type needs values).
GENERIC_DESTINATIONS = {
    "ja-JP": ("駅", "空港", "病院", "バスターミナル", "市役所"),
    "en-US": ("the station", "the airport", "the hospital", "the bus terminal", "city hall"),
}

_PARENS = re.compile(r"[(（]([^()（）]*)[)）]")
_KANA = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff\s・ー]+$")


class PackageError(Exception):
    """The package cannot be built; the message is one line, meant for the operator."""


@dataclass
class Destination:
    """One place a stayer can name: every stop sharing one written name, across the feed."""

    name: str
    readings: list[str] = field(default_factory=list)  # kana (GTFS-JP ja-Hrkt)
    english: list[str] = field(default_factory=list)


@dataclass
class PackageReport:
    out: Path
    destinations: dict[str, int]  # locale -> BusDestination values written
    notices: list[str]

    def summary(self) -> str:
        counts = ", ".join(f"{loc}: {n} bus destinations" for loc, n in self.destinations.items())
        return f"wrote the skill package to {self.out} ({counts})"


# -- inputs ---------------------------------------------------------------------------


def check_endpoint(url: str) -> str:
    """The endpoint as Alexa accepts it: an https URL with a host, on port 443."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise PackageError(f"--endpoint {url!r} is not a URL") from None
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise PackageError(f"--endpoint must be an https:// URL such as https://bot.example.jp/alexa, not {url!r}")
    if port not in (None, 443):
        raise PackageError(f"--endpoint must use port 443 (the only port Alexa calls), not {port}")
    if parts.username or parts.password or parts.fragment or re.search(r"\s", url):
        raise PackageError(f"--endpoint {url!r} must not carry credentials, a fragment or spaces")
    return url


def _key(text: str) -> str:
    """Comparison form: NFKC, case-folded, katakana as hiragana, letters and digits only."""
    return compact(text)


def _is_latin(text: str) -> bool:
    """Latin script only (en-US slot values): ASCII and the Latin Extended letters (ō)."""
    return any(c.isalpha() for c in text) and all(ord(c) < 0x250 for c in text)


def _romanized(reading: str) -> str:
    """"みたら・すいぞくかんまえ" -> "Mitara Suizokukanmae"."""
    return " ".join(romanize(part) for part in re.split(r"[\s・]+", reading) if part)


def _spoken(text: str) -> str:
    """The name without its parenthesised aside: "東陵公園（北口）" -> "東陵公園"."""
    text = " ".join(text.split())
    return " ".join(_PARENS.sub(" ", text).split()) or text


def _problem_line(problems: list[Problem]) -> str:
    first = min(problems)
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"the knowledge folder is invalid: {first}{more}; run `concierge validate`"


def load_destinations(root: Path) -> tuple[list[Destination], list[str]]:
    """Every area's bus stops (areas in id order, stops in feed order), and notices."""
    try:
        knowledge, problems = load_knowledge(root)
    except KnowledgeError as exc:
        raise PackageError(_problem_line(exc.problems)) from None
    if problems:
        raise PackageError(_problem_line(problems))
    notices: list[str] = []
    found: dict[str, Destination] = {}
    with tempfile.TemporaryDirectory(prefix="concierge-alexa-") as tmp:
        for area in sorted(knowledge.areas.values(), key=lambda a: a.id):
            feed = area.gtfs
            if feed is None:
                notices.append(f"area {area.id!r} has no GTFS feed: none of its stops are slot values")
                continue
            for d in _feed_destinations(knowledge, feed, Path(tmp) / f"{area.id}.sqlite"):
                have = found.get(_key(d.name))
                if have is None:
                    found[_key(d.name)] = d
                else:
                    have.readings += [r for r in d.readings if r not in have.readings]
                    have.english += [e for e in d.english if e not in have.english]
    return list(found.values()), notices


def _feed_destinations(knowledge: Knowledge, feed: Path, out: Path) -> list[Destination]:
    try:
        build_index(feed, out, knowledge.rel(feed))
    except KnowledgeError as exc:
        raise PackageError(_problem_line(exc.problems)) from None
    except OSError as exc:
        raise PackageError(f"cannot read the GTFS feed {knowledge.rel(feed)}: {exc.strerror or exc}") from None
    index = TransitIndex(out, knowledge.timezone)
    try:
        groups: dict[str, Destination] = {}
        for stop in index.stops:
            name = stop.name.strip()
            if stop.location_type not in (0, 1) or not _key(name):
                continue
            d = groups.setdefault(_key(name), Destination(name))
            if stop.kana and stop.kana not in d.readings:
                d.readings.append(stop.kana)
            if stop.en and stop.en not in d.english:
                d.english.append(stop.en)
        return list(groups.values())
    finally:
        index.close()


# -- slot values ----------------------------------------------------------------------


def _ja_words(d: Destination) -> list[tuple[str, bool]]:
    """(word, derived): the written name first, its kana readings, and the forms without
    the trailing 前/まえ people leave out (derived)."""
    base = _spoken(d.name)
    words = [(base, False)]
    if base.endswith("前") and len(base) > 2:
        words.append((base[:-1], True))  # 北見駅前 -> 北見駅
    for reading in d.readings:
        r = "".join(reading.replace("・", " ").split())
        if _KANA.match(r):
            words.append((r, False))
            if base.endswith("前") and r.endswith("まえ") and len(r) > 3:
                words.append((r[:-2], True))
    return words


def _en_words(d: Destination) -> list[tuple[str, bool]]:
    """The English names (feed translations), else the Hepburn reading as the bus
    answers say it."""
    words = [_spoken(name) for name in d.english]
    if not words:
        words = [_romanized(r) for r in d.readings if _KANA.match(r)]
    return [(w, False) for w in words if _is_latin(w)]


def slot_values(destinations: list[Destination], locale: str, budget: int) -> tuple[list[dict[str, Any]], int]:
    """``BusDestination`` values for ``locale`` within ``budget`` entries (values plus
    synonyms), and how many destinations were left out for the budget.

    Every word appears once in the type; a word a stop has of its own (its name, reading,
    English name) wins over a shortened form derived from another stop's name, so a feed
    with both 北見駅 and 北見駅前 keeps 北見駅 as the first one's value.
    """
    words_of = _ja_words if locale == "ja-JP" else _en_words
    candidates = [[(w, derived) for w, derived in words_of(d) if _key(w) and len(w) <= MAX_VALUE_CHARS]
                  for d in destinations]
    own = {_key(w) for words in candidates for w, derived in words if not derived}
    seen: set[str] = set()
    values: list[dict[str, Any]] = []
    used = left_out = 0
    for cand in candidates:
        if not cand or cand[0][1] or _key(cand[0][0]) in seen:
            continue
        words: list[str] = []
        keys: set[str] = set()
        for w, derived in cand:
            k = _key(w)
            if k not in keys and k not in seen and not (derived and k in own):
                words.append(w)
                keys.add(k)
        if used + len(words) > budget:
            left_out += 1
            continue
        seen |= keys
        used += len(words)
        entry: dict[str, Any] = {"value": words[0]}
        if words[1:]:
            entry["synonyms"] = words[1:]
        values.append({"name": entry})
    return values, left_out


# -- the package ----------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise PackageError(f"cannot read the template {path}: {exc}") from None


def _model(locale: str, destinations: list[Destination], notices: list[str]) -> tuple[dict[str, Any], int]:
    model = copy.deepcopy(_read_json(SKILL_DIR / "models" / f"{locale}.json"))
    types = model["interactionModel"]["languageModel"].get("types", [])
    target = next((t for t in types if t.get("name") == DESTINATION_TYPE), None)
    if target is None:
        raise PackageError(f"the {locale} model template has no {DESTINATION_TYPE} slot type")
    others = sum(1 + len(v["name"].get("synonyms", [])) for t in types if t is not target
                 for v in t.get("values", []))
    values, left_out = slot_values(destinations, locale, MAX_SLOT_ENTRIES - others)
    if left_out:
        notices.append(f"{locale}: {left_out} bus stops left out (Alexa allows {MAX_SLOT_ENTRIES:,} slot values)")
    if not values:
        notices.append(f"{locale}: no bus stop names for this locale; {DESTINATION_TYPE} keeps generic examples")
        values = [{"name": {"value": w}} for w in GENERIC_DESTINATIONS[locale]]
    target["values"] = values
    return model, len(values)


def _manifest(endpoint: str, certificate: str) -> dict[str, Any]:
    manifest = copy.deepcopy(_read_json(SKILL_DIR / "skill.json"))
    manifest["manifest"].setdefault("apis", {}).setdefault("custom", {})["endpoint"] = {
        "uri": endpoint,
        "sslCertificateType": certificate,
    }
    return manifest


def ask_resources() -> dict[str, Any]:
    """Metadata only: without ``code``/``skillInfrastructure`` the ASK CLI deploys no code."""
    return {"askcliResourcesVersion": ASK_RESOURCES_VERSION,
            "profiles": {"default": {"skillMetadata": {"src": f"./{PACKAGE_DIR}"}}}}


def _write(out: Path, files: dict[str, dict[str, Any]]) -> None:
    if out.exists() and not out.is_dir():
        raise PackageError(f"--out {out} exists and is not a folder")
    try:
        for rel, data in files.items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, path)
    except OSError as exc:
        raise PackageError(f"cannot write to {out}: {exc.strerror or exc}") from None


def build_package(knowledge: Path, endpoint: str, out: Path, certificate: str = "Trusted") -> PackageReport:
    """Write the skill package for ``endpoint`` into ``out`` (files of earlier runs are
    replaced; anything else there, such as ``.ask/ask-states.json``, is kept)."""
    endpoint = check_endpoint(endpoint)
    if certificate not in CERTIFICATE_TYPES:
        raise PackageError(f"sslCertificateType must be one of {', '.join(CERTIFICATE_TYPES)}")
    destinations, notices = load_destinations(Path(knowledge))
    files: dict[str, dict[str, Any]] = {
        "ask-resources.json": ask_resources(),
        f"{PACKAGE_DIR}/skill.json": _manifest(endpoint, certificate),
    }
    counts: dict[str, int] = {}
    for locale in LOCALES:
        model, counts[locale] = _model(locale, destinations, notices)
        files[f"{PACKAGE_DIR}/interactionModels/custom/{locale}.json"] = model
    _write(Path(out), files)
    return PackageReport(Path(out), counts, notices)
