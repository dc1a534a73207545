"""Engine: the one channel-agnostic entry point (question in, cited answer out).

LINE, Alexa, the CLI and the web app build a :class:`Question` and render the
:class:`Answer`. The engine resolves the house, detects the language, asks the specialised
answerers (garbage days and sorting, buses: computed from data, never guessed) and falls
back to hybrid retrieval with the extractive composer (or a configured chat model).

The engine owns every cache on the answer path (answerers, retriever, weather) and builds
them in :meth:`Engine._load`; :meth:`Engine.reload` rebuilds them all, so nothing serves
data from before a publish.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from bot.engine import smalltalk
from bot.engine.briefing import morning_briefing
from bot.engine.config import EngineConfig
from bot.engine.contract import STAFF, STAYERS, Answer, Answerer, BriefingPart, HouseContext, Question
from bot.engine.houses import HouseDirectory
from bot.engine.limits import MAX_QUESTION_CHARS
from bot.engine.outage import SNAPSHOT, VECTOR_STORE, Outages, dependency_of, unavailable_answer
from bot.engine.questions import leans_on_before, split_questions
from bot.garbage.answerer import GarbageAnswerer
from bot.retrieval.abstain import answer_confidence
from bot.retrieval.compose import compose
from bot.retrieval.faq import FaqIndex
from bot.retrieval.generate import chat_model, generate
from bot.retrieval.search import Hit, Retriever, Scope
from bot.transit.answerer import BusAnswerer
from bot.weather.forecast import WeatherService
from ingest.knowledge import House, Knowledge, load_knowledge
from ingest.pipeline import IngestReport, Progress, ingest, is_stale
from ingest.problems import KnowledgeError
from ingest.retrieval.embeddings import make_embeddings, model_id
from ingest.retrieval.store import (
    FORMAT_VERSION,
    Manifest,
    StoreUnavailable,
    VectorStore,
    private_tree,
    read_manifest,
    read_published,
    writable,
)
from ingest.snapshots import SharedSnapshots, SnapshotUnavailable, served_paths
from text.detect import detect_lang
from text.phrases import phrase

if TYPE_CHECKING:  # the chat layer is imported only when CONCIERGE_LLM configures a model
    from langchain_core.language_models.chat_models import BaseChatModel

log = logging.getLogger(__name__)

#: How often a serving process looks for a newer published snapshot (the target is 5 s).
FOLLOW_SECONDS = 1.0


@dataclass(frozen=True)
class _Loaded:
    """Everything one published snapshot serves from, swapped in as one reference."""

    knowledge: Knowledge
    houses: HouseDirectory
    retriever: Retriever
    answerers: tuple[Answerer, ...]
    briefing_parts: tuple[BriefingPart, ...]
    manifest: Manifest
    faq: FaqIndex = field(default_factory=FaqIndex)  # curated answers, matched before retrieval


class Engine:
    def __init__(self, config: EngineConfig, embeddings: Embeddings) -> None:
        self.config = config
        self.embeddings = embeddings
        self.model_id = model_id(embeddings)
        self.knowledge_dir = config.knowledge_dir
        self.store_dir = config.store_dir
        self._vs_lock = threading.Lock()
        self._vs: VectorStore | None = None
        self.weather = WeatherService.from_config(config.weather)
        self.generator: BaseChatModel | None = chat_model(config.llm) if config.llm else None
        self.last_report: IngestReport | None = None
        self.outages = Outages()
        self.shared = shared_snapshots(config)
        self._follower: threading.Thread | None = None
        self._follow_error = ""
        self._loaded = self._load()

    # -- construction -----------------------------------------------------------------
    @classmethod
    def open(cls, config: EngineConfig, *, auto_ingest: bool = True,
             embeddings: Embeddings | None = None) -> Engine:
        """Load knowledge and index, ingesting first when the store is missing or stale.

        Raises KnowledgeError when there is no usable index at all (first ingest invalid).
        """
        emb = embeddings or make_embeddings(config.embedding)
        private_tree(config.store_dir)  # a store made before files were kept 0600 is tightened
        # Warm the model (its weights load lazily) while Chroma and the indexes load.
        # Not a daemon: a process that exits while the model runs aborts in its native code.
        threading.Thread(target=_warm, args=(emb,), name="embedding-warmup").start()
        if follow_published(config, model_id(emb)):
            auto_ingest = False  # several hosts: serve what is published; `concierge ingest` publishes
        if auto_ingest and read_manifest(config.store_dir) is not None and not writable(config.store_dir):
            log.warning("store %s is read-only: serving its published snapshot as it is", config.store_dir)
            auto_ingest = False
        if auto_ingest and is_stale(config.knowledge_dir, config.store_dir, model_id(emb)):
            report = run_ingest(config, emb)
            if not report.ok:
                if read_manifest(config.store_dir) is None:
                    raise KnowledgeError(report.problems)
                log.warning("knowledge folder invalid; serving the previous index (%d problems)",
                            len(report.problems))
        return cls(config, emb)

    def _vector_store(self) -> VectorStore:
        with self._vs_lock:
            if self._vs is None:
                self._vs = VectorStore(self.store_dir, self.model_id, self.config.chroma_host,
                                       self.config.chroma_port)
            return self._vs

    def _load(self) -> _Loaded:
        """Build every answer-path object from the folder and the published snapshot."""
        if getattr(self, "_loaded", None) is not None:  # a publish, maybe by another process:
            self._vector_store().reopen()  # an embedded store is read again from disk
        manifest, snapshot = read_published(self.store_dir)
        if manifest is None:
            raise KnowledgeError([])
        # A snapshot followed from the shared database carries its own knowledge files.
        knowledge_dir, transit_folder = served_paths(self.store_dir, manifest, self.knowledge_dir)
        knowledge, problems = load_knowledge(knowledge_dir)
        if problems:
            log.warning("knowledge folder has %d problems; run `concierge validate`", len(problems))
        retriever = Retriever(self._vector_store(), snapshot, self.embeddings, self.config.fusion,
                              self.config.confidence)
        garbage = GarbageAnswerer(knowledge, self.config.sorting)
        transit = BusAnswerer(knowledge, transit_folder)
        return _Loaded(
            knowledge=knowledge,
            houses=HouseDirectory(knowledge, self.config.default_house),
            retriever=retriever,
            answerers=(garbage, transit),  # computed answers first, retrieval last
            briefing_parts=(garbage, transit),
            manifest=manifest,
            faq=FaqIndex.build(knowledge, self.embeddings),
        )

    # -- what channels use (bot.engine.contract.ConciergeEngine) ----------------------
    @property
    def knowledge(self) -> Knowledge:
        return self._loaded.knowledge

    @property
    def houses(self) -> HouseDirectory:
        return self._loaded.houses

    @property
    def retriever(self) -> Retriever:
        return self._loaded.retriever

    @property
    def answerers(self) -> tuple[Answerer, ...]:
        return self._loaded.answerers

    @property
    def timezone(self) -> tzinfo:
        return self._loaded.knowledge.timezone

    def house(self, house_id: str | None) -> House:
        """The house a question is about (see HouseDirectory); raises UnknownHouse."""
        return self.houses.resolve(house_id)

    def context(self, house_id: str | None, lang: str = "ja") -> HouseContext:
        loaded = self._loaded
        house = loaded.houses.resolve(house_id)

        def retrieve(q: Question) -> Answer:
            return self._retrieve(loaded, replace(q, house_id=house.id), q.lang or detect_lang(q.text, lang),
                                  house)

        return HouseContext(house=house, area=loaded.knowledge.areas.get(house.area_id),
                            knowledge_root=str(loaded.knowledge.root), lang=lang, retrieve=retrieve)

    def answer(self, question: Question) -> Answer:
        """Answer one message. Raises UnknownHouse for a house id that does not exist;
        bad text (empty, too long) gets a polite answer instead. A message that asks
        about two different things gets both answers (see ``_several``)."""
        loaded = self._loaded  # one snapshot for the whole question, even across a reload
        typed = (question.text or "").strip()
        lang = question.lang or smalltalk.language_of(typed) or detect_lang(typed)
        house = loaded.houses.resolve(question.house_id)
        if not typed:
            return Answer(phrase("empty", lang), lang, "invalid", 0.0)
        if len(typed) > MAX_QUESTION_CHARS:  # the limit is on what the stayer typed
            return Answer(phrase("too_long", lang, limit=str(MAX_QUESTION_CHARS)), lang, "invalid", 0.0)
        small = smalltalk.kind_of(typed)
        if small == smalltalk.MORNING:
            return self.briefing(house.id, question.now, lang)
        if small is not None:  # "thanks!", "hi", "👍": not a question for the manual
            return Answer(phrase(f"smalltalk.{small}", lang), lang, "smalltalk", 1.0)
        parts = [p for p in split_questions(typed) if smalltalk.kind_of(p) is None]
        if len(parts) > 1 and not any(leans_on_before(p) for p in parts[1:]):
            answers: list[tuple[str, Answer]] = []
            for part in parts:  # the first part the guide does not answer ends the attempt
                got = self._answer_one(loaded, question, part, lang, house)
                if got.abstained:
                    break
                answers.append((part, got))
            else:
                several = _several(answers)
                if several is not None:
                    return several
        return self._answer_one(loaded, question, typed, lang, house)

    def _answer_one(self, loaded: _Loaded, question: Question, typed: str, lang: str, house: House) -> Answer:
        text = loaded.retriever.read_typing(typed)  # "tmrw" is tomorrow and "chekout" checkout for every answerer
        q = replace(question, text=text, lang=lang, house_id=house.id,
                    now=_aware(question.now, loaded.knowledge.timezone))
        ctx = self.context(house.id, lang)
        try:
            for answerer in loaded.answerers:
                try:
                    got = answerer.answer(q, ctx)
                except Exception as exc:  # a bug in one answerer must not silence the others
                    if dependency_of(exc):
                        raise
                    log.exception("answerer %s failed", answerer.name)
                    continue
                if got is not None:
                    return got
            return self._retrieve(loaded, q, lang, house)
        except Exception as exc:  # a dependency that is down: say so, never "I don't know"
            dependency = dependency_of(exc)
            if dependency is None:
                raise
            self.outages.failed(dependency, str(exc))
            return unavailable_answer(house, lang)

    def search(self, question: Question) -> list[Hit]:
        """Ranked hits for a question (for evaluation and debugging)."""
        loaded = self._loaded
        house = loaded.houses.resolve(question.house_id)
        lang = question.lang or detect_lang(question.text)
        text = loaded.retriever.normalize_query(question.text)
        return loaded.retriever.search(text, _scope(question, house, loaded.knowledge), lang)

    def _retrieve(self, loaded: _Loaded, q: Question, lang: str, house: House) -> Answer:
        retriever = loaded.retriever
        scope = _scope(q, house, loaded.knowledge)
        text = retriever.with_corpus_kana(q.text)  # q.text was read in answer()
        vector = retriever.embed(text)
        curated = loaded.faq.match(q.text, vector, scope, house, lang)
        if curated is not None:
            return curated
        got = retriever.retrieve(text, scope, lang, vector=vector)
        hits = got.hits
        self.outages.ok(VECTOR_STORE)
        conf = answer_confidence(retriever, text, lang, got, scope)
        if self.generator is not None:
            return generate(self.generator, q.text, lang, hits, house, self.config.compose, conf)
        return compose(q.text, lang, hits, house, self.config.compose, conf)

    def briefing(self, house_id: str | None, now: datetime, lang: str) -> Answer:
        """Morning briefing: weather + today's garbage + next bus (bot.engine.briefing)."""
        loaded = self._loaded
        ctx = self.context(house_id, lang)
        return morning_briefing(ctx, _aware(now, loaded.knowledge.timezone), lang, self.weather,
                                loaded.briefing_parts)

    # -- maintenance ------------------------------------------------------------------
    def reload(self, progress: Progress | None = None) -> IngestReport:
        """Re-ingest and swap in a fresh set of answerers and indexes; an invalid folder
        changes nothing. ``progress(done, total)`` follows the embedding (staff console)."""
        report = run_ingest(self.config, self.embeddings, self._vector_store(), progress)
        if report.ok:
            self._loaded = self._load()
        self.last_report = report
        return report

    def refresh(self) -> bool:
        """Serve the newest published snapshot when another process (or host) published
        one; True when the answerers were rebuilt. Cheap when nothing changed."""
        if self.shared is not None:
            try:
                self.shared.sync(self.store_dir, self.model_id, FORMAT_VERSION)
                self._follow_error = ""
            except (SnapshotUnavailable, OSError) as exc:
                if str(exc) != self._follow_error:  # once per outage, not once a second
                    log.warning("cannot follow the published snapshot (serving the local copy): %s", exc)
                self._follow_error = str(exc)
        manifest = read_manifest(self.store_dir)
        if manifest is None or manifest.records == self._loaded.manifest.records:
            return False
        self._loaded = self._load()
        log.info("now serving the snapshot published %s", self._loaded.manifest.updated)
        return True

    def start_following(self, interval: float = FOLLOW_SECONDS) -> None:
        """Call :meth:`refresh` every ``interval`` seconds in a daemon thread, so every
        worker of every host serves a new publish within a few seconds."""
        if self._follower is not None:
            return

        def run() -> None:
            last_error = ""
            while True:
                time.sleep(interval)
                try:
                    self.refresh()
                    last_error = ""
                except Exception as exc:  # keep following; say so once per distinct failure
                    if str(exc) != last_error:
                        log.exception("cannot load the published snapshot")
                    last_error = str(exc)

        self._follower = threading.Thread(target=run, daemon=True, name="snapshot-follower")
        self._follower.start()

    def health(self) -> dict[str, Any]:
        """What serves, and whether each dependency is up (``status`` "unavailable" when
        one is not; /healthz then answers 503)."""
        loaded = self._loaded
        dependencies = self.check_dependencies()
        body: dict[str, Any] = {
            "status": "ok" if all(d["up"] for d in dependencies.values()) else "unavailable",
            "dependencies": dependencies,
            "houses": loaded.houses.ids(),
            "sections": len(loaded.retriever.records),
            "model": self.model_id,
            "indexed": loaded.manifest.updated,
            "answerers": [a.name for a in loaded.answerers],
        }
        if self.shared is not None:  # several hosts: is this one keeping up with what is published?
            body["published_snapshot"] = {"following": not self._follow_error,
                                          "error": self._follow_error or None}
        return body

    def check_dependencies(self) -> dict[str, dict[str, Any]]:
        """Ask the vector store for a heartbeat and check the published snapshot on disk;
        a failure is logged once (Outages) and a success ends the outage."""
        try:
            self._vector_store().heartbeat()
            self.outages.ok(VECTOR_STORE)
        except StoreUnavailable as exc:
            self.outages.failed(VECTOR_STORE, str(exc))
        manifest = read_manifest(self.store_dir)
        if manifest is None:
            self.outages.failed(SNAPSHOT, f"no readable manifest in {self.store_dir}")
        elif not (self.store_dir / manifest.records).is_file():
            self.outages.failed(SNAPSHOT, f"the published snapshot {manifest.records} is missing")
        else:
            self.outages.ok(SNAPSHOT)
        return {name: self.outages.status(name) for name in (VECTOR_STORE, SNAPSHOT)}


