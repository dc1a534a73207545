"""Curated answers (FAQ): the staff's fix for a question the bot answers badly.

One ``faq.yaml`` per house (``houses/<id>/faq.yaml``) or area (``areas/<id>/faq.yaml``):

```yaml
faq:
  - q: [Wi-Fiが遅い, wifi is slow, 와이파이가 느려요]     # ways stayers ask, any language
    a:                                                  # the answer, per language
      ja: ルーターの電源を10秒抜いてから入れ直してください。
      en: Unplug the router for 10 seconds and plug it back in.
    season: winter                                      # optional: winter | summer
    valid_from: 2026-11-01                              # optional dates (YYYY-MM-DD)
    valid_until: 2027-03-31
    audience: stayers                                   # optional: stayers (default) | staff
```

``q`` is one text or a list; ``a`` is one text (in the language it is written in) or a
mapping of ``ja``/``en``/``zh``/``ko``. An entry needs at least one question and one
answer. Problems come back as ``path:line`` like every other file.

The staff console writes entries through :func:`append_entry`, which validates the new
entry, writes the file atomically and re-reads it, so a screen can never leave the file
broken.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ingest.problems import Problem
from ingest.yamlfile import read_yaml
from text.detect import LANGS, detect_lang

FAQ_NAME = "faq.yaml"
SEASONS = ("all", "winter", "summer")
AUDIENCES = ("stayers", "staff")
_KEYS = {"q", "a", "season", "valid_from", "valid_until", "audience"}


@dataclass
class FaqEntry:
    """One curated answer. ``line`` is where it starts in its file (0 for a new one)."""

    questions: list[str]
    answers: dict[str, str]
    season: str = "all"
    valid_from: date | None = None
    valid_until: date | None = None
    audience: str = "stayers"
    path: str = ""
    line: int = 0

    def answer_in(self, lang: str) -> tuple[str, str]:
        """(language, answer): the stayer's language, else English, else Japanese, else any."""
        for lg in (lang, "en", "ja", *self.answers):
            if self.answers.get(lg):
                return lg, self.answers[lg]
        return lang, ""

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"q": list(self.questions), "a": dict(self.answers)}
        if self.season != "all":
            out["season"] = self.season
        if self.valid_from:
            out["valid_from"] = self.valid_from.isoformat()
        if self.valid_until:
            out["valid_until"] = self.valid_until.isoformat()
        if self.audience != "stayers":
            out["audience"] = self.audience
        return out


@dataclass
class FaqFile:
    entries: list[FaqEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def entry_problems(entry: FaqEntry) -> list[str]:
    """What is wrong with an entry (empty when valid); the messages say what to fix."""
    out: list[str] = []
    if not [q for q in entry.questions if q.strip()]:
        out.append("an FAQ entry needs at least one question under 'q'")
    if not [a for a in entry.answers.values() if a.strip()]:
        out.append("an FAQ entry needs an answer under 'a' (text, or ja:/en:/zh:/ko:)")
    bad = [lg for lg in entry.answers if lg not in LANGS]
    if bad:
        out.append(f"answer languages must be ja, en, zh or ko (not {', '.join(bad)})")
    if entry.season not in SEASONS:
        out.append(f"season {entry.season!r} must be winter or summer")
    if entry.audience not in AUDIENCES:
        out.append(f"audience {entry.audience!r} must be stayers or staff")
    if entry.valid_from and entry.valid_until and entry.valid_from > entry.valid_until:
        out.append("valid_until is before valid_from")
    return out


def _entry(raw: Any, rel: str, line: int) -> tuple[FaqEntry | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(rel, line, "each FAQ entry must be a mapping with 'q' and 'a'")]
    problems = [Problem(rel, line, f"unknown FAQ key {k!r} (use q, a, season, valid_from, valid_until, audience)")
                for k in raw if k not in _KEYS]
    q = raw.get("q")
    questions = [str(x) for x in q] if isinstance(q, list) else [str(q)] if q not in (None, "") else []
    a = raw.get("a")
    if isinstance(a, dict):
        answers = {str(k): str(v) for k, v in a.items() if v not in (None, "")}
    elif a not in (None, ""):
        answers = {detect_lang(str(a)): str(a)}
    else:
        answers = {}
    entry = FaqEntry(questions, answers, str(raw.get("season") or "all"), path=rel, line=line,
                     audience=str(raw.get("audience") or "stayers"))
    for key in ("valid_from", "valid_until"):
        if raw.get(key) is not None:
            try:
                setattr(entry, key, _date(raw[key]))
            except ValueError:
                problems.append(Problem(rel, line, f"{key} {raw[key]!r} is not a date (YYYY-MM-DD)"))
    problems += [Problem(rel, line, msg) for msg in entry_problems(entry)]
    if entry.audience not in AUDIENCES:
        entry.audience = "staff"  # fail closed, as for documents
    return entry, problems


def load_faq(path: Path, root: Path) -> FaqFile:
    """Every entry of one faq.yaml and every problem, with its line."""
    rel = path.relative_to(root).as_posix()
    doc, errs = read_yaml(path, rel)
    if doc is None:
        return FaqFile([], errs)
    data = doc.data
    at: tuple[str, ...] = ()
    if isinstance(data, dict) and set(data) <= {"faq"}:
        items, at = data.get("faq") or [], ("faq",)
    elif isinstance(data, list):
        items = data
    else:
        return FaqFile([], [Problem(rel, 1, "faq.yaml must hold 'faq:' followed by a list of entries")])
    if not isinstance(items, list):
        return FaqFile([], [Problem(rel, doc.line_of(*at), "'faq' must be a list of entries")])
    out = FaqFile()
    for i, raw in enumerate(items):
        entry, problems = _entry(raw, rel, doc.line_of(*at, i))
        out.problems += problems
        if entry is not None and not problems:
            out.entries.append(entry)
    return out


def append_entry(path: Path, entry: FaqEntry) -> FaqEntry:
    """Add ``entry`` to the faq.yaml at ``path`` (created when missing) and return it as
    stored (with its line). Raises ValueError, naming what to fix, for an invalid entry
    or when the file as it is cannot be read; the file is then left unchanged."""
    problems = entry_problems(entry)
    if problems:
        raise ValueError("; ".join(problems))
    items: list[Any] = []
    if path.exists():
        doc, errs = read_yaml(path, path.name)
        if doc is None:
            raise ValueError("; ".join(str(p) for p in errs))
        data = doc.data
        items = list(data.get("faq") or []) if isinstance(data, dict) else list(data) if isinstance(data, list) else []
    items.append(entry.to_yaml())
    text = yaml.safe_dump({"faq": items}, allow_unicode=True, sort_keys=False, width=1000)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".faq.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    stored = load_faq(path, path.parent).entries
    return stored[-1]


def faq_paths(owner_dir: Path) -> list[Path]:
    """The FAQ file of a house or area folder, when it has one."""
    p = owner_dir / FAQ_NAME
    return [p] if p.is_file() else []
