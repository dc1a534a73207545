"""A PDF's text as an outline: headings (from type size and weight) and paragraphs.

A guide printed to PDF (a browser's "Save as PDF", Word's export) keeps no structure, only
positioned text. pypdf's text visitor gives each run's font, size and position; from those:

- **lines** are runs on one baseline, in x order;
- **page furniture** is dropped: a line at a page's top or bottom edge that repeats on
  other pages (digits aside: "Page 2 of 6"), that counts pages ("3", "3/6", "Page 3"),
  or that is set smaller than the text and holds a date, time or address (a browser's
  printed header and footer);
- **headings** are lines set larger than the body text (each larger size one level up,
  at most three); only in a document without larger type, whole lines in bold that do
  not end like a sentence (where sizes make the outline, bold is emphasis, as in Markdown);
  a heading wrapped onto two lines is one heading;
- **wrapped lines** are joined back into their paragraph when the line before does not
  end a sentence and either ends in a comma, or the next starts in lower case, or its first word would not
  have fitted on the line before (the line was full); a break after a hyphen keeps it.

Nothing here knows any one document: the body size is the size most characters are set in.
A PDF without size or weight differences gives no headings (the caller falls back to pages).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

#: Typographic ligatures pypdf hands back as one character (ﬁ, ﬂ, ﬀ ...).
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st", "\u00ad": ""})
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_BULLET_GLYPH = re.compile(r"^[•●▪■◦○‣∙·\uf0b7\uf0a7]\s*")
#: A list item's start: a bullet or a number and a space, or (Japanese, set without a
#: space) a full-width bullet, a circled number or a number before CJK text. A wrapped
#: line cannot start with "・" or "）": Japanese line breaking keeps those on the line before.
_LIST_START = re.compile(r"^(?:(?:[-*+•]|\d{1,3}[.)]|[(（]?\d{1,3}[)）])\s|[・●■◆◇□○◎※▶►]|[①-⑳]"
                         r"|[(（]?\d{1,3}[.)．）](?=[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]))")
_SENTENCE_END = re.compile(r"[.!?:;。！？：；」』)）]$")
_FULL_STOP = re.compile(r"[.!?。！？]['\"’”」』)）]?$")
_PAGE_COUNTER = re.compile(r"^(?:page|p\.|pg\.?|ページ|頁)?\s*[-–—－‐]?\s*(\d{1,4})\s*[-–—－‐]?\s*"
                           r"(?:(?:/|of|／)\s*\d{1,4})?\s*(?:ページ|頁)?$", re.IGNORECASE)
_TRAILING_COUNTER = re.compile(r"(?:^|\s)(\d{1,4})\s*(?:/|of|／)\s*(\d{1,4})$", re.IGNORECASE)
_PRINT_STAMP = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|\d{1,2}:\d{2}|\w+://|www\.")
_CJK = re.compile(r"[\u2027\u2215\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
#: CJK fonts draw a common ideograph and a radical with one glyph, and their ToUnicode maps
#: often name the radical: the Kangxi radicals fold under NFKC, the supplement's whole-character
#: forms (Unicode's EquivalentUnifiedIdeograph) do not.
_RADICALS = str.maketrans({"\u2ea0": "民", "\u2ec1": "虎", "\u2ec4": "西", "\u2ec6": "角", "\u2ed1": "長",
                           "\u2ed8": "青", "\u2edd": "食", "\u2ee3": "骨", "\u2ee4": "鬼", "\u2ee8": "麦",
                           "\u2ee9": "黄", "\u2eeb": "斉", "\u2eed": "歯", "\u2eef": "竜", "\u2ef2": "亀"})
_KANGXI = re.compile(r"[\u2e80-\u2fdf]")
#: Glyphs a CJK font shares with punctuation and names by the odd code point: the middle dot
#: (U+2027) and the slash (U+2215); full-width in a line of CJK text, else the ASCII-side one.
_SHARED_GLYPHS = {"\u2027": ("・", "·"), "\u2215": ("／", "/")}
#: What a line break may not split off a line's start (Japanese kinsoku): opening brackets
#: (which may not end a line) with the character or word after them, and the punctuation
#: and small kana that may not start a line.
_LINE_START = re.compile(r"^[（「『【〔［｛〈《“‘]*(?:[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]"
                         r"[、。，．・：；？！）」』】〕〉》ーぁぃぅぇぉっゃゅょァィゥェォッャュョ…]*"
                         r"|[^\s\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]+)")
#: A list item's number or bullet, alone (the space after it is the author's).
_MARKER = re.compile(r"^(?:[-*+•・●▪■◦○]|[(（]?(?:\d{1,3}|[０-９]{1,3})[.)．）]|[①-⑳])$")


@dataclass
class PdfLine:
    """One printed line: its text, where it stands, and how it is set."""

    page: int
    text: str
    x: float
    y: float  # baseline, upwards from the page's bottom
    size: float
    bold: bool
    end: float = 0.0  # where the line's type ends, estimated from its last run (see page_lines)


@dataclass
class Block:
    """A heading (level 1-3) or a paragraph (level 0) and the page it starts on."""

    level: int
    text: str
    page: int


def page_lines(page: Any, number: int) -> list[PdfLine]:
    """The lines of one pypdf page, top to bottom."""
    runs: list[tuple[float, float, float, bool, str]] = []  # x, y, size, bold, text

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        a, b, c, d, e, f = _multiply(tm, cm)
        scale = abs(a * d - b * c) ** 0.5 or 1.0
        name = str(font.get("/BaseFont", "")) if font else ""
        runs.append((e, f, round(size * scale, 1), bool(_BOLD_FONT.search(name)), text.translate(_LIGATURES)))

    page.extract_text(visitor_text=visit)
    lines: list[list[tuple[float, float, float, bool, str]]] = []
    for run in runs:
        for line in reversed(lines[-3:]):  # a run joins a recent line on its baseline
            if abs(line[0][1] - run[1]) <= 0.3 * max(run[2], 1.0):
                line.append(run)
                break
        else:
            lines.append([run])
    out = []
    for line in lines:
        line.sort(key=lambda r: r[0])
        text = _join_runs([(r[0], r[2], r[4]) for r in line])
        if not text:
            continue
        chars = Counter[float]()
        for r in line:
            chars[r[2]] += len(r[4].strip())
        bold = all(r[3] for r in line if r[4].strip())
        last = line[-1]
        out.append(PdfLine(number, text, line[0][0], line[0][1], chars.most_common(1)[0][0], bold,
                           last[0] + _em_width(_unfold(last[4]).strip()) * last[2]))
    out.sort(key=lambda ln: -ln.y)
    return out


def outline(pages: list[list[PdfLine]]) -> list[Block]:
    """Headings and paragraphs of the whole document, furniture left out; [] when no line
    stands out as a heading."""
    lines = [ln for ln in pages if ln]
    body = body_size([ln for page in lines for ln in page])
    kept = [ln for page in drop_furniture(lines, body) for ln in page]
    levels = heading_levels(kept, body)
    if not any(levels):
        return []
    blocks: list[Block] = []
    prev: PdfLine | None = None
    capacity = _capacities(kept, levels)
    margin = _right_margins(kept, levels)
    for ln, level in zip(kept, levels, strict=True):
        text = _BULLET_GLYPH.sub("- ", ln.text)
        last = blocks[-1] if blocks else None
        if level and last and last.level == level and prev is not None and prev.page == ln.page \
                and 0 < prev.y - ln.y <= 1.6 * ln.size:
            last.text += " " + text  # a heading wrapped onto a second line
        elif level:
            blocks.append(Block(level, text, ln.page))
        elif last and last.level == 0 and prev is not None and _continues(prev, ln, last.text, capacity, margin):
            last.text = _join(last.text, text)
        else:
            blocks.append(Block(0, text, ln.page))
        prev = ln
    return blocks


def body_size(lines: list[PdfLine]) -> float:
    """The size most characters are set in."""
    chars = Counter[float]()
    for ln in lines:
        chars[round(ln.size * 2) / 2] += len(ln.text)
    return chars.most_common(1)[0][0] if chars else 0.0


def drop_furniture(pages: list[list[PdfLine]], body: float) -> list[list[PdfLine]]:
    """Pages without their running headers, footers and page numbers."""
    def edges(page: list[PdfLine]) -> list[PdfLine]:
        return page[:2] + page[-2:] if len(page) > 4 else list(page)

    def folded(text: str) -> str:
        return re.sub(r"\d+", "#", text.casefold())

    repeats = Counter(folded(ln.text) for page in pages for ln in {id(x): x for x in edges(page)}.values())
    total = len(pages)
    out = []
    for no, page in enumerate(pages, start=1):
        edge = {id(ln) for ln in edges(page)}
        kept = []
        for ln in page:
            if id(ln) in edge and _is_furniture(ln, no, total, body, repeats[folded(ln.text)]):
                continue
            kept.append(ln)
        out.append(kept)
    return out


def _is_furniture(ln: PdfLine, no: int, total: int, body: float, seen_on: int) -> bool:
    if total >= 2 and seen_on >= max(2, total // 2) and ln.size <= 1.05 * body:
        return True  # a running header or footer (a repeated heading is larger than the text)
    counter = _PAGE_COUNTER.match(ln.text)
    if counter and int(counter.group(1)) == no:
        return True
    trailing = _TRAILING_COUNTER.search(ln.text)
    if trailing and int(trailing.group(1)) == no and int(trailing.group(2)) == total:
        return True
    return ln.size < 0.9 * body and bool(_PRINT_STAMP.search(ln.text))


def heading_levels(lines: list[PdfLine], body: float) -> list[int]:
    """Each line's heading level (0 for text): larger sizes first, bold body lines last."""
    sizes = sorted({round(ln.size * 2) / 2 for ln in lines if ln.size >= 1.12 * body}, reverse=True)
    rank = {s: min(3, i + 1) for i, s in enumerate(sizes)}
    # Bold lines count only in a document with no larger type: where sizes make the
    # outline, a bold line is emphasis inside a section (as ``**Note**`` is in Markdown).
    bold_level = 0 if sizes else 1
    out = []
    for ln in lines:
        key = round(ln.size * 2) / 2
        if key in rank and len(ln.text) <= 120:
            out.append(rank[key])
        elif (bold_level and ln.bold and ln.size >= 0.95 * body and len(ln.text) <= 80
              and not _SENTENCE_END.search(ln.text) and not ln.text.endswith(",")
              and not _LIST_START.match(ln.text)):
            out.append(bold_level)
        else:
            out.append(0)
    return out


