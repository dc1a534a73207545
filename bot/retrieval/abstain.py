"""Whether to answer: a small logistic model over evidence, not one similarity threshold.

On loosely typed questions no similarity threshold separates answerable from
unanswerable ones (AUC 0.55-0.66), so the decision weighs several kinds of evidence about
the best section:

- how close it is, as a whole and by its best line, and by how much it beats the next;
- how much of the question's wording it covers (judged on the section the answer quotes:
  its translation in the stayer's language when the composer swaps to it), and how much of the
  question's topic appears nowhere the stayer may look ("gym" when no page has one);
- whether the question's key words (its rarest topic words the guide knows) are in it;
- whether it holds the kind of answer asked for (a time, a price, a number, a rule:
  ``bot.retrieval.evidence``);
- whether a staff-only section is closer than it;
- across languages, where no word is shared (a Chinese question, a Japanese page), how
  close the section's nouns come to the question's by word vectors (``text.segment``).

The weights are fitted by ``bench/fit_abstention.py`` on the dev and loose questions
with repeated 5-fold cross-validation, which also prints the cross-validated figures
(README). The model only decides; it never changes which section answers.
"""

from __future__ import annotations

import math
from collections.abc import Container, Mapping
from dataclasses import dataclass

import numpy as np

from bot.retrieval.evidence import names_answer_type, type_fit
from bot.retrieval.search import Hit, Retrieval, Retriever, Scope, parallel, quoted_hit
from ingest.retrieval.store import ChunkRecord
from text.loanwords import loanword_tokens
from text.segment import nouns, word_weights
from text.tokenize import is_kana_only, kana_topic_words, tokenize, topic_words

FEATURES: tuple[str, ...] = (
    "section", "line", "lexical", "margin", "coverage", "cross_lang", "unseen", "entity", "entity_unknown",
    "type_share", "type_missing", "staff", "cross_words",
)
#: Nouns of a section compared with a question's across languages (its first ones: the
#: heading and opening say what it is about; a 10,000-character page would cost ~50 ms).
MAX_PAGE_NOUNS = 200
#: The median closest-word cosine of the dev and loose questions asked across languages.
TYPICAL_WORD_MATCH = 0.6


@dataclass(frozen=True)
class Evidence:
    """The features of one (question, best section) pair, in :data:`FEATURES` order."""

    values: tuple[float, ...]

    def as_dict(self) -> dict[str, float]:
        return dict(zip(FEATURES, self.values, strict=True))