def _topic(answer: Answer) -> tuple[str, str, str]:
    """What an answer is about: its answerer and the first source it cites."""
    first = answer.sources[0] if answer.sources else None
    return (answer.intent, first.path if first else "", first.heading if first else "")


def _several(parts: list[tuple[str, Answer]]) -> Answer | None:
    """The answers to a message's questions, each under the question it answers, when each
    is about something else; None when two cite the same thing (one page asked twice,
    "要多久？一天有几班？": answering the message whole keeps that page's best lines).

    The caller answers the message whole as well when a later part leans on the one before
    ("How much would it cost?", 「いつごろがいい？」: alone it finds some other page) or when
    a part is not in the guide (the dev set's "Can I extend my stay …? How much would it
    cost?" must stay declined: a part alone is no better evidence).
    """
    topics = [_topic(a) for _, a in parts]
    if len(set(topics)) < len(topics):
        return None
    blocks = [f"▶ {q}\n{a.text.strip()}" for q, a in parts]
    speech = " ".join((a.speech or a.text).strip() for _, a in parts)
    sources = list({(s.path, s.heading): s for _, a in parts for s in a.sources}.values())
    first = parts[0][1]
    return Answer("\n\n".join(blocks), first.lang, first.intent, min(a.confidence for _, a in parts), False,
                  sources, speech)


