"""English words as the katakana loanwords of a Japanese guide ("check out" -> チェックアウト).

An English question about a page that exists only in Japanese meets it by meaning alone
(the multilingual encoder), which confuses neighbours: "where do I drop the card key when
I check out" ranked the check-in page (チェックイン) over the checkout page (チェックアウト).
Many of a guide's words are English loanwords in katakana, so each English word (and
each pair of words, "check out", "card key") is transliterated with e2k (a small numpy
model bundled in its wheel: no download) and kept only when the guide has that very word;
what it adds is lexical evidence for the Japanese sections that hold it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Container
from functools import lru_cache
from typing import Any

from text.english import RETRIEVAL_STOP
from text.tokenize import tokenize

_WORD = re.compile(r"[a-z]{3,}")


#: Content words of a question transliterated at most (with their pairs): e2k's turbo model
#: takes ~2 ms a word on these machines, so a long message must not cost a long wait.
MAX_WORDS = 8


@lru_cache(maxsize=1)
def _model() -> Any:
    from e2k import C2K

    return C2K(model="turbo")  # as good as "base" on guide words, at 2 ms a word instead of 5


_LOCK = threading.Lock()  # one model, shared by the server's threads


@lru_cache(maxsize=4096)
def katakana(word: str) -> str:
    """The katakana an English word is written in ("checkout" -> チェックアウト)."""
    with _LOCK:
        return str(_model()(word, strategy="greedy"))


@lru_cache(maxsize=4096)
def katakana_tokens(word: str) -> tuple[str, ...]:
    """The index tokens of ``word``'s katakana form (kept: ranking and abstention evidence
    both ask for the same words of a question)."""
    return tuple(tokenize(katakana(word)))


def loanword_tokens(text: str, vocab: Container[str]) -> list[str]:
    """The index tokens of the katakana forms of ``text``'s English words (and pairs of
    adjacent words) that the guide has."""
    words = [w for w in _WORD.findall(text.lower().replace("-", "")) if w not in RETRIEVAL_STOP][:MAX_WORDS]

    def found(word: str) -> tuple[str, ...]:
        tokens = katakana_tokens(word)
        return tokens if tokens and all(t in vocab for t in tokens) else ()

    out: list[str] = []
    i = 0
    while i < len(words):
        # a pair the guide has as one word wins over its parts: "check out" is チェックアウト,
        # and "check" alone (チェック) would find チェックイン as well
        pair = found(words[i] + words[i + 1]) if i + 1 < len(words) else ()
        got, i = (pair, i + 2) if pair else (found(words[i]), i + 1)
        out.extend(t for t in got if t not in out)
    return out
