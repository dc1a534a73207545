"""Sections written as a list of questions and answers ("Q. Is there an iron? A. …").

Host guides often keep an FAQ page: one heading over many question-answer pairs, each a
separate answer. Quoted like prose, such a section answered "where do I mail a letter?"
with the futon, barbecue and laundry pairs before the post office one, and a long one
was cut before it. The pairs are found from the page's own structure, in any language:
a line opening with a question mark-up ("Q.", "Q1:", "Ｑ．", "問", "質問") or a line that
is itself a question (ends with "?" or "？") followed by lines that are not, at least
twice in the section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LEAD = r"^[・\-*\s]*(?:\*\*|__)?\s*"
_NUM = r"\s*[0-9０-９]*\s*"
_PUNCT = r"[.:：．、)）]"


def _marker(letters: str, words: str) -> re.Pattern[str]:
    """"Q." "Q1:" "Q1 " "【Q】" "問1" "質問：" (and the same for answers): a letter alone is a
    marker only with a number or a stop after it ("Quiet hours" is not a question)."""
    return re.compile(_LEAD + "(?:" + "|".join([
        rf"[【\[(（]\s*(?:{letters}|{words}){_NUM}[】\])）]",
        rf"(?:{letters}){_NUM}{_PUNCT}",
        rf"(?:{letters})\s*[0-9０-９]+\s",
        rf"(?:{words}){_NUM}{_PUNCT}",
        rf"(?:{words})\s*[0-9０-９]+",
    ]) + r")\s*(?:\*\*|__)?\s*", re.IGNORECASE)


_Q_MARK = _marker("Q|Ｑ", "質問|問")
_A_MARK = _marker("A|Ａ", "回答|答え|答")
_ASKS = re.compile(r"[?？]\s*(?:\*\*|__)?\s*$")
#: "- **Can I arrive early?** We'll try to help…": a list item opening with its question.
_ASKS_FIRST = re.compile(r"^[・\-*]\s*(?:\*\*|__)?[^?？。.!！]{3,}[?？]\s*(?:\*\*|__)?\s+(?=\S)")
#: "Q. Is there an iron? A. Yes, …" on one line (a Markdown paragraph joins the two).
_INLINE_ANSWER = re.compile(r"[?？]\s*(?:\*\*|__)?\s*(?=(?:A|Ａ|回答|答え|答)\s*[0-9０-９]*\s*[.:：．、)）])",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Pair:
    """One question and its answer: ``lines`` of the section, the question first."""

    lines: tuple[str, ...]
    #: False for the lines before the first question (an introduction, or an answer itself)
    asked: bool = True

    @property
    def answer(self) -> str:
        """The answer without its question (what a voice speaks)."""
        first = self.lines[0]
        if not self.asked:
            return " ".join(self.lines)
        inline = _INLINE_ANSWER.search(first) or _ASKS_FIRST.match(first)
        head = _A_MARK.sub("", first[inline.end():], count=1) if inline else ""
        rest = [_A_MARK.sub("", line, count=1) for line in self.lines[1:]]
        return " ".join(p.strip() for p in [head, *rest] if p.strip())


def qa_pairs(lines: list[str]) -> list[Pair] | None:
    """The pairs, in order, when ``lines`` are a list of at least two questions each
    followed by its answer (the lines before the first question, if any, come first, as a
    block that is not asked); None for any other section."""
    starts = [i for i, line in enumerate(lines) if _is_question(line)]
    if len(starts) < 2:
        return None
    bounds = [*starts, len(lines)]
    pairs = [Pair(tuple(lines[a:b])) for a, b in zip(bounds, bounds[1:], strict=False)]
    if any(not p.answer for p in pairs):
        return None  # a question without an answer: a list of questions, not of answers
    preamble = [Pair(tuple(lines[: starts[0]]), asked=False)] if starts[0] else []
    return preamble + pairs


def _is_question(line: str) -> bool:
    return bool(_Q_MARK.match(line) or _ASKS.search(line) or _ASKS_FIRST.match(line))
