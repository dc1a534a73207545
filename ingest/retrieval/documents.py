"""Load manuals and guides into sections: the unit an answer cites.

Markdown follows KNOWLEDGE_FORMAT.md (front matter, one section per #/##/### heading).
PDF and Word manuals are accepted because staff often only have those: Word headings come
from paragraph styles, PDF pages from their text (a page whose first line looks like a
heading starts a section). Loaders return problems with file and line instead of raising.

A file's language comes from front matter ``lang:``, else its name (``manual.en.md``,
``guide_ja.pdf``), else its text, with the house's ``languages`` deciding mixed or
too-short text (hosts drop in ``check-in.md`` written in English). Each file says how its
language was decided, for ``concierge validate``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ingest.problems import Problem
from ingest.retrieval.pdftext import Block, PdfLine, body_size, drop_furniture, outline, page_lines
from ingest.retrieval.residue import residue_warnings, serve_text
from text.detect import LANGS, document_lang

#: Manuals and guides: Markdown, plain text (read as Markdown that marks nothing: a heading is a
#: label line such as 「【ゴミ】」, see label_heading), PDF and Word.
DOC_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".docx")
SEASONS = ("all", "winter", "summer")
AUDIENCES = ("stayers", "staff")
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^(```|~~~)")
#: A Setext heading's underline: "Title" over "=====" is a level-1 heading, over "-----" level 2
#: (CommonMark). Japanese hosts write their headings so as often as with "#".
_SETEXT = re.compile(r"^ {0,3}(=+|-{2,})\s*$")
#: Lines that cannot be a Setext heading's text: list items, table rows, quotes.
_NOT_SETEXT_TEXT = re.compile(r"^\s*(?:[-*+・>|]|\d+[.)]\s)")


@dataclass
class DocMeta:
    """File-level metadata every section inherits (from name and front matter)."""

    lang: str = "ja"
    lang_source: str = "default"  # front matter | name | content | house languages | default
    title: str = ""
    tags: list[str] = field(default_factory=list)
    season: str = "all"
    valid_from: date | None = None
    valid_until: date | None = None
    audience: str = "stayers"


@dataclass
class Section:
    path: str  # relative to the knowledge root
    heading: str  # the section's own heading text ("" for text before the first heading)
    heading_path: list[str]  # e.g. ["DOTO HOUSE 滞在ガイド", "暖房"]
    text: str
    line: int
    meta: DocMeta
    #: A title's short intro ("Fast pointers for arrival."): it introduces the page and
    #: answers nothing, so it is not indexed.
    intro: bool = False

    @property
    def lang(self) -> str:
        return self.meta.lang


_NAME_LANG = re.compile(r"(?:^|[._-])(ja|en|zh|ko)$", re.IGNORECASE)


def lang_from_name(path: Path) -> str | None:
    """`manual.en.md`, `manual.en.pdf`, `guide_ja.docx`, `guide-ko.md` -> the code;
    `manual.md`, `check-in.md` -> None."""
    parts = path.name.split(".")
    if len(parts) >= 3 and parts[-2].lower() in LANGS:
        return parts[-2].lower()
    stem = parts[0] if len(parts) >= 2 else path.name
    m = _NAME_LANG.search(stem)
    return m.group(1).lower() if m and len(stem) > 2 else None


def decide_lang(meta: DocMeta, path: Path, text: str, prior: tuple[str, ...]) -> None:
    """Set ``meta.lang`` from the name, else the text, else the house's first language
    (front matter ``lang:``, when given, was set already and wins)."""
    if meta.lang_source == "front matter":
        return
    named = lang_from_name(path)
    if named:
        meta.lang, meta.lang_source = named, "name"
        return
    found, how = document_lang(text, prior)
    if found:
        meta.lang, meta.lang_source = found, how
        return
    known = [lg for lg in prior if lg in LANGS]
    meta.lang, meta.lang_source = (known[0], "house languages") if known else ("ja", "default")


def _is_intro(section: Section, title: str, others: int, h1: str = "") -> bool:
    """A title section (the file's title, or its first top-level heading when front matter
    names the title) whose body is one short line, in a file with other sections."""
    if not others or section.heading not in (title, h1, "") or len(section.heading_path) > 1:
        return False
    lines = [ln for ln in serve_text(section.text).text.splitlines() if ln.strip()]
    if len(lines) != 1:
        return False
    line = lines[0].strip()
    sentences = [p for p in re.split(r"(?<=[.!?。！？])\s*", line) if p.strip()]
    return len(line) <= 200 and len(sentences) <= 2


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _front_matter(lines: list[str], rel: str, problems: list[Problem]) -> tuple[dict[str, Any], int]:
    """Return (front matter mapping, index of the first body line)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            block = "\n".join(lines[1:end])
            try:
                data = yaml.safe_load(block) or {}
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark
                line = (mark.line + 2) if mark else 1
                problems.append(Problem(rel, line, f"invalid front matter YAML: {exc.problem}"))
                return {}, end + 1
            if not isinstance(data, dict):
                problems.append(Problem(rel, 1, "front matter must be a mapping of keys"))
                return {}, end + 1
            return data, end + 1
    problems.append(Problem(rel, 1, "front matter starts with '---' but has no closing '---'"))
    return {}, 0


