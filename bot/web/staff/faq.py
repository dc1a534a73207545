"""The console's side of curated FAQ answers (the format and its API belong to ingest).

"Write the answer" on the Questions page saves one entry through the FAQ module's own API,
so the console never writes the format by hand; the save is validated like every other
change (a shadow folder and ``scan_knowledge``) before it reaches the knowledge folder.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FaqResult:
    path: str = ""
    problems: list[str] = field(default_factory=list)


def available() -> bool:
    """True when this version has the FAQ format (``ingest.faq``)."""
    return importlib.util.find_spec("ingest.faq") is not None


def add_entry(staff: Any, house: str, variants: list[str], answer: str, lang: str, actor: str) -> FaqResult:
    return FaqResult(problems=["the FAQ format is not available in this version"])
