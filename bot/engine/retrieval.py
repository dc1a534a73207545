"""Hybrid retrieval over the house's and its area's sections.

Dense (Chroma, cosine) finds candidates across languages; BM25 over normalised morphemes
adds a small, bounded bonus to candidates in the question's own language. Additive score
fusion with the lexical side capped keeps it from overruling a strong cross-lingual dense
match (what made plain reciprocal rank fusion hurt). Filters are applied before ranking:
the asking house's files plus its area's, sections inside their season/validity at
``now``, and never ``audience: staff`` for stayers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.engine.lang import detect_lang
from bot.engine.lexical import BM25Index, index_tokens, is_kana_only, kana_grams, kana_words, rewrite_kana, tokenize
from ingest.store import ChunkRecord, VectorStore


def season_of(now: datetime) -> str:
    """winter = 1 Nov - 30 Apr, summer = 1 May - 31 Oct (KNOWLEDGE_FORMAT.md)."""
    return "winter" if now.month >= 11 or now.month <= 4 else "summer"


def day_int(now: datetime) -> int:
    return now.year * 10000 + now.month * 100 + now.day


@dataclass(frozen=True)
class Scope:
    house: str
    area: str
    now: datetime
    audience: str = "stayers"

    def where(self) -> dict[str, Any]:
        """The same filter as :meth:`allows`, in Chroma's query language."""
        today = day_int(self.now)
        conds: list[dict[str, Any]] = [
            {"$or": [{"house": self.house}, {"$and": [{"scope": "area"}, {"area": self.area}]}]},
            {"season": {"$in": ["all", season_of(self.now)]}},
            {"valid_from": {"$lte": today}},
            {"valid_until": {"$gte": today}},
        ]
        if self.audience != "staff":
            conds.append({"audience": "stayers"})
        return {"$and": conds}

    def allows(self, meta: dict[str, Any]) -> bool:
        today = day_int(self.now)
        in_place = meta["house"] == self.house or (meta["scope"] == "area" and meta["area"] == self.area)
        return (
            in_place
            and meta["season"] in ("all", season_of(self.now))
            and meta["valid_from"] <= today <= meta["valid_until"]
            and (self.audience == "staff" or meta["audience"] == "stayers")
        )


@dataclass
class Hit:
    record: ChunkRecord
    dense: float
    lexical: float  # normalised BM25 in [0, 1] (0 when gated off)
    score: float

    @property
    def meta(self) -> dict[str, Any]:
        return self.record.meta


@dataclass(frozen=True)
class ConfidenceConfig:
    """How sure an answer is: dense similarity, plus how much of the question's (IDF
    weighted) content the chosen section covers, minus how much of it appears nowhere
    the house's stayers can see (a question about a gym, when no page mentions one).
    The lexical terms only apply when they can: coverage when section and question share
    a language, out-of-vocabulary for Japanese and English questions."""

    coverage_weight: float = 0.1
    oov_weight: float = 0.3
    unknown_idf: float = 8.0


@dataclass(frozen=True)
class FusionConfig:
    """Chosen by `concierge eval` on the dev questions; see README for the comparison."""

    lexical_weight: float = 0.15
    dense_k: int = 24
    lexical_k: int = 8
    same_lang_only: bool = True  # BM25 bonus only for sections in the question's language