def _meta(front: dict[str, Any], lines: list[str], path: Path, rel: str, problems: list[Problem]) -> DocMeta:
    def line_of(key: str) -> int:
        for i, ln in enumerate(lines[:60]):
            if ln.startswith(f"{key}:"):
                return i + 1
        return 1

    meta = DocMeta()
    if "lang" in front:
        lang = str(front["lang"])
        if lang not in LANGS:
            problems.append(Problem(rel, line_of("lang"), f"lang {lang!r} must be one of ja, en, zh, ko"))
        else:
            meta.lang, meta.lang_source = lang, "front matter"
    meta.title = str(front.get("title") or "")
    tags = front.get("tags") or []
    meta.tags = [str(t) for t in tags] if isinstance(tags, list) else [str(tags)]
    season = str(front.get("season") or "all")
    if season not in SEASONS:
        problems.append(Problem(rel, line_of("season"), f"season {season!r} must be winter or summer"))
    else:
        meta.season = season
    for key in ("valid_from", "valid_until"):
        if front.get(key) is not None:
            try:
                setattr(meta, key, _date(front[key]))
            except ValueError:
                problems.append(Problem(rel, line_of(key), f"{key} {front[key]!r} is not a date (YYYY-MM-DD)"))
    if meta.valid_from and meta.valid_until and meta.valid_from > meta.valid_until:
        problems.append(Problem(rel, line_of("valid_until"), "valid_until is before valid_from"))
    audience = str(front.get("audience") or "stayers")
    if audience not in AUDIENCES:
        problems.append(Problem(rel, line_of("audience"), f"audience {audience!r} must be stayers or staff"))
        meta.audience = "staff"  # fail closed: never show a mistyped audience to stayers
    else:
        meta.audience = audience
    known = {"title", "tags", "season", "valid_from", "valid_until", "audience", "lang"}
    for key in front:
        if key not in known:
            problems.append(Problem(rel, line_of(str(key)), f"unknown front matter key {key!r}"))
    return meta


