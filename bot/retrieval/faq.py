"""Curated answers (ingest.faq) matched before retrieval.

An FAQ entry is the staff's answer to a question the guide answers badly, so when a
stayer's question is close enough to one of its question variants (in any language: the
embedding model is multilingual), the entry's answer is given and cited as the FAQ,
instead of whatever retrieval would find. "Close enough" is deliberately strict: a wrong
curated answer is worse than a retrieved one.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.engine.contract import Answer, Source
from bot.retrieval.search import Scope, day_int, season_of
from ingest.faq import FaqEntry, faq_paths, load_faq
from ingest.knowledge import House, Knowledge
from text.phrases import phrase

log = logging.getLogger(__name__)

#: Cosine (USE) a question must reach against a variant: paraphrases of one question score
#: ~0.75-0.95, neighbouring topics ~0.4-0.65.
MATCH_AT = 0.72


@dataclass
class _Scoped:
    entry: FaqEntry
    house: str  # "" for an area's FAQ
    area: str


@dataclass
class FaqIndex:
    """Every FAQ entry of a knowledge folder and its question variants' vectors."""

    items: list[_Scoped] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))
    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    texts: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, knowledge: Knowledge, embeddings: Embeddings) -> FaqIndex:
        items: list[_Scoped] = []
        for house in knowledge.houses.values():
            for path in faq_paths(house.dir):
                items += [_Scoped(e, house.id, house.area_id) for e in load_faq(path, knowledge.root).entries]
        for area in knowledge.areas.values():
            for path in faq_paths(area.dir):
                items += [_Scoped(e, "", area.id) for e in load_faq(path, knowledge.root).entries]
        texts = [q for it in items for q in it.entry.questions]
        owner = np.array([i for i, it in enumerate(items) for _ in it.entry.questions], dtype=np.int64)
        if not texts:
            return cls()
        try:
            vec = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
        except Exception:  # the model failing must not stop answering; FAQ then matches exactly only
            log.exception("could not embed the FAQ questions")
            vec = np.zeros((len(texts), 1), dtype=np.float32)
        vec /= np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-9)
        return cls(items, vec, owner, [_norm(t) for t in texts])

    def match(self, text: str, qvec: np.ndarray | None, scope: Scope, house: House, lang: str) -> Answer | None:
        """The curated answer for ``text`` in this scope, or None."""
        if not self.items:
            return None
        allowed = np.array([self._allowed(it, scope) for it in self.items])
        ok = allowed[self.owner]
        if not ok.any():
            return None
        exact = [i for i, t in enumerate(self.texts) if ok[i] and t == _norm(text)]
        if exact:
            best, score = exact[0], 1.0
        else:
            if qvec is None or self.vectors.shape[1] != len(qvec):
                return None
            sims = np.where(ok, self.vectors @ (qvec / (np.linalg.norm(qvec) + 1e-9)), -1.0)
            best = int(np.argmax(sims))
            score = float(sims[best])
            if score < MATCH_AT:
                return None
        entry = self.items[int(self.owner[best])].entry
        got_lang, body = entry.answer_in(lang)
        if got_lang != lang:
            body = phrase("only_in", lang, language=phrase(f"language.{got_lang}", lang)) + "\n" + body
        label = f"{phrase('faq', lang)} › {entry.questions[0]}"
        return Answer(text=body, lang=lang, intent="faq", confidence=round(score, 4),
                      sources=[Source(entry.path, entry.questions[0], score, label)], speech=body)

    @staticmethod
    def _allowed(it: _Scoped, scope: Scope) -> bool:
        e = it.entry
        place = it.house == scope.house if it.house else it.area == scope.area
        today = day_int(scope.now)
        when = e.season in ("all", season_of(scope.now))
        if e.valid_from and _day(e.valid_from) > today:
            when = False
        if e.valid_until and _day(e.valid_until) < today:
            when = False
        return place and when and (scope.audience == "staff" or e.audience == "stayers")


def _day(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _norm(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())