class Retriever:
    def __init__(
        self,
        store: VectorStore,
        records: list[ChunkRecord],
        live_hashes: set[str],
        embeddings: Embeddings,
        fusion: FusionConfig | None = None,
    ):
        self.store = store
        self.embeddings = embeddings
        self.fusion = fusion or FusionConfig()
        self.live = live_hashes
        self.records = [r for r in records if r.meta["file_hash"] in live_hashes]
        self.by_id = {r.id: i for i, r in enumerate(self.records)}
        self.bm25 = BM25Index.build([r.tokens for r in self.records])
        self._mask_cache: dict[tuple[str, str, int, str], np.ndarray] = {}
        self.langs = np.array([r.meta["lang"] for r in self.records])
        self._cols = {
            key: np.array([r.meta[key] for r in self.records])
            for key in ("house", "scope", "area", "season", "valid_from", "valid_until", "audience")
        }
        self.conf = ConfidenceConfig()

    def confidence(self, text: str, lang: str, hit: Hit, scope: Scope) -> float:
        """Calibrated by `concierge eval` (see ConfidenceConfig); compared to the abstain threshold."""
        c = self.conf
        # Kana-only typing: judge by the corpus words found in it; the rest are fragments.
        qt = set(kana_words(text, self.bm25.postings)) if is_kana_only(text) else set(tokenize(text))
        score = hit.dense
        if not qt:
            return score
        idf = {t: self.bm25.idf.get(t, c.unknown_idf) for t in qt}
        total = sum(idf.values())
        if hit.meta["lang"] == lang:
            have = set(hit.record.tokens)
            score += c.coverage_weight * sum(v for t, v in idf.items() if t in have) / total
        if lang in ("ja", "en"):
            mask = self._mask(scope)
            share = 1.0
            if lang == "en":
                # English questions about Japanese-only pages are normal: only count words
                # missing from English pages as far as this house has English pages at all.
                share = float((mask & (self.langs == "en")).sum()) / max(1, int(mask.sum()))
            unseen = sum(v for t, v in idf.items() if not self._seen(t, mask))
            score -= c.oov_weight * share * unseen / total
        return score

    def _seen(self, term: str, mask: np.ndarray) -> bool:
        post = self.bm25.postings.get(term)
        if post is not None and mask[post[0]].any():
            return True
        if term.isascii() and len(term) >= 4:  # "rent" ~ "rental", "stopped" ~ "stop"
            stem = term[: max(4, len(term) - 3)]
            for other in self._ascii_vocab_with(stem):
                ids, _ = self.bm25.postings[other]
                if mask[ids].any():
                    return True
        return False

    def _ascii_vocab_with(self, prefix: str) -> list[str]:
        import bisect

        if not hasattr(self, "_ascii_vocab"):
            self._ascii_vocab = sorted(t for t in self.bm25.postings if t.isascii())
        i = bisect.bisect_left(self._ascii_vocab, prefix)
        out = []
        while i < len(self._ascii_vocab) and self._ascii_vocab[i].startswith(prefix) and len(out) < 20:
            out.append(self._ascii_vocab[i])
            i += 1
        return out

    def _mask(self, scope: Scope) -> np.ndarray:
        key = (scope.house, scope.area, day_int(scope.now), scope.audience)
        mask = self._mask_cache.get(key)
        if mask is None:
            # Vectorised form of Scope.allows: a per-record Python loop costs ~0.4 s at 50k.
            c, today = self._cols, day_int(scope.now)
            mask = ((c["house"] == scope.house) | ((c["scope"] == "area") & (c["area"] == scope.area)))
            mask &= np.isin(c["season"], ["all", season_of(scope.now)])
            mask &= (c["valid_from"] <= today) & (c["valid_until"] >= today)
            if scope.audience != "staff":
                mask &= c["audience"] == "stayers"
            if len(self._mask_cache) > 256:
                self._mask_cache.clear()
            self._mask_cache[key] = mask
        return mask

    def asks_for_staff_info(self, text: str, vector: np.ndarray, scope: Scope, best: Hit,
                            margin: float = 0.02, strong_margin: float = 0.2) -> bool:
        """True when the question is about staff-only information.

        The closest staff-only section must be nearer than the best public one, the public
        section must leave some word of the question uncovered, and the staff section must
        either cover such a word ("master code" when the public section only has "key
        box") or be nearer by a wide margin (the cross-lingual case)."""
        sim, rec = self.staff_similarity(vector, scope)
        if rec is None or sim <= best.dense + margin:
            return False
        words = kana_words(text, self.bm25.postings) if is_kana_only(text) else tokenize(text)
        missing = set(words) - set(best.record.tokens)
        if not missing:
            return False  # the public section covers every word of the question
        if missing & set(rec.tokens):
            return True
        # Coverage cannot be judged across languages: there, only a wide margin counts.
        return best.meta["lang"] != detect_lang(text) and sim > best.dense + strong_margin

    def staff_similarity(self, vector: np.ndarray, scope: Scope) -> tuple[float, ChunkRecord | None]:
        """Best dense similarity among the house's staff-only sections.

        When a stayer's question is closer to a staff-only section than to anything
        stayers may see (a master code, the owner's number), it asks for staff
        information: the answer must be "I don't know, ask the caretaker", not the
        nearest public section."""
        if scope.audience == "staff":
            return -1.0, None
        where = scope.where()
        where["$and"] = [c for c in where["$and"] if c != {"audience": "stayers"}] + [{"audience": "staff"}]
        try:
            got = self.store.query(vector.tolist(), 3, where)
        except Exception:  # no staff sections at all: Chroma may complain about the filter
            return -1.0, None
        for cid, sim in got:
            if cid in self.by_id:
                return sim, self.records[self.by_id[cid]]
        return -1.0, None

    def normalize_query(self, text: str) -> str:
        """Kana-only typing is rewritten with the corpus's words (see rewrite_kana)."""
        return rewrite_kana(text, self.bm25.postings) if is_kana_only(text) else text

    def embed(self, text: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(text), dtype=np.float32)

    def search(self, text: str, scope: Scope, lang: str, k: int = 5, vector: np.ndarray | None = None) -> list[Hit]:
        if not self.records:
            return []
        f = self.fusion
        qvec = self.embed(text) if vector is None else vector
        dense: dict[int, float] = {}
        for cid, sim in self.store.query(qvec.tolist(), f.dense_k, scope.where()):
            i = self.by_id.get(cid)
            if i is not None:  # chunks of files no longer in the manifest are ignored
                dense[i] = sim
        lex = np.zeros(len(self.records), dtype=np.float32)
        if f.lexical_weight > 0:
            qtok = index_tokens(text)
            if qtok:
                raw = self.bm25.scores(qtok)
                mask = self._mask(scope)
                if f.same_lang_only:
                    mask = mask & (self.langs == lang)
                raw = np.where(mask, raw, 0.0)
                top = float(raw.max()) if raw.size else 0.0
                if top > 0:
                    lex = raw / top
                    # lexical-only candidates join the pool; their dense score is computed below
                    for i in np.argsort(-raw)[: f.lexical_k]:
                        if raw[i] > 0 and int(i) not in dense:
                            dense[int(i)] = np.nan
        missing = [i for i, v in dense.items() if v != v]  # NaN: need a dense score
        if missing:
            vecs = self.store.collection.get(ids=[self.records[i].id for i in missing], include=["embeddings"])
            got = {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(vecs["ids"], vecs["embeddings"])}
            for i in missing:
                v = got.get(self.records[i].id)
                dense[i] = float(v @ qvec / (np.linalg.norm(v) * np.linalg.norm(qvec) + 1e-9)) if v is not None else 0.0
        hits = [
            Hit(self.records[i], d, float(lex[i]), d + f.lexical_weight * float(lex[i]))
            for i, d in dense.items()
        ]
        hits.sort(key=lambda h: h.score, reverse=True)
        # one hit per section (long sections have several chunks)
        seen: set[tuple[str, int]] = set()
        out: list[Hit] = []
        for h in hits:
            key = (h.meta["path"], h.meta["section"])
            if key in seen:
                continue
            seen.add(key)
            out.append(h)
            if len(out) >= k:
                break
        return out