def parse_markdown(text: str, path: Path, rel: str,
                   languages: tuple[str, ...] = ()) -> tuple[list[Section], list[Problem]]:
    """Split a Markdown file into heading sections (see the format's rules);
    ``languages`` (the house's) decide the language of unnamed, mixed or short text."""
    problems: list[Problem] = []
    lines = text.splitlines()
    front, start = _front_matter(lines, rel, problems)
    meta = _meta(front, lines, path, rel, problems)
    decide_lang(meta, path, "\n".join(lines[start:]), languages)
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []  # (level, heading)
    title = meta.title
    h1 = ""
    buf: list[str] = []
    cur_heading, cur_line = "", start + 1
    in_fence = False

    def flush() -> None:
        body = "\n".join(buf).strip()
        if body or cur_heading:
            hp = [h for _, h in stack] if cur_heading else ([title] if title else [])
            sections.append(Section(rel, cur_heading or title, hp, body, cur_line, meta))

    underline = -1  # the Setext underline just read as part of a heading
    labels = not _marks_sections(lines, start)  # no marked heading: label lines stand for them
    outline_lines = (numbered_headings(lines, start) or caption_headings(lines, start)) if labels else {}
    for i in range(start, len(lines)):
        line = lines[i]
        if i == underline:
            continue
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(line)
        setext = None if in_fence or m else _setext_level(lines, i)
        label = label_heading(line) if labels and not in_fence else None
        numbered = outline_lines.get(i) if not in_fence else None
        if m or setext or label or numbered:
            flush()
            if m:
                level, heading = len(m.group(1)), m.group(2).strip()
            elif setext:
                level, heading, underline = setext, line.strip(), i + 1
            elif numbered:
                level, heading = numbered
            else:
                level, heading = 2, label or ""
            if level == 1 and not title:
                title = heading
            if level == 1 and not h1:
                h1 = heading
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
            cur_heading, cur_line, buf = heading, i + 1, []
        else:
            buf.append(line)
    flush()
    if not title:
        title = path.stem.split(".")[0]
    meta.title = meta.title or title
    _name_untitled(sections, title)
    # Drop empty heading-only sections (e.g. a title directly followed by a subsection).
    sections = [s for s in sections if s.text.strip()]
    if sections:
        sections[0].intro = _is_intro(sections[0], meta.title, len(sections) - 1, h1)
    return sections, problems


#: A line that reads as a heading when a document has no marked heading at all: a label in
#: 【】-style brackets, or all in bold; short, and no sentence. (■ and ● are left out: as
#: often as they mark a topic, they mark the items of a list.)
_LABEL_LINE = re.compile(
    r"^\s*(?:【[^】\n]{1,30}】|[［〔《≪][^］〕》≫\n]{1,30}[］〕》≫]|\*\*[^*\n]{1,40}\*\*|__[^_\n]{1,40}__)\s*[:：]?\s*$")
_SENTENCE_END = re.compile(r"[。．.!?！？]\s*$")
MAX_LABEL_HEADING = 40


def label_heading(text: str) -> str | None:
    """The heading a label line stands for ("【ごみの出し方】", "**Wi-Fi**"), or None.

    Hosts who never mark a heading still set their topics apart like this; without it a
    whole guide was one section with no heading, cited as "guide.md" and quoted whole.
    Used only for documents with no marked heading anywhere. A label holding a value
    ("**Check-in: 15:00**") is a fact, not a heading."""
    line = text.strip()
    if len(line) > MAX_LABEL_HEADING + 4 or not _LABEL_LINE.match(line) or _SENTENCE_END.search(line):
        return None
    label = re.sub(r"^(\*\*|__)(.*)\1$", r"\2", line.rstrip(":： ")).rstrip(":：").strip()
    return label if label and not re.search(r"[:：]", label) else None


#: "1．到着したら", "2. Internet", "(3) お風呂", "第4章 冬の注意": a topic's number and name.
_NUMBERED_LINE = re.compile(
    r"^\s*(?:第\s*)?[(（]?([0-9０-９]{1,2})\s*(?:[.．、)）]|章|節|(?=[\s　]))[\s　]*(\S.{0,29})$")
#: "■ 水道の凍結", "● Parking": a mark that sets a topic apart (or, as often, a list item).
_MARKED_LINE = re.compile(r"^\s*([■●◆□◇▼▶★☆])[\s　]*(\S.{0,29})$")
_HAS_VALUE = re.compile(r"[:：]")


