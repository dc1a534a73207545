"""Engine: the one channel-agnostic entry point (question in, cited answer out).

LINE, Alexa and the CLI build a :class:`Question` and render the :class:`Answer`. The
engine resolves the house, detects the language, asks the specialised answerers (garbage
days, sorting, buses: computed from data, never guessed) and falls back to hybrid
retrieval with the no-LLM composer (or a configured chat model).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from bot.config import Settings
from bot.retrieval.compose import ComposeConfig, compose
from text.lang import detect_lang, phrase
from bot.retrieval.search import FusionConfig, Retriever, Scope
from bot.engine.contract import STAFF, Answer, Answerer, HouseContext, Question
from ingest.retrieval.embeddings import make_embeddings, model_id
from ingest.knowledge import House, Knowledge, UnknownHouse, load_knowledge
from ingest.pipeline import IngestReport, ingest, is_stale
from ingest.problems import KnowledgeError
from ingest.retrieval.store import VectorStore, read_manifest, read_published

log = logging.getLogger(__name__)

#: Longer questions get a polite request to shorten them (LINE allows 5,000 characters).
MAX_QUESTION_CHARS = 1000


class Engine:
    def __init__(
        self,
        settings: Settings,
        embeddings: Embeddings,
        *,
        fusion: FusionConfig | None = None,
        compose_cfg: ComposeConfig | None = None,
    ):
        self.settings = settings
        self.embeddings = embeddings
        self.model_id = model_id(embeddings)
        self.fusion = fusion or FusionConfig()
        self.compose_cfg = compose_cfg or ComposeConfig()
        self.knowledge_dir = Path(settings.knowledge).resolve()
        self.store_dir = settings.store_dir
        self._lock = threading.RLock()
        self._vs: VectorStore | None = None
        self.last_report: IngestReport | None = None
        self.generator: Any = None
        self._load()

    # -- construction -----------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings, *, auto_ingest: bool = True, embeddings: Embeddings | None = None,
             **kw: Any) -> "Engine":
        """Load knowledge and index, ingesting first when the store is missing or stale.

        Raises KnowledgeError when there is no usable index at all (first ingest invalid).
        """
        emb = embeddings or make_embeddings(settings.embedding)
        # Warm the model (its weights load lazily) while Chroma and the indexes load.
        threading.Thread(target=_warm, args=(emb,), daemon=True, name="embedding-warmup").start()
        if auto_ingest and is_stale(Path(settings.knowledge), settings.store_dir, model_id(emb)):
            report = run_ingest(settings, emb)
            if not report.ok:
                if read_manifest(settings.store_dir) is None:
                    raise KnowledgeError(report.problems)
                log.warning("knowledge folder invalid; serving the previous index (%d problems)",
                            len(report.problems))
        engine = cls(settings, emb, **kw)
        return engine

    def _vector_store(self) -> VectorStore:
        if self._vs is None:
            self._vs = VectorStore(self.store_dir, self.model_id, self.settings.chroma_host,
                                   self.settings.chroma_port)
        return self._vs

    def _load(self) -> None:
        knowledge, problems = load_knowledge(self.knowledge_dir)
        if problems:
            log.warning("knowledge folder has %d problems; run `concierge validate`", len(problems))
        manifest, snapshot = read_published(self.store_dir)
        if manifest is None:
            raise KnowledgeError([])
        retriever = Retriever(self._vector_store(), snapshot, self.embeddings, self.fusion)
        answerers = _specialised_answerers(knowledge, self.store_dir)
        with self._lock:
            self.knowledge: Knowledge = knowledge
            self.retriever = retriever
            self.answerers: list[Answerer] = answerers
            self.manifest = manifest
        self.generator = _generator(self.settings)

    # -- answering --------------------------------------------------------------------
    def house(self, house_id: str | None) -> House:
        hid = house_id or self.settings.default_house or self.knowledge.default_house
        if not hid:
            if len(self.knowledge.houses) == 1:
                return next(iter(self.knowledge.houses.values()))
            raise UnknownHouse("(none given)", ", ".join(sorted(self.knowledge.houses)))
        return self.knowledge.house(hid)

    def context(self, house_id: str | None, lang: str = "ja", now: datetime | None = None,
                audience: str = "stayers") -> HouseContext:
        house = self.house(house_id)
        area = self.knowledge.areas.get(house.area_id)

        def retrieve(q: Question) -> Answer:
            return self._retrieve(replace(q, house_id=house.id), q.lang or detect_lang(q.text, lang), house)

        return HouseContext(house=house, area=area, knowledge_root=str(self.knowledge_dir), lang=lang,
                            retrieve=retrieve)

    def answer(self, question: Question) -> Answer:
        """Answer one question. Raises UnknownHouse for a house id that does not exist;
        bad text (empty, too long) gets a polite answer instead."""
        text = (question.text or "").strip()
        lang = question.lang or detect_lang(text)
        house = self.house(question.house_id)  # raises UnknownHouse
        if not text:
            return Answer(phrase("empty", lang), lang, "invalid", 0.0)
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(phrase("too_long", lang, limit=str(MAX_QUESTION_CHARS)), lang, "invalid", 0.0)
        q = replace(question, text=text, lang=lang, house_id=house.id,
                    now=_aware(question.now, self.knowledge.timezone))
        ctx = self.context(house.id, lang)
        for answerer in self.answerers:
            try:
                got = answerer.answer(q, ctx)
            except Exception:  # a bug in one answerer must not silence the others
                log.exception("answerer %s failed", getattr(answerer, "name", answerer))
                continue
            if got is not None:
                return got
        return self._retrieve(q, lang, house)

    def search(self, question: Question) -> list[Any]:
        """Ranked hits for a question (for evaluation and debugging)."""
        house = self.house(question.house_id)
        lang = question.lang or detect_lang(question.text)
        text = self.retriever.normalize_query(question.text)
        return self.retriever.search(text, self._scope(question, house), lang)

    def _scope(self, q: Question, house: House) -> Scope:
        return Scope(house.id, house.area_id, _aware(q.now, self.knowledge.timezone),
                     STAFF if q.audience == STAFF else "stayers")

    def _retrieve(self, q: Question, lang: str, house: House) -> Answer:
        scope = self._scope(q, house)
        text = self.retriever.normalize_query(q.text)
        vec = self.retriever.embed(text)
        got = self.retriever.retrieve(text, scope, lang, vector=vec)
        hits = got.hits
        conf = self.retriever.confidence(text, lang, hits[0], scope) if hits else 0.0
        if hits and self.retriever.asks_for_staff_info(text, got.staff, hits[0]):
            conf = min(conf, 0.0)  # the question is about staff-only information
        if self.generator is not None:
            from bot.retrieval.generate import generate

            return generate(self.generator, q.text, lang, hits, house, self.compose_cfg, conf)
        return compose(q.text, lang, hits, house, self.compose_cfg, conf)

    def briefing(self, house_id: str | None, now: datetime, lang: str) -> Answer:
        """Morning briefing: weather + today's garbage + next bus (bot.engine.briefing)."""
        from bot.engine.briefing import morning_briefing

        return morning_briefing(self, self.house(house_id).id, _aware(now, self.knowledge.timezone), lang)

    # -- maintenance ------------------------------------------------------------------
    def reload(self) -> IngestReport:
        """Re-ingest and swap in the new index; an invalid folder changes nothing."""
        report = run_ingest(self.settings, self.embeddings, self._vector_store())
        if report.ok:
            self._load()
        self.last_report = report
        return report

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "houses": sorted(self.knowledge.houses),
            "sections": len(self.retriever.records),
            "model": self.model_id,
            "indexed": self.manifest.updated,
            "answerers": [a.name for a in self.answerers],
        }


