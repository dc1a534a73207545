"""Hybrid retrieval over the house's and its area's sections.

Dense (Chroma, cosine) finds candidates across languages; BM25 over normalised morphemes
adds a small, bounded bonus to candidates in the question's own language. Additive score
fusion with the lexical side capped keeps it from overruling a strong cross-lingual dense
match (what made plain reciprocal rank fusion hurt). Filters are applied before ranking:
the asking house's files plus its area's, sections inside their season/validity at
``now``, and never ``audience: staff`` for stayers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.retrieval.evidence import asked_types, asks_how, asks_value, held_types, holds_how
from ingest.retrieval.lexical import BM25Index
from ingest.retrieval.store import ChunkRecord, Snapshot, VectorStore, area_key, house_key
from ingest.retrieval.units import unit_labels, unit_lines
from ingest.retrieval.wordvectors import MIN_LETTERS
from text.detect import detect_lang
from text.english import expand_shorthand
from text.loanwords import LoanwordBridge, loanword_tokens
from text.romaji import romaji_words
from text.spelling import correct_spelling
from text.tokenize import (
    index_tokens,
    is_kana_only,
    kana_words,
    katakana_words,
    rewrite_kana,
    rewrite_loanwords,
    synonym_groups,
    tokenize,
    topic_words,
)


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

    @property
    def keys(self) -> tuple[str, str]:
        """The two Chroma collections this scope may see (ingest.retrieval.store.scope_key)."""
        return house_key(self.house), area_key(self.area)

    def when(self) -> dict[str, Any]:
        """Season and validity in Chroma's query language (the place is the collection)."""
        today = day_int(self.now)
        return {"$and": [
            {"season": {"$in": ["all", season_of(self.now)]}},
            {"valid_from": {"$lte": today}},
            {"valid_until": {"$gte": today}},
        ]}

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
    dense: float  # the blend of the section's and its best line's cosine (FusionConfig.section_weight)
    lexical: float  # normalised BM25 in [0, 1] (0 when gated off)
    score: float
    section: float = 0.0  # cosine of the whole section
    line: float = 0.0  # cosine of its best line (the section's when it has no line vectors)
    #: (line, cosine) of each of its lines, for the top hits (see Retriever.line_scores)
    lines: list[tuple[str, float]] = field(default_factory=list)
    #: (path, section) of this section's translation in the parallel file, if any (Retriever.translation)
    translation: tuple[str, int] | None = None
    #: the whole section's text when it was split into several chunks (top hits only)
    section_text: str = ""
    #: and its tokens
    section_tokens: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.section_text or self.record.text

    @property
    def tokens(self) -> tuple[str, ...] | list[str]:
        """The section's index tokens (all its chunks' for a long top hit)."""
        return self.section_tokens or self.record.tokens

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
    #: An English word no page uses is seen when a page uses a word this close to it (the
    #: encoder's cosine between the two words: "dog" ~ "pet" 0.76, "people" ~ "person"
    #: 0.83; "tub" ~ "bathroom" 0.72 and "gym" ~ "hiking" 0.48 stay unseen). 0.7 took
    #: "is there a hot tub" and "a yoga studio" to answered; 0.8 gained nothing.
    similar_word: float = 0.75


@dataclass(frozen=True)
class FusionConfig:
    """Chosen on the dev questions and checked on the loose ones and the real guide
    (bench/fit_retrieval.py prints the grid): a section scores
    ``section_weight * cos(section) + (1 - section_weight) * cos(best line)``, plus the
    capped BM25 bonus. Whole sections alone: loose hit@1 0.76; best line alone 0.84 with
    dev 0.96; this blend 0.84 with dev 1.00."""

    lexical_weight: float = 0.10
    section_weight: float = 0.35
    #: Bonus for holding the kind of answer asked for (a time for "when", a price for "how
    #: much": bot.retrieval.evidence), for the ``typed_k`` best candidates. It only breaks near
    #: ties: hit@1 on loose questions 54 -> 55 of 65, on the real guide 26 -> 27 of 31, dev
    #: unchanged at 45; 0.12 starts to overrule similarity (loose 51).
    answer_type_weight: float = 0.05
    typed_k: int = 10
    dense_k: int = 24
    lexical_k: int = 8
    same_lang_only: bool = True  # BM25 bonus only for sections in the question's language
    #: BM25 bonus for Japanese sections holding an English question's words as katakana
    #: loanwords (text.loanwords); not abstention evidence
    loanword_weight: float = 0.05
    #: BM25 bonus of a Japanese question's katakana words on the Japanese pages (0.125-0.2
    #: gave the same gains, 0.08 only one of them)
    katakana_weight: float = 0.15
    #: BM25 bonus for the words of English pages with no Japanese version that a Japanese
    #: question writes in katakana (LoanwordBridge; 0.2-0.5 gave the same gains)
    english_loanword_weight: float = 0.25
    #: weight of the lexical score of the guide's synonyms of a Japanese question's words
    synonym_weight: float = 0.5