def numbered_headings(lines: list[str], start: int = 0) -> dict[int, tuple[int, str]]:
    """Line index -> (level, heading) for the numbered and marked topic lines of a document
    that marks no heading ("1．到着したら" over its paragraph, "■ 水道の凍結" under it).

    Without them such a guide was one section, quoted whole. A numbered line is a heading
    only when the document's numbered lines each head some text and count 1, 2, 3 in
    order: consecutive lines "1. Unplug it" / "2. Wait" are a procedure's steps, and a
    numbering that restarts belongs to lists. Marked lines are headings when at least two
    each head some text (a run of marked lines is a list), one level below numbered ones."""
    numbered = _topic_lines(lines, start, _NUMBERED_LINE)
    numbers = [int(unicodedata.normalize("NFKC", m.group(1))) for m in numbered.values()]
    if len(numbers) < 2 or numbers != list(range(numbers[0], numbers[0] + len(numbers))) or numbers[0] > 1:
        numbered = {}
    marked = _topic_lines(lines, start, _MARKED_LINE)
    if len(marked) < 2:
        marked = {}
    out = {i: (2, m.group(2).strip()) for i, m in numbered.items()}
    out.update({i: (3 if numbered else 2, m.group(2).strip()) for i, m in marked.items()})
    return out


#: A line of a list, a table or an FAQ: "- …", "・…", "1. …", "| … |", "Q：…", "A：…"
_LISTISH = re.compile(r"^\s*(?:[-*+•・●▪]\s*\S|\d{1,3}[.)]\s|\||(?:Q|Ｑ|A|Ａ)\s*[0-9０-９]*\s*[.:：．])", re.IGNORECASE)
MAX_CAPTION = 30


def caption_headings(lines: list[str], start: int = 0) -> dict[int, tuple[int, str]]:
    """Line index -> (2, heading) for the captions of a document that marks no heading:
    short plain lines, no sentence and no value, each introducing a list, a table or an FAQ
    (the next line is an item: "ごみの出し方" over "- 燃やせるごみは…", "連絡先" over a table,
    "よくある質問" over "Q：…"). At least two, or none: one such line may be a list's own
    lead-in. Before, such a guide was one section, quoted from its top whatever was asked."""
    found: dict[int, tuple[int, str]] = {}
    in_fence = False
    for i in range(start, len(lines)):
        if _FENCE.match(lines[i].strip()):
            in_fence = not in_fence
            continue
        text = lines[i].strip()
        name = text.rstrip(":：").strip()
        if in_fence or not name or len(name) > MAX_CAPTION or _LISTISH.match(text) or _HEADING.match(text):
            continue
        if _SENTENCE_END.search(name) or _HAS_VALUE.search(name):
            continue
        nxt = next((j for j in range(i + 1, len(lines)) if lines[j].strip()), None)
        if nxt is not None and _LISTISH.match(lines[nxt]):
            found[i] = (2, name)
    return found if len(found) >= 2 else {}


def _topic_lines(lines: list[str], start: int, pattern: re.Pattern[str]) -> dict[int, re.Match[str]]:
    """The lines matching ``pattern`` that name a topic (short, no sentence, no value) and
    head text: the next non-blank line is not another such line. None at all when any line
    matching ``pattern`` is directly followed by another (a list, not topics)."""
    found: dict[int, re.Match[str]] = {}
    in_fence = False
    for i in range(start, len(lines)):
        if _FENCE.match(lines[i].strip()):
            in_fence = not in_fence
        m = None if in_fence else pattern.match(lines[i])
        if m is None:
            continue
        nxt = next((j for j in range(i + 1, len(lines)) if lines[j].strip()), None)
        if nxt is None or pattern.match(lines[nxt]):
            return {}  # the last line, or one of a run: a list's items
        name = m.group(2).strip()
        if not _SENTENCE_END.search(name) and not _HAS_VALUE.search(name):
            found[i] = m
    return found


def _marks_sections(lines: list[str], start: int) -> bool:
    """Whether a Markdown file marks headings for its sections (``#`` or underlined, outside
    code fences): any below level 1, or more than one. A file whose one marked heading is
    its title ("# 滞在のしおり" over numbered topics) marks none: it was one section."""
    in_fence = False
    titles = 0
    for i in range(start, len(lines)):
        if _FENCE.match(lines[i].strip()):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        m = _HEADING.match(lines[i])
        level = len(m.group(1)) if m else _setext_level(lines, i)
        if level:
            titles += 1
            if level > 1 or titles > 1:
                return True
    return False


