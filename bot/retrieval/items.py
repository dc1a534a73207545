"""Sections that are lists of separate answers: questions and answers, table rows.

Host guides keep FAQ pages (one heading over many "Q. Is there an iron? A. …" pairs) and
tables ("| Item | Where |", one row per thing). Quoted like prose, a short one is quoted
whole: "where do I mail a letter?" got the futon, barbecue and laundry pairs before the
post office one, and "where is the vacuum?" every row of the table. Both are found from
the page's own structure, in any language:

- a pair opens with a question mark-up ("Q.", "Q1:", "Ｑ．", "問", "質問"), or is a line
  that is itself a question (ends with "?" or "？"), or a list item opening with one
  ("- **Can friends visit?** Daytime visitors are fine…"); at least two in the section;
- a row is a line as ingest writes a table's body row, each cell named by its column
  ("Item: Vacuum cleaner; Where: Hall closet") or, in a table without a header, its
  cells joined ("Vacuum cleaner | Hall closet"); at least three with the same columns.
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
class Item:
    """One separate answer of a list: a question and its answer (the question first), a
    table row, or the other lines between them (``asked`` False: an introduction, a note)."""

    lines: tuple[str, ...]
    asked: bool = True

    @property
    def answer(self) -> str:
        """The answer without its question (what a voice speaks)."""
        first = self.lines[0]
        if not self.asked or not _is_question(first):
            return " ".join(self.lines)
        inline = _INLINE_ANSWER.search(first) or _ASKS_FIRST.match(first)
        head = _A_MARK.sub("", first[inline.end():], count=1) if inline else ""
        rest = [_A_MARK.sub("", line, count=1) for line in self.lines[1:]]
        return " ".join(p.strip() for p in [head, *rest] if p.strip())


def answer_items(lines: list[str]) -> list[Item] | None:
    """The items of a section that is a list of separate answers, in order; None for any
    other section (which is quoted as prose). A section may hold both: an FAQ list and then
    a table of contacts (a pair's answer ends where the table starts)."""
    rows = _table_rows_at(lines)
    runs: list[tuple[bool, list[str]]] = []  # (is a table row, lines), in order
    for i, line in enumerate(lines):
        if i in rows or not runs or runs[-1][0]:
            runs.append((i in rows, [line]))
        else:
            runs[-1][1].append(line)
    paired = [qa_pairs(run, min_questions=1) if not is_row else None for is_row, run in runs]
    if sum(1 for is_row, run in runs if not is_row for line in run if _is_question(line)) < 2 \
            or any(p is None and not is_row and any(_is_question(x) for x in run)
                   for p, (is_row, run) in zip(paired, runs, strict=True)):
        paired = [None] * len(runs)  # no list of questions with answers: only the rows are items
    if not rows and not any(paired):
        return None
    items: list[Item] = []
    for p, (is_row, run) in zip(paired, runs, strict=True):
        items.extend(p if p is not None else [Item(tuple(run), asked=is_row)])
    return items


def _table_rows_at(lines: list[str]) -> set[int]:
    """The indexes of the lines that are rows of the section's table (see table_rows)."""
    columns = [_columns(line) for line in lines]
    counts: dict[tuple[str, ...], int] = {}
    for c in columns:
        if c:
            counts[c] = counts.get(c, 0) + 1
    table = max(counts, key=lambda c: counts[c], default=None)
    if table is None or counts[table] < MIN_ROWS:
        return set()
    return {i for i, c in enumerate(columns) if c == table}


def qa_pairs(lines: list[str], min_questions: int = 2) -> list[Item] | None:
    """The pairs, in order, when ``lines`` are a list of at least two questions each
    followed by its answer (the lines before the first question, if any, come first, as a
    block that is not asked); None for any other section."""
    starts = [i for i, line in enumerate(lines) if _is_question(line)]
    if len(starts) < max(1, min_questions):
        return None
    bounds = [*starts, len(lines)]
    pairs = [Item(tuple(lines[a:b])) for a, b in zip(bounds, bounds[1:], strict=False)]
    if any(not p.answer for p in pairs):
        return None  # a question without an answer: a list of questions, not of answers
    preamble = [Item(tuple(lines[: starts[0]]), asked=False)] if starts[0] else []
    return preamble + pairs


#: How many rows with the same columns make a table.
MIN_ROWS = 3
#: A named cell as ingest writes a row: "Who: …" first, "; Phone: …" or "、電話：…" after.
_NAMED_CELL = re.compile(r"(?:^・?|; |、)\s*([^:：;、]{1,30}?)\s*[:：]\s*(?=\S)")


def table_rows(lines: list[str]) -> list[Item] | None:
    """Each row of a table, and each run of other lines, as items, when the section has at
    least MIN_ROWS rows with the same columns; None otherwise."""
    rows = _table_rows_at(lines)
    if not rows:
        return None
    items: list[Item] = []
    other: list[str] = []
    for i, line in enumerate(lines):
        if i in rows:
            if other:
                items.append(Item(tuple(other), asked=False))
                other = []
            items.append(Item((line,)))
        else:
            other.append(line)
    if other:
        items.append(Item(tuple(other), asked=False))
    return items


def _columns(line: str) -> tuple[str, ...] | None:
    """The column names of a row as ingest writes it ("Who: Taxi; Phone: 0157-…" ->
    ("who", "phone")), or its number of cells when its table named none ("Taxi | 0157-…",
    a Word table without a header row); None for a line that is not a row (fewer than two
    cells). A cell's own "; " ("Tablets under the sink; press Start") names nothing."""
    if " | " in line:
        return ("|",) * (line.count(" | ") + 1)
    names = tuple(m.group(1).casefold() for m in _NAMED_CELL.finditer(line))
    return names if len(names) >= 2 and _NAMED_CELL.match(line) else None


def _is_question(line: str) -> bool:
    return bool(_Q_MARK.match(line) or _ASKS.search(line) or _ASKS_FIRST.match(line))