def _capacities(lines: list[PdfLine], levels: list[int]) -> dict[tuple[int, float], int]:
    """How many characters a full line holds, per indentation and size (the longest
    lines seen there)."""
    lengths: dict[tuple[int, float], list[int]] = {}
    for ln, level in zip(lines, levels, strict=True):
        if not level:
            lengths.setdefault(_slot(ln), []).append(_width(ln.text))
    out = {}
    for key, values in lengths.items():
        values.sort()
        out[key] = values[int(0.9 * (len(values) - 1))]
    return out


def _right_margins(lines: list[PdfLine], levels: list[int]) -> dict[float, float]:
    """Where full lines of text end, per size (the 95th percentile of line ends)."""
    ends: dict[float, list[float]] = {}
    for ln, level in zip(lines, levels, strict=True):
        if not level:
            ends.setdefault(round(ln.size * 2) / 2, []).append(ln.end)
    return {size: sorted(v)[int(0.95 * (len(v) - 1))] for size, v in ends.items()}


def _em_width(text: str) -> float:
    """Roughly how wide ``text`` is set, in ems: a CJK character is one, others about 0.6."""
    cjk = len(_CJK.findall(text))
    return cjk + 0.6 * (len(text) - cjk)


def _slot(ln: PdfLine) -> tuple[int, float]:
    return round(ln.x / 4), round(ln.size * 2) / 2


