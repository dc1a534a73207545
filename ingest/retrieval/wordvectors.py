"""Vectors of the English words the pages use, so a question's word can meet its neighbours.

A stayer's word that no page uses counts against answering ("is there a gym?" when no page
mentions one). But "can i bring my dog" is answered by "No pets", and "max how many ppl"
by "Maximum occupancy: 8 people" under another spelling: the pages use a word the
encoder puts right beside the stayer's. Each English word of the index (as BM25 holds
it: lower case, stemmed) is embedded once, at ingest, with the same model as the pages,
and kept in the snapshot; a re-ingest embeds only the words that are new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

#: Shortest word embedded: shorter ones are units and fragments ("am", "km").
MIN_LETTERS = 3


@dataclass
class WordVectors:
    """``vectors[i]`` is the unit vector of ``words[i]`` (float16, like the line vectors)."""

    words: list[str] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float16))


def english_vocabulary(vocab: Iterable[str]) -> list[str]:
    """The index's English words worth a vector, sorted."""
    return sorted(t for t in vocab if t.isascii() and t.isalpha() and len(t) >= MIN_LETTERS)


def build_word_vectors(words: list[str], embed: Callable[[list[str]], list[list[float]]],
                       old: WordVectors | None = None) -> WordVectors:
    """Vectors for ``words``, reusing ``old``'s (same model) for the words it has."""
    known = {w: i for i, w in enumerate(old.words)} if old is not None and len(old.words) else {}
    new = [w for w in words if w not in known]
    fresh = _unit(np.asarray(embed(new), dtype=np.float32)) if new else np.zeros((0, 0), dtype=np.float32)
    if not words:
        return WordVectors()
    dim = fresh.shape[1] if len(new) else old.vectors.shape[1]  # type: ignore[union-attr]
    out = np.zeros((len(words), dim), dtype=np.float16)
    at_new = {w: i for i, w in enumerate(new)}
    for i, w in enumerate(words):
        out[i] = old.vectors[known[w]] if w in known else fresh[at_new[w]]  # type: ignore[union-attr]
    return WordVectors(words, out)


def _unit(v: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norms == 0, 1.0, norms)