@dataclass
class Retrieval:
    """Ranked hits a stayer may see, and the nearest staff-only section met on the way."""

    hits: list[Hit]
    staff: tuple[float, ChunkRecord] | None = None
    #: the guide's synonyms of the question's words (Retriever.synonyms_of; Japanese only),
    #: found once for ranking and the abstention evidence
    synonyms: dict[str, frozenset[str]] = field(default_factory=dict)


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """float16 line vectors as float32 of length 1 (normalised in place: no second copy)."""
    out = vectors.astype(np.float32)
    if len(out):
        out /= np.maximum(np.sqrt(np.einsum("ij,ij->i", out, out)), 1e-9)[:, None]
    return out


def _stem(path: str) -> tuple[str, str]:
    folder, _, name = path.rpartition("/")
    parts = name.split(".")
    if len(parts) >= 3 and parts[-2] in ("ja", "en", "zh", "ko"):
        parts = parts[:-2] + parts[-1:]
    return folder, ".".join(parts)


#: How far below the best section its translation in the stayer's language may score and
#: still be the one quoted (ComposeConfig.prefer_lang_margin).
PREFER_LANG_MARGIN = 0.10


def quoted_hit(hits: list[Hit], lang: str, margin: float = PREFER_LANG_MARGIN) -> Hit:
    """The hit an answer quotes: the best one, or its own translation in the stayer's
    language when that scores nearly as well (not any section of the translated file
    that happens to score close: "Parking" for 「ハウスルール」)."""
    best = hits[0]
    if best.meta["lang"] != lang:
        for h in hits[1:]:
            if (h.meta["lang"] == lang and (h.meta["path"], h.meta["section"]) == best.translation
                    and h.score >= best.score - margin):
                return h
    return best


def gap_labels(meta: dict[str, Any]) -> list[str]:
    """The labels of the blanks a section's host left ("Network" of "Network: ____")."""
    return [g for g in meta.get("gaps", "").split("\n") if g]


def _record_gaps(rec: ChunkRecord) -> list[str]:
    """A record's blank labels, as its lines carry them: on a long section's first part only."""
    return gap_labels(rec.meta) if rec.meta.get("part", 0) == 0 else []


def parallel(a: str, b: str) -> bool:
    """Same folder and same name apart from the language part: translations of each other."""
    return _stem(a) == _stem(b)


@dataclass
class ScopeMasks:
    """Which records a scope allows, and per collection how many it holds and excludes."""

    allowed: np.ndarray
    staff: np.ndarray  # staff-only records that would be in scope for staff
    rows: dict[str, int]
    excluded: dict[str, int]
    staff_rows: dict[str, int]
    #: per collection key: positions in its line block (Retriever._block) of allowed or staff lines
    units: dict[str, np.ndarray] = field(default_factory=dict)


#: Up to this many excluded chunks in a collection are skipped after an unfiltered query;
#: beyond it the query carries Chroma's season/validity filter instead.
MAX_UNFILTERED_EXTRA = 256
#: Word vectors a retriever keeps for questions' and pages' words (then starts again)
WORD_CACHE = 8192