def _width(text: str) -> int:
    """Characters, a CJK character counting as two (it is set about twice as wide)."""
    return len(text) + len(_CJK.findall(text))


def _continues(prev: PdfLine, ln: PdfLine, para: str, capacity: dict[tuple[int, float], int],
               margin: dict[float, float]) -> bool:
    """Whether ``ln`` is the wrapped rest of the paragraph whose last line is ``prev``."""
    if abs(prev.size - ln.size) > 0.5 or _LIST_START.match(ln.text) or _BULLET_GLYPH.match(ln.text):
        return False
    if ln.x > prev.x + 2 * ln.size and not _LIST_START.match(prev.text):
        return False  # indented further: a nested item, not a wrap
    if prev.page == ln.page and not 0 < prev.y - ln.y <= 1.8 * ln.size:
        return False  # a paragraph gap (or a line out of order)
    if _CJK.match(para[-1]) or _CJK.match(ln.text[0]) or (_CJK.search(prev.text) and _CJK.search(ln.text)):
        # Japanese breaks a line between any two characters and ends a sentence with 。！？:
        # a line goes on when it was full, that is, the next line's first character (with
        # the punctuation that may not start a line) would not have fitted before the margin.
        edge = margin.get(round(prev.size * 2) / 2, 0.0)
        unit = _LINE_START.match(ln.text)
        width = _em_width(unit.group() if unit else ln.text) * ln.size
        return bool(edge) and prev.end + width > edge and not _FULL_STOP.search(para)
    first = ln.text.split(" ", 1)[0]
    full = capacity.get(_slot(prev), 0)
    was_full = bool(full) and _width(prev.text) + 1 + _width(first) > full
    if _FULL_STOP.search(para):  # a sentence ended: only a full line goes on
        return was_full and ln.text[0].islower()
    if ln.text[0].islower() or para.endswith((",", "、", "，")) or (para.endswith("-") and ln.text[0].isalnum()):
        return True
    return was_full and not _SENTENCE_END.search(para)