def _scope(q: Question, house: House, knowledge: Knowledge) -> Scope:
    return Scope(house.id, house.area_id, _aware(q.now, knowledge.timezone),
                 STAFF if q.audience == STAFF else STAYERS)


def _warm(emb: Embeddings) -> None:
    try:
        emb.embed_query("warm up")
    except Exception:  # the real call will report it
        log.debug("embedding warm-up failed", exc_info=True)


def _aware(now: datetime | None, tz: tzinfo) -> datetime:
    if now is None:
        return datetime.now(tz)
    return now if now.tzinfo else now.replace(tzinfo=tz)


def run_ingest(config: EngineConfig, embeddings: Embeddings, vs: VectorStore | None = None,
               progress: Progress | None = None) -> IngestReport:
    t = time.perf_counter()
    shared = shared_snapshots(config)
    try:
        report = ingest(config.knowledge_dir, config.store_dir, embeddings, model_id=model_id(embeddings),
                        chroma_host=config.chroma_host, chroma_port=config.chroma_port, vector_store=vs,
                        progress=progress, publish=shared.publish if shared else None)
        if shared is not None and report.ok:  # serve the published copy, as every other host does
            try:
                shared.sync(config.store_dir, model_id(embeddings), FORMAT_VERSION)
            except (SnapshotUnavailable, OSError) as exc:
                log.warning("published, but the local copy is not updated yet: %s", exc)
    finally:
        if shared is not None:
            shared.dispose()
    log.info("ingest finished in %.2fs (ok=%s)", time.perf_counter() - t, report.ok)
    return report


def shared_snapshots(config: EngineConfig) -> SharedSnapshots | None:
    """The shared snapshot database when several hosts share one (``config.snapshot_url``)."""
    return SharedSnapshots.open(config.snapshot_url) if config.snapshot_url else None


def follow_published(config: EngineConfig, model: str) -> bool:
    """Copy the published snapshot into the store; True when one is published (then this
    host serves it instead of ingesting its own folder)."""
    shared = shared_snapshots(config)
    if shared is None:
        return False
    try:
        return shared.sync(config.store_dir, model, FORMAT_VERSION) is not None
    except (SnapshotUnavailable, OSError) as exc:
        local = read_manifest(config.store_dir) is not None
        log.warning("cannot reach the published snapshot (%s); %s", exc,
                    "serving the local copy" if local else "ingesting the local folder")
        return local
    finally:
        shared.dispose()
