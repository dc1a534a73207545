"""English typing slips mended against the guide's own words ("chekout time?", "wher do i park",
"what time is check in").

A misspelt word is a word no page has, so it read as a question about something the guide
lacks: "chekout time?" and "wher do i park" were declined, "wfi pasword" never asked for a
password. A word is mended only when

- an English dictionary does not know it (pyspellchecker's frequency list, bundled with the
  package: no download), and the guide's index has no such word either (names such as
  "Kitami" or "ecobee" stay), and
- one edit turns it into a word the guide uses, or into one of the words every question is
  made of ("where", "when"): a correction can only lead to what the pages say, never invent
  a topic ("wifi" in a guide without Wi-Fi is not turned into "wife").

A compound typed as two words ("check in", "wi fi") is written as the guide's one word
("Check-in", "Wi-Fi") when the guide has it: "check" alone matched every check-in and checkout
line alike, and "what time is check in" was answered from the checkout page.

Among such words a dropped letter wins ("wher" is "where", not "when"), then the commoner
word. Words under six letters are mended only by a dropped letter, and no mending changes
the first letter: one substitution away from a short word lies another word too often
("shud" is not "shut", the public bath "sento" is not "sent"). A word joined to another by
a hyphen is part of a name ("Biho 5-chome") and stays.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from text.english import RETRIEVAL_STOP, stem

if TYPE_CHECKING:
    from spellchecker import SpellChecker

# A word standing alone: "chome" in "Biho 5-chome" is part of a name ("home" is one edit away)
_WORD = re.compile(r"(?<![A-Za-z0-9'-])[A-Za-z]{4,}(?![A-Za-z0-9'-])")
_ALPHA = re.compile(r"(?<![A-Za-z0-9'-])[A-Za-z]{2,}(?![A-Za-z0-9'-])")
_MIN_SUBSTITUTED = 6  # shorter words are mended only by a dropped letter


_STOP_STEMS = frozenset(stem(w) for w in RETRIEVAL_STOP)  # "wants" is a question word as "want" is


@lru_cache(maxsize=1)
def _dictionary() -> SpellChecker:
    """The English word-frequency list (loaded on the first unknown word: 0.2 s)."""
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1)


def _drops_a_letter(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with one letter left out."""
    return len(word) == len(typed) + 1 and any(word[:i] + word[i + 1:] == typed for i in range(len(word)))


def mend(word: str, vocab: Container[str]) -> str | None:
    """The word ``word`` (lower case) was meant to be, or None when it is fine or unclear."""
    if stem(word) in vocab or stem(word) in _STOP_STEMS:
        return None
    spell = _dictionary()
    if word in spell:
        return None
    candidates = [w for w in spell.known(spell.edit_distance_1(word))
                  if w[:1] == word[:1] and (stem(w) in vocab or stem(w) in _STOP_STEMS) and w.isalpha()]
    dropped = [w for w in candidates if _drops_a_letter(word, w)]
    pool = dropped or (candidates if len(word) >= _MIN_SUBSTITUTED else [])
    if not pool:
        return None
    return max(pool, key=lambda w: (spell[w], w))


def join_compounds(text: str, vocab: Container[str]) -> str:
    """``text`` with two words written as one hyphenated word where the guide's index has them
    as one ("check in" -> "check-in" when a page says "Check-in" or "checkin")."""
    words = list(_ALPHA.finditer(text))
    out, at, i = [], 0, 0
    while i < len(words) - 1:
        first, second = words[i], words[i + 1]
        a, b = first.group(0), second.group(0)
        whole = (a + b).lower()
        both_stop = a.lower() in RETRIEVAL_STOP and b.lower() in RETRIEVAL_STOP
        if (text[first.end():second.start()] == " " and not both_stop
                and whole not in RETRIEVAL_STOP and stem(whole) in vocab):
            out.append(text[at:first.start()] + f"{a}-{b}")
            at, i = second.end(), i + 2
        else:
            i += 1
    return "".join(out) + text[at:]


def correct_spelling(text: str, vocab: Container[str]) -> str:
    """``text`` with misspelt English words mended and split compounds joined (see the
    module docstring); words in capitals ("ATM", "SSID") and everything else stay as typed."""

    def fix(m: re.Match[str]) -> str:
        typed = m.group(0)
        if typed.isupper():
            return typed
        return mend(typed.lower(), vocab) or typed

    return join_compounds(_WORD.sub(fix, text), vocab)


def by_length(words: Iterable[str]) -> dict[int, list[str]]:
    """``words`` grouped by length, for :func:`close_matches`."""
    out: dict[int, list[str]] = {}
    for w in words:
        out.setdefault(len(w), []).append(w)
    return out


def close_matches(word: str, grouped: Mapping[int, Sequence[str]], n: int, cutoff: float) -> list[str]:
    """``difflib.get_close_matches(word, words, n, cutoff)`` for the words ``grouped`` by
    length, scoring only the lengths that can reach ``cutoff`` (a ratio is at most
    2·min(len)/(sum of lens)): the same answer, without comparing every word of a
    dictionary to every typed word (a fifth of an English question's CPU time)."""
    size = len(word)
    candidates = [w for length, words in grouped.items()
                  if size + length and 2 * min(size, length) / (size + length) >= cutoff for w in words]
    return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)
