"""The console's side of curated FAQ answers (the format and its API belong to ingest).

"Write the answer" on the Questions page saves one entry through the FAQ module's own API,
so the console never writes the format by hand; the save is validated like every other
change (a shadow folder and ``scan_knowledge``) before it reaches the knowledge folder.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.web.staff.checks import Change


@dataclass
class FaqResult:
    path: str = ""
    problems: list[str] = field(default_factory=list)


def available() -> bool:
    """True when this version has the FAQ format (``ingest.faq``)."""
    return importlib.util.find_spec("ingest.faq") is not None


def add_entry(staff: Any, house: str, variants: list[str], answer: str, lang: str, actor: str) -> FaqResult:
    """Append one entry to the house's faq.yaml: tried on a copy, checked with the whole
    folder, and only then written (by ``ingest.faq.append_entry``, atomically)."""
    from ingest.faq import FAQ_NAME, FaqEntry, append_entry

    rel = f"houses/{house}/{FAQ_NAME}"
    path = staff.files.path(rel)
    entry = FaqEntry(questions=variants, answers={lang: answer} if answer else {})
    work = Path(staff.checker.work_dir)
    work.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = Path(tempfile.mkdtemp(prefix="faq-", dir=work))
    try:
        candidate = tmp / FAQ_NAME
        if path.exists():
            shutil.copyfile(path, candidate)
        try:
            append_entry(candidate, entry)
        except ValueError as exc:
            return FaqResult(rel, [f"{rel}:0: {exc}"])
        data = candidate.read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    verdict = staff.checker.check(Change(writes={rel: data}))
    if not verdict.ok:
        return FaqResult(rel, [str(p) for p in verdict.problems])
    append_entry(path, entry)
    return FaqResult(rel)
