"""Optional answer generation through a langchain chat model.

Off by default (the extractive composer needs no model). With ``CONCIERGE_LLM=openai``
(any OpenAI-compatible endpoint: ``CONCIERGE_LLM_BASE_URL``, ``CONCIERGE_LLM_MODEL``,
``OPENAI_API_KEY``) or ``CONCIERGE_LLM=ollama``, the retrieved sections are given to the
model with a grounded prompt. The same abstain rule applies before the model is asked,
and the model's own "UNKNOWN" becomes an abstention, so it cannot invent an answer the
sections do not hold.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from bot.engine.contract import Answer, Source
from bot.retrieval.compose import ComposeConfig, abstain, clean_markdown, first_sentences, label_of
from bot.retrieval.search import Hit
from ingest.knowledge import House

if TYPE_CHECKING:  # langchain's chat layer takes 0.6 s to import; only a configured model needs it
    from langchain_core.language_models.chat_models import BaseChatModel


@dataclass(frozen=True)
class LLMConfig:
    """An optional chat model for grounded generation (``CONCIERGE_LLM``)."""

    provider: str  # "openai" (any OpenAI-compatible endpoint) or "ollama"
    model: str = ""
    base_url: str = ""


class LLMConfigError(ValueError):
    """The configured chat model cannot be built (the message says what to install or set)."""


log = logging.getLogger(__name__)

LANG_NAMES = {"ja": "Japanese", "en": "English", "zh": "Simplified Chinese", "ko": "Korean"}
SYSTEM = (
    "You are the concierge of a guest house in Japan. Answer ONLY from the numbered sections "
    "below. If they do not contain the answer, reply with exactly UNKNOWN. Answer in {lang} "
    "(the sections may be in another language: translate what you use, faithfully), "
    "in at most three short sentences, and end with the numbers of the sections you used, "
    "like [1]. Never invent phone numbers, codes, times or prices."
)


def chat_model(cfg: LLMConfig) -> BaseChatModel:
    """The configured chat model; raises LLMConfigError when it cannot be built."""
    provider = cfg.provider
    try:
        if provider == "openai":
            from langchain_openai import ChatOpenAI

            return cast("BaseChatModel", ChatOpenAI(model=cfg.model or "gpt-4o-mini", base_url=cfg.base_url or None,
                                                  temperature=0, timeout=20))
        if provider == "ollama":
            from langchain_ollama import ChatOllama

            return cast("BaseChatModel", ChatOllama(model=cfg.model or "qwen2.5:7b", base_url=cfg.base_url or None,
                                                  temperature=0))
    except ImportError as exc:
        raise LLMConfigError(f"CONCIERGE_LLM={provider} needs the package {exc.name!r} "
                             f"(pip install langchain-{provider})") from None
    raise LLMConfigError(f"CONCIERGE_LLM must be 'openai' or 'ollama', not {provider!r}")


def build_messages(question: str, lang: str, hits: list[Hit]) -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    context = "\n\n".join(
        f"[{i}] {label_of(h)}\n{clean_markdown(h.text)}" for i, h in enumerate(hits, start=1)
    )
    return [
        SystemMessage(SYSTEM.format(lang=LANG_NAMES.get(lang, "Japanese"))),
        HumanMessage(f"Sections:\n{context}\n\nQuestion: {question}"),
    ]


def generate(model: BaseChatModel, question: str, lang: str, hits: list[Hit], house: House,
             cfg: ComposeConfig, confidence: float) -> Answer:
    if not hits or confidence < cfg.abstain_below:
        return abstain(lang, house, max(0.0, confidence))
    hits = hits[:3]
    try:
        reply = model.invoke(build_messages(question, lang, hits))
    except Exception as exc:  # network, quota, timeouts: fall back to extraction
        log.warning("chat model failed (%s); using the extractive answer", exc.__class__.__name__)
        from bot.retrieval.compose import compose

        return compose(question, lang, hits, house, cfg, confidence)
    text = str(reply.content).strip()
    if not text or "UNKNOWN" in text:
        return abstain(lang, house, max(0.0, confidence))
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text) if 1 <= int(n) <= len(hits)}) or [1]
    body = re.sub(r"\s*\[\d+\]", "", text).strip()
    sources = [Source(hits[n - 1].meta["path"], hits[n - 1].meta["heading"], hits[n - 1].score,
                      label_of(hits[n - 1])) for n in cited]
    return Answer(text=body, lang=lang, intent="retrieval", confidence=max(0.0, min(1.0, confidence)), sources=sources,
                  speech=first_sentences(body))