def _setext_level(lines: list[str], i: int) -> int | None:
    """The level of a Setext heading whose text is ``lines[i]`` (1 for "===", 2 for "---"),
    or None. Only a one-line paragraph is taken as heading text: a "---" under the last line
    of a longer paragraph is more often a rule a host drew than a heading."""
    if i + 1 >= len(lines) or not lines[i].strip() or _NOT_SETEXT_TEXT.match(lines[i]):
        return None
    if i > 0 and lines[i - 1].strip() and not _HEADING.match(lines[i - 1]):
        return None
    under = _SETEXT.match(lines[i + 1])
    if under is None:
        return None
    return 1 if under.group(1).startswith("=") else 2


def outline_sections(blocks: list[Block], rel: str, meta: DocMeta, fallback: str) -> list[Section]:
    """Sections from an outline of headings (level 1-3) and paragraphs (level 0), as a
    Markdown file's headings would make them; the first level-1 heading is the title unless the
    file has one, else ``fallback`` (the file's name). ``Block.page`` becomes the section's
    line (a Word paragraph's number, a PDF's page)."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    buf: list[str] = []
    heading, where = "", 1

    def flush() -> None:
        body = "\n".join(buf).strip()
        if body:
            sections.append(Section(rel, heading or meta.title, [h for _, h in stack] or [meta.title],
                                    body, where, meta))

    for block in blocks:
        if block.level:
            flush()
            if not meta.title and block.level == 1:  # a topic (level 2: "ごみの出し方") names no document
                meta.title = block.text
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            stack.append((block.level, block.text))
            heading, buf, where = block.text, [], block.page
        else:
            buf.append(block.text)
    flush()
    meta.title = meta.title or fallback
    _name_untitled(sections, meta.title)
    return sections


def _name_untitled(sections: list[Section], title: str) -> None:
    """Text before the first heading is cited by the document's title: it was flushed before
    the title was known, and a Word or PDF file with no title cited it as ""."""
    for section in sections:
        if not section.heading:
            section.heading, section.heading_path = title, [title]


def _docx_blocks(document: Any) -> list[Block]:
    """A Word document's headings (see ``_docx_level``), paragraphs and table rows, in
    document order; list paragraphs keep a bullet as in Markdown."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[Block] = []
    looks: list[_Look] = []  # per block: how it is set (for a document with no heading style)
    for n, child in enumerate(document.element.body.iterchildren(), start=1):
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "tbl":
            for r, row in enumerate(Table(child, document).rows):
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells))  # merged cells repeat
                if any(cells):
                    blocks.append(Block(0, "| " + " | ".join(cells) + " |", n))
                    looks.append(_Look())
                    # a row Word repeats on every page is the table's header: Markdown's header
                    # rule lets each body row name its columns (residue.table_rows)
                    mark = row._tr.find(f"{_W}trPr/{_W}tblHeader") if r == 0 else None
                    if mark is not None and mark.get(f"{_W}val") not in ("0", "false", "off"):
                        blocks.append(Block(0, "|" + "---|" * len(cells), n))
                        looks.append(_Look())
            continue
        if tag != "p":
            continue
        para = Paragraph(child, document)
        text = para.text.strip()
        if not text:
            continue
        level = _docx_level(para)
        listed = not level and _docx_listed(para)
        if listed:
            text = text if _LIST_MARK.match(text) else f"- {text}"
        blocks.append(Block(level, text, n))
        short = not listed and len(text) <= MAX_LABEL_HEADING and not _SENTENCE_END.search(text)
        apart = not listed and (label_heading(text) is not None or _all_bold(para)
                                and label_heading(f"**{text}**") is not None)
        looks.append(_Look(short, apart, _size(para)))
    if _title_only(blocks):
        _set_headings(blocks, looks, _size_of(document.styles["Normal"]) if "Normal" in document.styles else None)
    if _title_only(blocks) and not _topic_blocks(blocks, numbered_headings):
        _topic_blocks(blocks, caption_headings)
    return blocks