def _warm(emb: Embeddings) -> None:
    try:
        emb.embed_query("warm up")
    except Exception:  # the real call will report it
        log.debug("embedding warm-up failed", exc_info=True)


def _aware(now: datetime | None, tz: Any) -> datetime:
    if now is None:
        return datetime.now(tz)
    return now if now.tzinfo else now.replace(tzinfo=tz)


def run_ingest(settings: Settings, embeddings: Embeddings, vs: VectorStore | None = None) -> IngestReport:
    t = time.perf_counter()
    report = ingest(settings.knowledge, settings.store_dir, embeddings, model_id=model_id(embeddings),
                    chroma_host=settings.chroma_host, chroma_port=settings.chroma_port, vector_store=vs)
    log.info("ingest finished in %.2fs (ok=%s)", time.perf_counter() - t, report.ok)
    return report


def _specialised_answerers(knowledge: Knowledge, store_dir: Path) -> list[Answerer]:
    """Garbage and transit answerers, in routing order (computed answers before retrieval)."""
    out: list[Answerer] = []
    try:
        from bot.garbage.answerer import GarbageAnswerer

        out.append(GarbageAnswerer(knowledge))
    except ImportError:
        pass
    try:
        from bot.transit.answerer import BusAnswerer

        out.append(BusAnswerer(knowledge, store_dir / "transit"))
    except ImportError:
        pass
    return out


def _generator(settings: Settings) -> Any:
    if not settings.llm_provider:
        return None
    from bot.retrieval.generate import chat_model_from_settings

    return chat_model_from_settings(settings)
