"""The channel-agnostic contract: a Question goes in, an Answer with its Sources comes out.

LINE, Alexa and the CLI only ever build a :class:`Question` and render an :class:`Answer`;
everything between lives in ``bot.engine``. Nothing here imports a channel SDK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ingest.knowledge import Area, House

if TYPE_CHECKING:
    from bot.engine.houses import HouseDirectory

#: Audiences a question can come from. Staff-only sections are never used for stayers.
STAYERS = "stayers"
STAFF = "staff"


@dataclass(frozen=True)
class Question:
    """One question from one house at one moment.

    ``now`` must be timezone-aware; it decides "today", "tomorrow", the next bus and which
    seasonal sections apply. ``lang`` is detected from the text when not given.
    """

    text: str
    house_id: str
    now: datetime
    lang: str | None = None
    audience: str = STAYERS
    channel: str = "cli"


@dataclass(frozen=True)
class Source:
    """Where an answer came from. ``path`` is relative to the knowledge folder."""

    path: str
    heading: str = ""
    score: float = 0.0
    label: str = ""  # human citation, e.g. "DOTO HOUSE manual > Heating"


@dataclass
class Answer:
    """What every channel renders.

    ``text`` is the full written answer (LINE, CLI, Alexa card). ``speech`` is an optional
    short spoken form; when empty, the Alexa adapter shortens ``text``. ``data`` carries
    structured results (e.g. a week's garbage days for LINE's Flex message) for channels
    that can show more than text.
    """

    text: str
    lang: str
    intent: str
    confidence: float
    abstained: bool = False
    sources: list[Source] = field(default_factory=list)
    speech: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The `concierge ask --json` contract (keep stable)."""
        return {
            "answer": self.text,
            "lang": self.lang,
            "intent": self.intent,
            "confidence": round(float(self.confidence), 4),
            "abstained": self.abstained,
            "sources": [
                {"path": s.path, "heading": s.heading, "score": round(float(s.score), 4)}
                for s in self.sources
            ],
        }


class Answerer(Protocol):
    """A specialised answerer (garbage days, sorting, buses...).

    Returns ``None`` when the question is not one it recognises, so the engine tries the
    next answerer and finally falls back to retrieval.
    """

    name: str

    def answer(self, question: Question, ctx: HouseContext) -> Answer | None: ...


@dataclass(frozen=True)
class BriefingLine:
    """One line a domain adds to the morning briefing (e.g. today's garbage, the next bus).

    ``key`` names it in ``Answer.data``; ``data`` is what structured channels show.
    """

    key: str
    text: str
    data: Any
    source: Source | None = None


class BriefingPart(Protocol):
    """An answerer that also contributes a line to the morning briefing."""

    def brief(self, ctx: HouseContext, now: datetime, lang: str) -> BriefingLine | None: ...


@dataclass
class HouseContext:
    """Everything an answerer may need about the asking house, resolved once per question.

    ``retrieve`` answers a question by retrieval over the house's and area's documents; a
    specialised answerer uses it to add e.g. the taxi section when no bus runs.
    """

    house: House
    area: Area | None
    knowledge_root: str
    lang: str
    retrieve: Callable[[Question], Answer]


class ReloadReport(Protocol):
    """What a reload tells its caller (``ingest.pipeline.IngestReport`` satisfies it)."""

    @property
    def ok(self) -> bool: ...

    def summary(self, lang: str = "en") -> str: ...


class ConciergeEngine(Protocol):
    """What every channel (LINE, Alexa, the CLI, the web app) needs from the engine.

    Channels depend on this, not on :class:`bot.engine.engine.Engine`, so that a test can
    stand in a small fake and the engine's internals stay free to change.
    """

    @property
    def houses(self) -> HouseDirectory: ...

    def answer(self, question: Question) -> Answer: ...

    def briefing(self, house_id: str | None, now: datetime, lang: str) -> Answer: ...

    def reload(self) -> ReloadReport: ...

    def health(self) -> dict[str, Any]: ...