def _title_only(blocks: list[Block]) -> bool:
    """No heading marked below the title (at most one, at level 1): the sections are still
    to be found (a Word "Title" over an unstyled guide was one section)."""
    return not any(b.level > 1 for b in blocks) and sum(1 for b in blocks if b.level) <= 1


def _topic_blocks(blocks: list[Block], find: Callable[[list[str]], dict[int, tuple[int, str]]]) -> bool:
    """Headings for a document whose type marks none, found in its paragraphs by ``find``
    (numbered_headings: numbered and marked topic lines; caption_headings: the lines that
    introduce its lists, tables and FAQs); True when it has any."""
    found = find([b.text if not b.level else "" for b in blocks])
    for i, (level, heading) in found.items():
        blocks[i].level, blocks[i].text = level, heading
    return bool(found)


@dataclass(frozen=True)
class _Look:
    """How a Word paragraph is set: short enough for a heading (no sentence), set apart
    (bold throughout or a label line, holding no value: see label_heading), and its type
    size in points."""

    short: bool = False
    apart: bool = False
    size: float | None = None


def _size_of(style: Any) -> float | None:
    """A style's type size in points, from it or the style it is based on."""
    while style is not None:
        if style.font is not None and style.font.size is not None:
            return float(style.font.size.pt)
        style = style.base_style
    return None


def _size(para: Any) -> float | None:
    """A paragraph's type size: its largest run's, else its style's (None: the default)."""
    sizes = [r.font.size.pt for r in para.runs if r.text.strip() and r.font.size is not None]
    return float(max(sizes)) if sizes else _size_of(para.style)


def _all_bold(para: Any) -> bool:
    """Bold throughout: how a host without heading styles marks a heading."""
    runs = [r for r in para.runs if r.text.strip()]
    return bool(runs) and all(r.bold for r in runs)


def _set_headings(blocks: list[Block], looks: list[_Look], default: float | None) -> None:
    """Headings for a Word document with no heading style anywhere, as for a PDF: short
    paragraphs set larger than the body are headings, one level per size; when at most
    one is larger (a title), the paragraphs set apart (bold throughout, or label lines)
    are the headings under it, the first the title when the document opens with one.
    (Bold alone also marks lines inside sections — "**Holiday weeks**" — so size decides
    wherever headings differ in size.)"""
    # the body's size: the commonest among the other paragraphs (most set no size of their own)
    sizes = [lk.size if lk.size is not None else default or 11.0 for lk in looks if not lk.short]
    body = max(sorted(set(sizes)), key=sizes.count) if sizes else default or 11.0
    larger = sorted({lk.size for lk in looks if lk.short and lk.size is not None and lk.size > body + 0.5},
                    reverse=True)
    by_size = sum(1 for lk in looks if lk.short and lk.size in larger) > 1  # one larger line is a title
    for i, (block, look) in enumerate(zip(blocks, looks, strict=True)):
        if look.short and look.size in larger:
            block.level = min(3, larger.index(look.size) + 1)
        elif not by_size and look.apart and look.short:
            block.level = 1 if i == 0 and not larger else 2
        if block.level:
            block.text = label_heading(block.text) or label_heading(f"**{block.text}**") or block.text


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LIST_MARK = re.compile(r"^(?:[-*+•・●▪■◆◇□○◎]\s?|\d{1,3}[.)]\s|[（(]?[０-９]{1,3}[．.）)]\s?|[①-⑳])")
#: Style names as Word shows them in English and Japanese (a document keeps the name of
#: the template it came from: '見出し 1' as often as 'Heading 1').
_HEADING_STYLE = re.compile(r"^(?:heading|見出し)\s*(\d)?$")
_TITLE_STYLES = ("title", "表題", "タイトル")
_LIST_STYLE = re.compile(r"^(?:list|リスト|箇条書き|段落番号)")


