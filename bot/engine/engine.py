"""Engine: the one channel-agnostic entry point (question in, cited answer out).

(Interface first; the implementation is being written in this file.)
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.engine.types import Answer, HouseContext, Question


class Engine:
    settings: Settings
    knowledge: Any  # ingest.knowledge.Knowledge

    @classmethod
    def open(cls, settings: Settings, *, auto_ingest: bool = True) -> "Engine":
        """Load knowledge + index (ingesting first when the store is missing or stale)."""
        raise NotImplementedError

    def answer(self, question: Question) -> Answer:
        """Route to garbage/sorting/transit answerers, else retrieval. Never raises for bad input."""
        raise NotImplementedError

    def context(self, house_id: str | None, lang: str = "ja") -> HouseContext:
        """Resolve a house id (None -> default house); raises UnknownHouse."""
        raise NotImplementedError

    def briefing(self, house_id: str | None, now: datetime, lang: str) -> Answer:
        """Morning briefing: weather + today's garbage + next bus (see bot.engine.briefing)."""
        raise NotImplementedError

    def reload(self) -> Any:
        """Re-ingest; returns an IngestReport (changed files, or problems if invalid)."""
        raise NotImplementedError

    def health(self) -> dict[str, Any]:
        raise NotImplementedError
