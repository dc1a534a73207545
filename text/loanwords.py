"""English words as the katakana loanwords of a Japanese guide ("check out" -> チェックアウト),
and back: a Japanese question's katakana as the English guide's words (チェックアウト -> checkout).

An English question about a page that exists only in Japanese meets it by meaning alone
(the multilingual encoder), which confuses neighbours: "where do I drop the card key when
I check out" ranked the check-in page (チェックイン) over the checkout page (チェックアウト).
Many of a guide's words are English loanwords in katakana, so each English word (and
each pair of words, "check out", "card key") is transliterated with e2k (a small numpy
model bundled in its wheel: no download) and kept only when the guide has that very word;
what it adds is lexical evidence for the Japanese sections that hold it.

The other way round, a Japanese question about an English guide met the same confusion
(「チェックアウトの時間は？」 ranked the check-in page). e2k only writes English as katakana,
so the English guide's own words are transliterated once, at ingest (``transliterate``),
and a :class:`LoanwordBridge` looks the question's katakana words up among them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Container, Iterable, Mapping
from functools import lru_cache
from typing import Any

from text.english import RETRIEVAL_STOP, stem
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


# --------------------------------------------------------------------------- the other way

#: Letters of the longest word worth transliterating (e2k writes at most 16 kana anyway).
_LONGEST = 24
_KANA_TOKEN = re.compile(r"[\u3041-\u3096ー]{3,}")  # index tokens fold katakana to hiragana


def english_words(text: str) -> list[str]:
    """The words of an English text worth transliterating (three letters or more, not
    function words), once each, and their stems: Japanese borrows the singular
    ("detectors" is written ディテクター)."""
    out: dict[str, None] = {}
    for w in _WORD.findall(text.lower().replace("-", "")):
        if w not in RETRIEVAL_STOP and len(w) <= _LONGEST:  # a longer "word" is an id or a blob
            out[w] = None
            root = stem(w)
            if len(root) >= 3 and root != w:
                out[root] = None
    return list(out)


def transliterate(words: Iterable[str], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """{word: the index tokens of its katakana, joined} for ``words``, reusing ``known`` (the
    previous snapshot's): at ingest, so a question never waits for e2k on a guide's words,
    a re-ingest only for new ones, and a start-up does not tokenize them all again (1.4 s
    CPU at 24,000 words)."""
    known = known or {}
    return {w: known[w] if w in known else "".join(tokenize(katakana(w))) for w in dict.fromkeys(words)}


class LoanwordBridge:
    """A Japanese question's katakana words -> the English index tokens they transliterate.

    Keys are the index tokens of each word's katakana (folded to hiragana), joined, as
    ``transliterate`` stores them: the question is tokenized the same way, so spelling
    variants Sudachi normalises meet. A compound the guide writes as two words ("smoke
    detector": スモークディテクター, one token in the question) is split into words the guide has.
    """

    def __init__(self, keys: Mapping[str, str]):
        self._english: dict[str, set[str]] = {}
        for word, key in keys.items():
            if _KANA_TOKEN.fullmatch(key):
                self._english.setdefault(key, set()).add(stem(word))

    def __bool__(self) -> bool:
        return bool(self._english)

    def english_tokens(self, tokens: list[str]) -> list[str]:
        """The English index tokens for the katakana words among a question's ``tokens``."""
        out: list[str] = []
        for i, token in enumerate(tokens):
            if not _KANA_TOKEN.fullmatch(token):
                continue
            pair = token + tokens[i + 1] if i + 1 < len(tokens) else ""
            found = self._english.get(pair) or self._english.get(token)
            pieces = [found] if found else [self._english[p] for p in self._split(token)]
            for words in pieces:
                out.extend(w for w in sorted(words) if w not in out)
        return out

    def _split(self, token: str) -> list[str]:
        """``token`` as two or more known words, longest first; [] when it is not one."""
        if token in self._english:
            return [token]
        for cut in range(len(token) - 3, 2, -1):
            head = token[:cut]
            if head in self._english:
                rest = self._split(token[cut:])
                if rest:
                    return [head, *rest]
        return []