class Retriever:
    def __init__(
        self,
        store: VectorStore,
        snapshot: Snapshot,
        embeddings: Embeddings,
        fusion: FusionConfig | None = None,
        confidence: ConfidenceConfig | None = None,
    ):
        self.store = store
        self.embeddings = embeddings
        self.fusion = fusion or FusionConfig()
        # The manifest names its snapshot, so these are exactly the published records.
        self.records = snapshot.records
        self.bm25 = snapshot.lexical if snapshot.lexical is not None else BM25Index.build([])
        self.loanwords = LoanwordBridge(snapshot.loanwords or {})  # Japanese katakana -> English words
        self._synonym_table = snapshot.synonyms or {}  # synonym group -> the guide's words in it
        words = snapshot.words
        self._words = words.words if words is not None else []
        self._word_vectors = (words.vectors.astype(np.float32) if words is not None and len(words.words)
                              else np.zeros((0, 1), dtype=np.float32))
        self._word_cache: dict[str, np.ndarray] = {}
        self.by_id = {r.id: i for i, r in enumerate(self.records)}
        self._mask_cache: dict[tuple[str, str, int, str], ScopeMasks] = {}
        self.langs = np.array([r.meta["lang"] for r in self.records])
        self._cols = {
            key: np.array([r.meta[key] for r in self.records])
            for key in ("house", "scope", "area", "season", "valid_from", "valid_until", "audience")
        }
        self._cols["key"] = np.array([r.scope_key for r in self.records])
        self.conf = confidence or ConfidenceConfig()
        units = snapshot.units
        if units is not None and len(units.owner):
            # float16 as stored; each collection's rows become float32 when first asked about
            # (_block): a process answering a few houses never converts the others' lines,
            # and cold start does not pay for all of them (~0.8 s at 10,000 sections).
            self._unit16 = units.vectors
            self.unit_owner = units.owner.astype(np.int64)
        else:
            self._unit16 = np.zeros((0, 1), dtype=np.float16)
            self.unit_owner = np.zeros(0, dtype=np.int64)
        self._blocks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._blocks_lock = threading.Lock()
        #: record -> the answer types its text holds, and whether it says how (cached)
        self._held: dict[int, tuple[frozenset[str], bool]] = {}
        self._parts: dict[tuple[str, int], list[int]] = {}
        self._by_stem: dict[tuple[str, str], dict[tuple[str, int], list[int]]] = {}
        stems: dict[str, tuple[str, str]] = {}  # a few files, thousands of records
        langs_of: dict[tuple[str, str], set[str]] = {}  # a file and its translations -> their languages
        for i, r in enumerate(self.records):
            key = (r.meta["path"], r.meta["section"])
            if r.meta.get("part", 0) or i + 1 < len(self.records) and self.records[i + 1].meta.get("part", 0):
                self._parts.setdefault(key, []).append(i)
            if key[0] not in stems:
                stems[key[0]] = _stem(key[0])
            self._by_stem.setdefault(stems[key[0]], {}).setdefault(key, []).append(i)
            langs_of.setdefault(stems[key[0]], set()).add(r.meta["lang"])
        #: English records of a file with no Japanese version (check-in.md, no check-in.ja.md)
        self._english_alone = np.array([r.meta["lang"] == "en" and "ja" not in langs_of[stems[r.meta["path"]]]
                                        for r in self.records], dtype=bool)
        n = len(self.records)
        self._translations: dict[tuple[str, int], tuple[str, int] | None] = {}
        self._unit_from = np.searchsorted(self.unit_owner, np.arange(n), side="left")
        self._unit_to = np.searchsorted(self.unit_owner, np.arange(n), side="right")
        self._gap_units = self._find_gap_units()

    def _find_gap_units(self) -> np.ndarray:
        """Which unit rows are a blank's label ("Network" of a "Network: ____" line): they are
        embedded after the section's lines (unit_lines), in every view."""
        out = np.zeros(len(self.unit_owner), dtype=bool)
        for i, rec in enumerate(self.records):
            gaps = _record_gaps(rec)
            if not gaps:
                continue
            views = len(unit_labels(rec.meta["heading"], rec.meta.get("heading_path", "")))
            extra = (len(unit_lines(rec.text, gaps)) - len(unit_lines(rec.text))) * views
            start, end = int(self._unit_from[i]), int(self._unit_to[i])
            if 0 < extra <= end - start:
                out[end - extra:end] = True
        return out

    def line_scores(self, index: int, qvec: np.ndarray) -> list[tuple[str, float]]:
        """Each line of record ``index`` with its cosine to the question: what the composer
        quotes from a long section, and how it tells a question about a blank. Scored in
        its first view (under its own heading): the heading-path view ranks the section,
        but it lifts every line of a section alike and so cannot tell them apart (the
        real guide's "where do the bins go" quoted the checklist, not the curb cut)."""
        a, z = int(self._unit_from[index]), int(self._unit_to[index])
        rec = self.records[index]
        lines = unit_lines(rec.text, _record_gaps(rec))
        views = len(unit_labels(rec.meta["heading"], rec.meta.get("heading_path", "")))
        if z - a != len(lines) * views:
            return []
        sims = _unit_rows(self._unit16[a:z]) @ (qvec / (np.linalg.norm(qvec) + 1e-9))
        best = sims.reshape(len(lines), views)[:, 0] if lines else sims
        return list(zip(lines, best.tolist(), strict=True))

    def translation(self, path: str, section: int) -> tuple[str, int] | None:
        """The section of the translated file (manual.ja.md <-> manual.en.md) that is this
        section's translation: the one whose lines come closest to its lines, provided this
        section is also the closest to it (mutual nearest neighbours).

        Why not by position or heading: translations drift (the Japanese manual has a
        laundry section the English one lacks), and headings are in different languages;
        a line and its translation are far closer than unrelated lines (cosine ~0.77 vs
        ~0.38 at the median on the eval corpus), so the nearest section is the match. Why
        mutual: a section the other file lacks still has a nearest one there (the area
        guide's 焼肉と北見の味 -> "Supermarkets", whose own nearest is スーパー・コンビニ),
        and an English stayer was answered about supermarkets."""
        key = (path, section)
        if key in self._translations:
            return self._translations[key]
        other = self._nearest(key)
        found = other if other is not None and self._nearest(other, only=path) == key else None
        self._translations[key] = found
        return found

    def _nearest(self, key: tuple[str, int], only: str | None = None) -> tuple[str, int] | None:
        """The section of another file of ``key``'s group (or of file ``only``) whose lines
        come closest to ``key``'s."""
        group = self._by_stem.get(_stem(key[0]), {})
        mine = self._rows(group.get(key, []))
        best: tuple[float, tuple[str, int]] | None = None
        if len(mine):
            for other, idx in group.items():
                if other[0] == key[0] or (only is not None and other[0] != only):
                    continue
                theirs = self._rows(idx)
                if len(theirs):
                    sim = float((mine @ theirs.T).max())
                    if best is None or sim > best[0]:
                        best = (sim, other)
        return best[1] if best else None

    def _rows(self, records: list[int]) -> np.ndarray:
        spans = [self._unit16[int(self._unit_from[i]):int(self._unit_to[i])] for i in records]
        spans = [s for s in spans if len(s)]
        return _unit_rows(np.vstack(spans)) if spans else np.zeros((0, self._unit16.shape[1]), dtype=np.float32)

    def _block(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The line rows of one collection (a house's or an area's) and their unit vectors
        as float32, converted on first use and kept."""
        got = self._blocks.get(key)
        if got is None:
            with self._blocks_lock:
                got = self._blocks.get(key)
                if got is None:
                    rows = np.flatnonzero(self._cols["key"][self.unit_owner] == key) if len(self.unit_owner) \
                        else np.zeros(0, dtype=np.int64)
                    got = self._blocks[key] = (rows, _unit_rows(self._unit16[rows]))
        return got

    def confidence(self, text: str, lang: str, hit: Hit, scope: Scope) -> float:
        """Calibrated by `concierge eval` (see ConfidenceConfig); compared to the abstain threshold."""
        c = self.conf
        # Kana-only typing: judge by the corpus words found in it; the rest are fragments.
        qt = sorted(set(kana_words(text, self.bm25.vocab)) if is_kana_only(text) else set(tokenize(text)))
        score = hit.dense
        if not qt:
            return score
        idf = {t: self.bm25.idf(t, c.unknown_idf) for t in qt}
        total = sum(idf.values())
        if hit.meta["lang"] == lang:
            have = set(hit.tokens)
            score += c.coverage_weight * sum(v for t, v in idf.items() if t in have) / total
        if lang in ("ja", "en"):
            mask = self._masks(scope).allowed
            share = 1.0
            if lang == "en":
                # English questions about Japanese-only pages are normal: only count words
                # missing from English pages as far as this house has English pages at all.
                share = float((mask & (self.langs == "en")).sum()) / max(1, int(mask.sum()))
            topic = set(kana_words(text, self.bm25.vocab)) if is_kana_only(text) else set(topic_words(text))
            missing = self.unseen((t for t in idf if t in topic), mask)
            unseen = sum(v for t, v in idf.items() if t in missing)
            score -= c.oov_weight * share * unseen / total
        return score

    def synonyms_of(self, text: str) -> dict[str, frozenset[str]]:
        """The question's Japanese nouns that no page uses -> the guide's words that are
        their synonyms (ingest.retrieval.synonyms). A word the guide uses is matched as it
        is: its synonyms (「家」: 家庭) would only draw other pages."""
        out: dict[str, frozenset[str]] = {}
        for token, groups in synonym_groups(text):
            if token in self.bm25.vocab:
                continue
            others = frozenset(t for g in groups for t in self._synonym_table.get(g, ()) if t != token)
            if others:
                out[token] = out.get(token, frozenset()) | others
        return out

    def unseen(self, terms: Iterable[str], mask: np.ndarray,
               synonyms: Mapping[str, frozenset[str]] | None = None) -> set[str]:
        """The ``terms`` no page ``mask`` allows uses, in any spelling, as a synonym or as a
        word right beside it; the words to compare are embedded in one call."""
        synonyms = synonyms or {}
        by_spelling = [t for t in dict.fromkeys(terms) if not self._seen_by_spelling(t, mask)
                       and not any(self._seen_by_spelling(o, mask) for o in synonyms.get(t, ()))]
        self._embed_words([t for t in by_spelling if self._comparable(t)])
        return {t for t in by_spelling if not self._seen_alike(t, mask)}

    def _seen_by_spelling(self, term: str, mask: np.ndarray) -> bool:
        if mask[self.bm25.docs_with(term)].any():
            return True
        if term.isascii() and len(term) >= 4:  # "rent" ~ "rental", "stopped" ~ "stop"
            stem = term[: max(4, len(term) - 3)]
            for other in self._ascii_vocab_with(stem):
                if mask[self.bm25.docs_with(other)].any():
                    return True
        return False

    def _comparable(self, term: str) -> bool:
        # "ev", "tv": two letters are an abbreviation, not a word to compare
        return bool(self._word_vectors.shape[0]) and term.isascii() and term.isalpha() and len(term) >= MIN_LETTERS

    def _seen_alike(self, term: str, mask: np.ndarray) -> bool:
        """Whether the pages ``mask`` allows use an English word the encoder puts right beside
        ``term`` ("dog": "No pets"; ingest.retrieval.wordvectors)."""
        if not self._comparable(term):
            return False
        sims = self._word_vectors @ self._embed_words([term])[term]
        return any(self._words[j] != term and mask[self.bm25.docs_with(self._words[j])].any()
                   for j in np.flatnonzero(sims >= self.conf.similar_word))

    def word_match(self, words: Mapping[str, float], others: list[str]) -> float:
        """How well ``others`` (a page's nouns) cover ``words`` (a question's, with weights) in
        any language: the weighted mean over ``words`` of the cosine of the closest of
        ``others``, by the encoder's word vectors (钥匙 -> 鍵 0.84, 万能 -> nothing closer
        than 0.51); 0 without words."""
        if not words or not others:
            return 0.0
        mine = list(words)
        vec = self._embed_words(mine + others)
        closest = (np.vstack([vec[w] for w in mine]) @ np.vstack([vec[w] for w in others]).T).max(axis=1)
        return float(np.average(closest, weights=[words[w] for w in mine]))

    def forget_words(self) -> None:
        """Drop the cached vectors of questions' words (for timing words new to the process)."""
        self._word_cache.clear()

    def _embed_words(self, words: list[str]) -> dict[str, np.ndarray]:
        """Unit vectors of ``words``, from the cache or one encoder call for the ones it lacks
        (kept in the cache); returned, so another thread's clearing cannot lose them."""
        wanted = list(dict.fromkeys(words))
        found = {w: v for w in wanted if (v := self._word_cache.get(w)) is not None}
        new = [w for w in wanted if w not in found]
        if not new:
            return found
        rows = ([self.embeddings.embed_query(new[0])] if len(new) == 1 else self.embeddings.embed_documents(new))
        if len(self._word_cache) + len(new) > WORD_CACHE:
            self._word_cache.clear()
        for w, row in zip(new, rows, strict=True):
            v = np.asarray(row, dtype=np.float32)
            found[w] = self._word_cache[w] = v / (np.linalg.norm(v) or 1.0)
        return found

    def _ascii_vocab_with(self, prefix: str) -> list[str]:
        import bisect

        if not hasattr(self, "_ascii_vocab"):
            self._ascii_vocab = sorted(t for t in self.bm25.vocab if t.isascii())
        i = bisect.bisect_left(self._ascii_vocab, prefix)
        out: list[str] = []
        while i < len(self._ascii_vocab) and self._ascii_vocab[i].startswith(prefix) and len(out) < 20:
            out.append(self._ascii_vocab[i])
            i += 1
        return out

    def _masks(self, scope: Scope) -> ScopeMasks:
        key = (scope.house, scope.area, day_int(scope.now), scope.audience)
        got = self._mask_cache.get(key)
        if got is None:
            # Vectorised form of Scope.allows: a per-record Python loop costs ~0.4 s at 50k.
            c, today = self._cols, day_int(scope.now)
            place = (c["house"] == scope.house) | ((c["scope"] == "area") & (c["area"] == scope.area))
            when = np.isin(c["season"], ["all", season_of(scope.now)])
            when &= (c["valid_from"] <= today) & (c["valid_until"] >= today)
            in_scope = place & when
            staff_only = c["audience"] == "staff"
            allowed = in_scope if scope.audience == "staff" else in_scope & ~staff_only
            staff = np.zeros_like(allowed) if scope.audience == "staff" else in_scope & staff_only
            rows, excluded, staff_rows = {}, {}, {}
            for k in scope.keys:
                in_key = c["key"] == k
                rows[k] = int(in_key.sum())
                excluded[k] = rows[k] - int((allowed & in_key).sum())
                staff_rows[k] = int((staff & in_key).sum())
            wanted = allowed | staff
            unit_rows = {k: np.flatnonzero(wanted[self.unit_owner[self._block(k)[0]]]) for k in scope.keys}
            got = ScopeMasks(allowed, staff, rows, excluded, staff_rows, unit_rows)
            if len(self._mask_cache) > 256:
                self._mask_cache.clear()
            self._mask_cache[key] = got
        return got

    def _mask(self, scope: Scope) -> np.ndarray:
        return self._masks(scope).allowed

    def asks_for_staff_info(self, text: str, staff: tuple[float, ChunkRecord] | None, best: Hit, scope: Scope,
                            margin: float = 0.02, strong_margin: float = 0.2) -> bool:
        """True when the question is about staff-only information.

        When a stayer's question is closer to a staff-only section than to anything
        stayers may see (a master code, the owner's number), the answer must be "I don't
        know, ask the caretaker", not the nearest public section. The closest staff-only
        section (``staff``, from :meth:`retrieve`) must be nearer than the best public
        one, the public section must leave some word of the question uncovered, and the
        staff section must either cover such a word ("master code" when the public
        section only has "key box") or be nearer by a wide margin (the cross-lingual case).
        Such a word counts only when no page the stayer may see (``scope``) has it:
        「予備」 of spare futons, on a public page, is not the staff page's spare key."""
        if staff is None:
            return False
        sim, rec = staff
        if sim <= best.dense + margin:
            return False
        words = kana_words(text, self.bm25.vocab) if is_kana_only(text) else tokenize(text)
        missing = set(words) - set(best.tokens)
        if not missing:
            return False  # the public section covers every word of the question
        mask = self._masks(scope).allowed
        if self.unseen(sorted(missing & set(rec.tokens)), mask):
            return True
        # Coverage cannot be judged across languages: there, only a wide margin counts.
        return best.meta["lang"] != detect_lang(text) and sim > best.dense + strong_margin

    def read_typing(self, text: str) -> str:
        """What a stayer typed as every answerer reads it: chat shorthand written out ("tmrw":
        tomorrow, see expand_shorthand) and English typing slips mended towards the guide's
        words ("chekout": checkout, see correct_spelling)."""
        return correct_spelling(expand_shorthand(text), self.bm25.vocab)

    def with_corpus_kana(self, text: str) -> str:
        """Kana-only typing rewritten with the corpus's words (see rewrite_kana), and loanwords
        typed in hiragana elsewhere in katakana (see rewrite_loanwords): what retrieval embeds."""
        vocab = self.bm25.vocab
        return rewrite_kana(text, vocab) if is_kana_only(text) else rewrite_loanwords(text, vocab)

    def normalize_query(self, text: str) -> str:
        """A question as typed, as retrieval reads it (read_typing, then with_corpus_kana):
        for callers with the raw text; the engine reads the typing once, before its answerers."""
        return self.with_corpus_kana(self.read_typing(text))

    def embed(self, text: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(text), dtype=np.float32)

    def search(self, text: str, scope: Scope, lang: str, k: int = 5, vector: np.ndarray | None = None) -> list[Hit]:
        return self.retrieve(text, scope, lang, k, vector).hits

    def _dense(self, qvec: np.ndarray, scope: Scope) -> tuple[dict[int, float], tuple[float, int] | None]:
        """Nearest allowed records (index -> cosine) and the nearest staff-only one.

        Each of the scope's two collections is asked for as many extra results as it has
        records this scope excludes, so the dense_k nearest allowed ones are always among
        them (exact for small collections) and the nearest staff-only section comes free."""
        f, m = self.fusion, self._masks(scope)
        dense: dict[int, float] = {}
        staff: tuple[float, int] | None = None
        vec = qvec.tolist()
        for key in scope.keys:
            if not m.rows[key]:
                continue
            if m.excluded[key] <= MAX_UNFILTERED_EXTRA:
                where, n = None, f.dense_k + m.excluded[key]
            else:  # many off-season/expired sections: let Chroma drop those
                where, n = scope.when(), f.dense_k + m.staff_rows[key]
            for cid, sim in self.store.query(vec, min(n, m.rows[key]), key, where):
                i = self.by_id.get(cid)
                if i is None:  # chunks of files no longer in the manifest are ignored
                    continue
                if m.allowed[i]:
                    dense[i] = sim
                elif m.staff[i] and (staff is None or sim > staff[0]):
                    staff = (sim, i)
        if len(dense) > f.dense_k:
            dense = dict(sorted(dense.items(), key=lambda kv: kv[1], reverse=True)[: f.dense_k])
        return dense, staff

    def _lines(self, qvec: np.ndarray, m: ScopeMasks, blanks: bool = True) -> dict[int, float]:
        """Each in-scope record's best line cosine (allowed and staff-only records); without
        ``blanks``, a blank's label does not count as a line."""
        q = qvec / (np.linalg.norm(qvec) + 1e-9)
        out: dict[int, float] = {}
        for key, pick in m.units.items():
            rows, vectors = self._block(key)
            if not blanks and len(pick):
                pick = pick[~self._gap_units[rows[pick]]]
            if not len(pick):
                continue
            sims = (vectors @ q)[pick]
            owners = self.unit_owner[rows[pick]]  # ascending: units are stored in record order
            starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
            best = np.maximum.reduceat(sims, starts)
            out.update(zip(owners[starts].tolist(), best.tolist(), strict=True))
        return out

    def _lexical(self, tokens: list[str], mask: np.ndarray, candidates: dict[int, None]) -> np.ndarray:
        """BM25 of ``tokens`` over the records ``mask`` allows, as a share of the best; the
        best ``lexical_k`` join ``candidates`` (their dense score is computed later)."""
        out = np.zeros(len(self.records), dtype=np.float32)
        if not tokens:
            return out
        raw = np.where(mask, self.bm25.scores(tokens), 0.0)
        top = float(raw.max()) if raw.size else 0.0
        if top <= 0:
            return out
        for i in np.argsort(-raw)[: self.fusion.lexical_k]:
            if raw[i] > 0:
                candidates[int(i)] = None
        return (raw / top).astype(np.float32)

    def retrieve(self, text: str, scope: Scope, lang: str, k: int = 5, vector: np.ndarray | None = None) -> Retrieval:
        if not self.records:
            return Retrieval([])
        f = self.fusion
        qvec = self.embed(text) if vector is None else vector
        masks = self._masks(scope)
        section, staff = self._dense(qvec, scope)
        lines = self._lines(qvec, masks, blanks=asks_value(text))
        candidates = dict.fromkeys(section)
        allowed_lines = [(v, i) for i, v in lines.items() if masks.allowed[i]]
        for _, i in sorted(allowed_lines, reverse=True)[: f.dense_k]:
            candidates[i] = None
        staff_lines = [(v, i) for i, v in lines.items() if masks.staff[i]]
        best_staff_line = max(staff_lines)[1] if staff_lines else None
        lex = np.zeros(len(self.records), dtype=np.float32)
        loan_bonus: np.ndarray = np.zeros(len(self.records), dtype=np.float32)
        lexical_mask = masks.allowed & (self.langs == lang) if f.same_lang_only else masks.allowed
        if f.lexical_weight > 0:
            lex = self._lexical(index_tokens(text), lexical_mask, candidates)
        synonyms = self.synonyms_of(text) if lang == "ja" else {}
        alt = sorted({t for others in synonyms.values() for t in others})
        if alt and f.synonym_weight > 0:
            # the guide's synonyms of the question's words (チャリ: 自転車)
            lex = (lex + f.synonym_weight * self._lexical(alt, lexical_mask, candidates)).astype(np.float32)
        if lang == "en" and f.loanword_weight > 0:
            # English words the Japanese pages write in katakana ("check out": チェックアウト)
            loan_bonus = f.loanword_weight * self._lexical(loanword_tokens(text, self.bm25.vocab),
                                                           masks.allowed & (self.langs == "ja"), candidates)
        elif lang == "ja":
            katakana = katakana_words(text)
            # katakana words are a guide's most specific words (チェックアウト, スーパー): the
            # Japanese pages that hold one gain, and so do English pages with no Japanese
            # version that hold the English word it transliterates (LoanwordBridge)
            loan_bonus = f.katakana_weight * self._lexical(katakana, masks.allowed & (self.langs == "ja"), candidates)
            if f.english_loanword_weight > 0:
                # ...and the words an English guide about Japan keeps as they sound (温泉: onsen)
                english = self.loanwords.english_tokens(katakana) + romaji_words(text)
                loan_bonus += f.english_loanword_weight * self._lexical(
                    english, masks.allowed & self._english_alone, candidates)
        need = [i for i in candidates if i not in section]
        if staff is not None:
            section.setdefault(staff[1], staff[0])
        if best_staff_line is not None and best_staff_line not in section:
            need.append(best_staff_line)
        section.update(self._cosines(need, qvec))

        def blend(i: int) -> float:
            s = section.get(i, 0.0)
            return f.section_weight * s + (1 - f.section_weight) * lines.get(i, s)

        hits = [
            Hit(self.records[i], blend(i), float(lex[i]),
                blend(i) + f.lexical_weight * float(lex[i]) + float(loan_bonus[i]),
                section.get(i, 0.0), lines.get(i, section.get(i, 0.0)))
            for i in candidates
        ]
        hits.sort(key=lambda h: h.score, reverse=True)
        self._favour_answer_type(text, hits)
        staff_best: tuple[float, int] | None = None
        for i in {x for x in (staff[1] if staff else None, best_staff_line) if x is not None}:
            if staff_best is None or blend(i) > staff_best[0]:
                staff_best = (blend(i), i)
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
        for h in out:
            h.translation = self.translation(h.meta["path"], h.meta["section"])
        for h in out[:3]:
            parts = self._parts.get((h.meta["path"], h.meta["section"]), [self.by_id[h.record.id]])
            h.lines = [ls for i in parts for ls in self.line_scores(i, qvec)]
            if len(parts) > 1:  # a long section: compose from all of it, overlaps once
                h.section_text = "\n".join(dict.fromkeys(
                    ln for i in parts for ln in self.records[i].text.splitlines()))
                h.section_tokens = tuple(dict.fromkeys(t for i in parts for t in self.records[i].tokens))
        return Retrieval(out, (staff_best[0], self.records[staff_best[1]]) if staff_best else None, synonyms)

    def _favour_answer_type(self, text: str, hits: list[Hit]) -> None:
        """Add the answer-type bonus to the best candidates and re-sort (in place)."""
        weight, asked, how = self.fusion.answer_type_weight, asked_types(text), asks_how(text)
        if weight <= 0 or not (asked or how):
            return
        for h in hits[: self.fusion.typed_k]:
            i = self.by_id[h.record.id]
            got = self._held.get(i)
            if got is None:
                got = self._held[i] = (held_types(h.record.text), holds_how(h.record.text))
            held, says_how = got
            if asked:
                h.score += weight * len(asked & held) / len(asked)
            if how and says_how:  # 「ストーブの使い方」: the section that says how
                h.score += weight
        hits.sort(key=lambda h: h.score, reverse=True)

    def _cosines(self, indices: list[int], qvec: np.ndarray) -> dict[int, float]:
        """Section cosines of records Chroma did not return (from their stored vectors)."""
        if not indices:
            return {}
        recs = [self.records[i] for i in indices]
        got = self.store.vectors([r.id for r in recs], [r.scope_key for r in recs])
        out: dict[int, float] = {}
        qn = float(np.linalg.norm(qvec)) + 1e-9
        for i, r in zip(indices, recs, strict=True):
            v = got.get(r.id)
            if v is None:
                out[i] = 0.0
                continue
            vec = np.asarray(v, dtype=np.float32)
            out[i] = float(vec @ qvec / (np.linalg.norm(vec) * qn + 1e-9))
        return out