def evidence(retriever: Retriever, text: str, lang: str, hits: list[Hit],
             staff: tuple[float, ChunkRecord] | None, scope: Scope,
             synonyms: Mapping[str, frozenset[str]] | None = None) -> Evidence:
    """Evidence for answering ``text`` with ``hits[0]`` (``hits`` best first); ``synonyms``
    as retrieval found them (``Retrieval.synonyms``), else looked up again."""
    best = hits[0]
    # The margin over the next *other* section: its translation ranking second is no doubt.
    rivals = [h for h in hits[1:] if h.meta["lang"] == best.meta["lang"]
              or not parallel(h.meta["path"], best.meta["path"])]
    margin = best.score - rivals[0].score if rivals else 0.3
    bm25 = retriever.bm25
    kana = is_kana_only(text)
    # Sorted, never set order: Python salts string hashes per process, so iterating a set
    # made the evidence (and the decision to answer) differ from one process to the next.
    kana_topic = set(kana_topic_words(text, bm25.vocab)) if kana else set()
    words = sorted(kana_topic if kana else set(tokenize(text)))
    topic = kana_topic if kana else set(topic_words(text))
    idf = {t: bm25.idf(t, retriever.conf.unknown_idf) for t in words}
    total = sum(idf.values()) or 1.0
    # Words are judged on the section the answer quotes: for an English question whose
    # best section is Japanese, its English translation when the composer swaps to it
    # ("car seat" is not in "Rental cars", whatever the Japanese page's cosine).
    quoted = quoted_hit(hits, lang)
    same = quoted.meta["lang"] == lang
    have = set(quoted.tokens)
    if synonyms is None:
        synonyms = retriever.synonyms_of(text) if lang == "ja" else {}
    if synonyms:  # a word the section writes as a synonym ("チャリ": 自転車) is held
        have |= {t for t, others in synonyms.items() if others & have}
    if same:
        coverage = sum(v for t, v in idf.items() if t in have) / total
    elif lang == "en" and quoted.meta["lang"] == "ja":
        # an English question on a Japanese page: the words it holds as katakana loanwords
        # ("key locker": キーロッカー), weighed like the words themselves
        coverage = sum(v for t, v in idf.items() if t in _loanwords_of(t, have, bm25.vocab)) / total
    else:
        coverage = 0.0
    cross_words = 0.0
    if not same and not (lang == "en" and quoted.meta["lang"] == "ja"):
        # No words in common across these languages (a Chinese question, Japanese pages): the
        # question's nouns against the section's, by word vectors, centred on the typical match
        # so that a question the model cannot judge this way (no nouns) weighs nothing.
        asked = word_weights([w for w in nouns(text, lang) if not names_answer_type(w)], lang)
        page = nouns(f"{quoted.meta['heading']}\n{quoted.text}", quoted.meta["lang"])[:MAX_PAGE_NOUNS]
        found = retriever.word_match(asked, page)
        cross_words = found - TYPICAL_WORD_MATCH if found else 0.0
    unseen = 0.0
    if lang in ("ja", "en"):
        # Words missing from the pages count only as far as there are pages in the question's
        # language: an English question about Japanese-only pages is normal, and so is a
        # Japanese question in a house whose guide is English.
        mask = retriever._masks(scope).allowed
        share = float((mask & (retriever.langs == lang)).sum()) / max(1, int(mask.sum()))
        share = share if lang == "en" else min(1.0, 2 * share)
        missing = retriever.unseen((t for t in idf if t in topic), mask, synonyms)
        unseen = share * sum(v for t, v in idf.items() if t in missing) / total
    known = sorted((t for t in topic if t in bm25.vocab), key=lambda t: (-idf[t], t))[:2]  # ties: by the word
    entity_unknown = not (same and known)
    entity = 0.0 if entity_unknown else float(any(t in have for t in known))
    fit = type_fit(text, best.text)  # the whole section: a long one's best chunk may lack the time it gives
    staff_gap = (staff[0] - best.dense) if staff is not None else -0.5
    return Evidence((
        best.section, best.line, quoted.lexical, margin, coverage, float(not same), unseen, entity,
        float(entity_unknown), fit.share, float(fit.missing), staff_gap, cross_words,
    ))


def _loanwords_of(token: str, have: set[str], vocab: Container[str]) -> set[str]:
    """{token} when the English ``token``'s katakana loanword is among ``have``, else {}."""
    found = loanword_tokens(token, vocab)
    return {token} if found and all(t in have for t in found) else set()


@dataclass(frozen=True)
class AbstainModel:
    """``P(answer) = sigmoid(bias + weights . features)``; answer when at least ``threshold``.

    Defaults: fitted by bench/fit_abstention.py (all dev + loose retrieval questions)."""

    weights: tuple[float, ...] = (0.09, 2.73, 1.03, 6.18, 1.42, -0.25, -4.79, 1.87, 3.17, -1.09, -1.32, -4.98, 33.22)
    bias: float = -3.00

    def probability(self, ev: Evidence) -> float:
        z = self.bias + float(np.dot(self.weights, ev.values))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def answer_confidence(retriever: Retriever, text: str, lang: str, got: Retrieval, scope: Scope,
                      model: AbstainModel | None = None) -> float:
    """How sure an answer from ``got.hits[0]`` is, in [0, 1]; the composer abstains below
    ``ComposeConfig.abstain_below``. A question about staff-only information (closer to a
    staff-only section than to anything public, about words only that section has) is 0."""
    if not got.hits:
        return 0.0
    if retriever.asks_for_staff_info(text, got.staff, got.hits[0], scope):
        return 0.0
    return (model or AbstainModel()).probability(evidence(retriever, text, lang, got.hits, got.staff, scope,
                                                                        got.synonyms))