def _join(para: str, text: str) -> str:
    if para.endswith("-") or _CJK.match(para[-1]) or _CJK.match(text[0]):
        return para + text
    return f"{para} {text}"


def _join_runs(runs: list[tuple[float, float, str]]) -> str:
    """One line's runs (x, size, text) as text. A PDF keeps no spaces between runs but pypdf
    guesses one at each change of font, which in Japanese (CJK glyphs in one font, digits and
    Latin in another) lands inside words ("築 45 年"); Japanese sets no space beside a CJK
    character, so whitespace there goes (a list number's own space stays), elsewhere it is
    one space. A space the author typed after CJK text shows as a gap: a run of CJK glyphs
    (each one em wide) ending a third of an em before the next run starts."""
    out = ""
    ends = -1.0  # where the last run ends, when it is all CJK (else unknown)
    for x, size, raw in runs:
        text = _unfold(raw)
        if out and ends > 0:  # after CJK glyphs the gap tells
            out, text = out.rstrip(), text.lstrip()
            out += " " if text and x > ends + 0.3 * size else ""
        elif out and (out[-1].isspace() or text[:1].isspace()):
            out, text = out.rstrip(), text.lstrip()
            if out and text and (not (_CJK.match(out[-1]) or _CJK.match(text[0])) or _MARKER.match(out)):
                out += " "
        out += text
        bare = text.strip()
        ends = x + len(bare) * size if bare and len(_CJK.findall(bare)) == len(bare) else -1.0
    out = re.sub(r"\s+", " ", out).strip()
    cjk = bool(_CJK.search(re.sub("[\u2027\u2215]", "", out)))
    for glyph, (full, half) in _SHARED_GLYPHS.items():
        out = out.replace(glyph, full if cjk else half)
    return out


def _unfold(text: str) -> str:
    """Characters as the author typed them, where a font's glyph mapping named another:
    radicals for ideographs (a middle dot and a slash: see _join_runs)."""
    return _KANGXI.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text.translate(_RADICALS))


def _multiply(m: list[float], n: list[float]) -> tuple[float, float, float, float, float, float]:
    """The affine matrix product m × n (PDF order: m applied first)."""
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
            m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])