def _styles(para: Any) -> list[Any]:
    """The paragraph's style and the styles it is based on (a custom heading style is
    usually based on a built-in one)."""
    out: list[Any] = []
    style = para.style
    while style is not None and len(out) < 8:
        out.append(style)
        style = style.base_style
    return out


def _style_name(style: Any) -> str:
    return unicodedata.normalize("NFKC", style.name or "").strip().casefold()


def _outline_level(ppr: Any) -> int | None:
    """A paragraph property's outline level (0 = level 1; 9 means body text)."""
    lvl = ppr.find(_W + "outlineLvl") if ppr is not None else None
    value = lvl.get(_W + "val") if lvl is not None else None
    return int(value) if value is not None and value.isdigit() and int(value) < 9 else None


def _docx_level(para: Any) -> int:
    """A Word paragraph's heading level (0 for text): the Title or Heading n style, under
    its English or Japanese name, directly or as a base style, else an outline level set on
    the paragraph or its style (what Word's navigation pane shows)."""
    direct = _outline_level(para._p.pPr)
    if direct is not None:
        return min(3, direct + 1)
    for style in _styles(para):
        name = _style_name(style)
        if name in _TITLE_STYLES:
            return 1
        m = _HEADING_STYLE.match(name)
        if m:
            return min(3, int(m.group(1) or 1)) or 1
        level = _outline_level(style.element.pPr)
        if level is not None:
            return min(3, level + 1)
    return 0


def _docx_listed(para: Any) -> bool:
    """Whether a paragraph is a list item: numbered by Word (on itself or its style) or in a
    list style."""
    if para._p.find(".//" + _W + "numPr") is not None:
        return True
    return any(_LIST_STYLE.match(_style_name(st)) or (st.element.pPr is not None and
                                                        st.element.pPr.find(_W + "numPr") is not None)
               for st in _styles(para))


def _docx_sections(path: Path, rel: str, languages: tuple[str, ...]) -> tuple[list[Section], list[Problem]]:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        blocks = _docx_blocks(document)
    except PackageNotFoundError:  # its message is only the absolute path
        return [], [Problem(rel, 0, "cannot read Word file: not a .docx document (empty, damaged, or an old .doc "
                                    "renamed); save it again as Word (.docx) or Markdown")]
    except (KeyError, ValueError, OSError) as exc:
        return [], [Problem(rel, 0, f"cannot read Word file: {exc.__class__.__name__}: {exc}")]
    except Exception as exc:  # zipfile.BadZipFile and friends: a corrupt upload
        return [], [Problem(rel, 0, f"cannot read Word file ({exc.__class__.__name__})")]
    meta = DocMeta()
    sections = outline_sections(blocks, rel, meta, path.stem.split(".")[0])
    decide_lang(meta, path, "\n".join(s.heading + "\n" + s.text for s in sections), languages)
    if sections:
        sections[0].intro = _is_intro(sections[0], meta.title, len(sections) - 1)
    return sections, []


def _pdf_sections(path: Path, rel: str, languages: tuple[str, ...]) -> tuple[list[Section], list[Problem]]:
    """Sections from the headings the type shows (``pdftext.outline``); a PDF whose text
    is all one size and weight gives a section per page, titled by its first line."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            return [], [Problem(rel, 0, "PDF is encrypted; export an unprotected copy")]
        lines = [page_lines(p, no) for no, p in enumerate(reader.pages, start=1)]
    except (PdfReadError, OSError, ValueError) as exc:
        return [], [Problem(rel, 0, f"cannot read PDF: {exc}")]
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        return [], [Problem(rel, 0, f"cannot read PDF ({exc.__class__.__name__})")]
    blocks = outline(lines)
    pages: list[list[PdfLine]] = []
    if blocks and _title_only(blocks):
        _topic_blocks(blocks, numbered_headings)  # a title over text all in one type: its numbered topic lines
    if not blocks:  # all one size and weight: numbered topic lines may still head its text
        pages = drop_furniture(lines, body_size([ln for p in lines for ln in p]))
        plain = [Block(0, ln.text, no) for no, page in enumerate(pages, start=1) for ln in page]
        blocks = plain if _topic_blocks(plain, numbered_headings) else []
    if blocks:
        meta = DocMeta()
        sections = outline_sections(blocks, rel, meta, path.stem.split(".")[0])
    else:
        meta = DocMeta(title=path.stem.split(".")[0])
        sections = []
        for no, page in enumerate(pages, start=1):
            texts = [ln.text for ln in page]
            if not texts:
                continue
            first = texts[0]
            heading = first if len(first) <= 40 and len(texts) > 1 else f"p.{no}"
            body = "\n".join(texts[1:] if heading == first else texts)
            sections.append(Section(rel, heading, [meta.title, heading], body, no, meta))
    if not sections:
        return [], [Problem(rel, 0, "PDF has no extractable text (scanned image?); add a Markdown version")]
    decide_lang(meta, path, "\n".join(s.heading + "\n" + s.text for s in sections), languages)
    if blocks:
        sections[0].intro = _is_intro(sections[0], meta.title, len(sections) - 1)
    return sections, []


@dataclass
class LoadedDocument:
    """One file's sections, its errors, and what ``validate`` warns about (placeholders,
    a language that had to be assumed)."""

    sections: list[Section]
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)

    @property
    def meta(self) -> DocMeta | None:
        return self.sections[0].meta if self.sections else None


def load_document(path: Path, root: Path, languages: tuple[str, ...] = ()) -> tuple[list[Section], list[Problem]]:
    """Load one manual/guide file of any supported kind."""
    got = read_document(path, root, languages)
    return got.sections, got.problems


def read_document(path: Path, root: Path, languages: tuple[str, ...] = ()) -> LoadedDocument:
    """Load one file with its warnings; ``languages`` are the house's (see decide_lang)."""
    rel = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix in (".pdf", ".docx"):
        reader = _pdf_sections if suffix == ".pdf" else _docx_sections
        sections, problems = reader(path, rel, languages)
        warnings = [Problem(rel, s.line, msg) for s in sections for _, msg in residue_warnings(s.text.splitlines())]
        return _with_lang_warning(LoadedDocument(sections, problems, warnings), rel)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return LoadedDocument([], [Problem(rel, 0, f"cannot read: {exc.strerror}")])
    if b"\x00" in raw[:4096]:
        return LoadedDocument([], [Problem(rel, 0, f"binary file with a {path.suffix} name; save it as UTF-8 text")])
    notes: list[Problem] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        sjis = _shift_jis(raw) if suffix == ".txt" else None
        if sjis is None:
            line = raw[: exc.start].count(b"\n") + 1
            return LoadedDocument([], [Problem(rel, line, "not UTF-8 text; save the file as UTF-8")])
        text = sjis
        notes.append(Problem(rel, 1, "read as Shift_JIS (as older Windows Notepad saves); save it as UTF-8"))
    sections, problems = parse_markdown(text, path, rel, languages)
    warnings = notes + [Problem(rel, n, msg) for n, msg in residue_warnings(text.splitlines())]
    if not problems and not any(serve_text(s.text).text for s in sections):
        warnings.append(Problem(rel, 1, "nothing in this file can be used in answers (only placeholders, "
                                        "links or markup); it is indexed empty"))
    return _with_lang_warning(LoadedDocument(sections, problems, warnings), rel)


def _shift_jis(raw: bytes) -> str | None:
    """A plain text file in Windows' Japanese encoding (cp932), or None when it is not one.
    Only for .txt: Markdown is written by tools that save UTF-8, as the format asks."""
    try:
        return raw.decode("cp932")
    except UnicodeDecodeError:
        return None


def _with_lang_warning(doc: LoadedDocument, rel: str) -> LoadedDocument:
    meta = doc.meta
    if meta is not None and meta.lang_source in ("house languages", "default"):
        doc.warnings.append(Problem(rel, 1, f"cannot tell the language from the text; taken as {meta.lang!r} "
                                            f"({meta.lang_source}). Name the file like manual.{meta.lang}.md "
                                            "or add 'lang:' front matter"))
    return doc
