"""Template residue and page markup: what a host's guide holds that is not an answer.

Real guides are filled-in templates and exported web pages. They keep blanks nobody
filled (``Network: _____``, ``[location]``, ``PASTE_LINK_HERE``, ``{{ URL }}``,
``Checkout by: : AM``, ``[ QR CODE HERE ]``), chat-tool residue
(``:contentReference[oaicite:0]{index=0}``) and site markup (``{ .cta }`` attribute
lists, ``---`` rules, "← Back to …" navigation, ``KEY: "URL"`` settings, link-only
lines). Served as an answer, each of these misleads or looks broken.

So a line holding a placeholder is never served or indexed: it is reported by
``concierge validate`` (path:line), and what it was about ("Network", "Password") is kept
as a *gap*, so a question about exactly that can be told "the guide does not give it"
instead of getting the nearest other text. Markup is removed silently; links keep their
text. Everything here is pattern-based and language-neutral, never about one guide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: A blank to fill in, in the forms template guides use. Each names what it is.
_PLACEHOLDERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("blank", re.compile(r"(?<![_\w])_{3,}(?![_\w])|＿{2,}|[○〇●◯□■]{2,}(?![様さ殿])")),
    ("template variable", re.compile(
        r"\{\{[^{}\n]*\}\}|\{%[^%\n]*%\}|\$\{[A-Za-z_][^}\n]*\}"
        r"|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:URL|LINK|NAME|ADDRESS|NUMBER|CODE|PHONE|EMAIL|PASSWORD|SSID|TIME|DATE)\b")),
    ("paste marker", re.compile(r"\b(?:PASTE|INSERT|ADD|ENTER|YOUR)_[A-Z0-9_]*|\b[A-Z0-9_]+_HERE\b")),
    ("instruction in brackets", re.compile(
        r"[\[【［(（]\s*(?:INSERT|ADD|ENTER|PASTE|PUT|TODO|TBD|FILL|記入|入力|ここに)[^\]】］)）\n]*[\]】］)）]",
        re.IGNORECASE)),
    ("placeholder in brackets", re.compile(
        r"(?<![!\]\w])\[\s*(?:[a-z][a-z ]{1,30}(?:\s*/\s*[a-z][a-z ]{1,30})*"
        r"|[A-Z0-9 ]*\b(?:HERE|INSERT|NAME|ADDRESS|NUMBER|LINK|URL|CODE|LOCATION|PHONE|DATE|TIME|PASSWORD|EMAIL|PRICE)"
        r"\b[A-Z0-9 ]*)\s*\](?![(\[:{])")),
    ("empty time", re.compile(r"(?<!\d):\s*:\s*[AaPp]\.?[Mm]\b|(?<=\s):\s*[AaPp]\.?[Mm]\b")),
    ("chat residue", re.compile(r":?contentReference\[[^\]]*\](?:\{[^}]*\})?|\boaicite:\d+")),
    ("unfilled marker", re.compile(r"\b(?:QR CODE HERE|TBD|TODO|XXX+|xxx+)\b|\bX{2,}(?:-X{2,})+\b")),
)

#: A blank that stands for a link ("PARKING_RULES_URL", "{{ SCHEDULE_URL }}", "PASTE_…_LINK_HERE").
_LINK_BLANK = re.compile(r"[A-Za-z0-9_]*(?:URL|LINK|url|link)[A-Za-z0-9_]*")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\(([^)\n]*)\)")
_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*\S+")
_ATTR_LIST = re.compile(r"\{:?\s*(?:[.#][\w-]+|[\w-]+=\S+)(?:\s+(?:[.#][\w-]+|[\w-]+=\S+))*\s*\}")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$|^\s*[=~]{3,}\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HTML = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_SETTING = re.compile(r"^\s*[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\s*[:=]\s*\S.*$")
_NAV = re.compile(
    r"^\s*(?:[-*+]\s*)?[←↩⇦«‹<↑]*\s*(?:back to\b|return to\b|go back\b|back$|home$|top$|back to top|"
    r"previous page|next page|(?:目次|トップ|ホーム|一覧)?(?:へ|に)?(?:戻る|もどる))", re.IGNORECASE)
_BULLET = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")
_LABEL = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__)?([^:：\n]{1,60}?)(?:\*\*|__)?\s*[:：]")
_EMPHASIS = re.compile(r"\*\*|__")


def placeholder_in(line: str) -> str | None:
    """The kind of placeholder ``line`` holds ("blank", "paste marker", ...), or None."""
    for kind, pattern in _PLACEHOLDERS:
        if pattern.search(line):
            return kind
    return None


def is_markup(line: str) -> bool:
    """True for a line that is page furniture, not content: a rule, an attribute list,
    a table rule, navigation, a ``KEY: "value"`` setting, a link-reference definition, or
    only links (a "Related pages" list, a button grid)."""
    s = line.strip()
    if not s:
        return False
    if _RULE.match(s) or _TABLE_RULE.match(s) or _SETTING.match(s) or _REF_DEF.match(s):
        return True
    rest = _ATTR_LIST.sub("", _HTML.sub("", s)).strip()
    if not rest:
        return True
    if _NAV.match(_LINK.sub(lambda m: m.group(1), rest)):
        return True
    without_links = _BULLET.sub("", _LINK.sub("", rest)).strip(" \t-*+|・,、/")
    return bool(_LINK.search(rest)) and not without_links


def clean_line(line: str) -> str:
    """``line`` without markup: links keep their text, images, HTML and attribute lists go."""
    s = _HTML.sub("", line)
    s = _LINK.sub(lambda m: "" if m.group(0).startswith("!") else m.group(1), s)
    s = _ATTR_LIST.sub("", s)
    return s.rstrip()


def is_link_blank(line: str) -> bool:
    """True when every placeholder in ``line`` stands for a link: "Check the rules here:
    PARKING_RULES_URL" lacks a link, not a fact a stayer asks for. Kept as a gap, its words
    ("Check Boulder parking rules here") made a "where do I park?" question land on it and
    be told the guide leaves it blank."""
    found = [m.group(0) for _, pattern in _PLACEHOLDERS for m in pattern.finditer(line)]
    return bool(found) and all(_LINK_BLANK.search(f) for f in found)


def gap_label(line: str) -> str:
    """What a placeholder line was about: its label ("Network", "Bins located"), else the
    line with the placeholder removed, in a few words."""
    text = clean_line(line)
    m = _LABEL.match(text)
    if m and m.group(1).strip():
        return _EMPHASIS.sub("", m.group(1)).strip(" *_")
    for _, pattern in _PLACEHOLDERS:
        text = pattern.sub(" ", text)
    text = _BULLET.sub("", _EMPHASIS.sub("", text))
    return re.sub(r"\s+", " ", text).strip(" .:：-*")[:80]


@dataclass
class Served:
    """A section's text as it may be served, and the blanks it had."""

    text: str
    gaps: list[str] = field(default_factory=list)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]


#: Column names that say only "label" and "value": a two-column table under them is a list
#: of labelled facts. (Words about table layout in the four languages, not about any topic.)
_GENERIC_COLUMNS = frozenset(
    """項目 内容 詳細 説明 情報 案内 備考 区分 名称 item items detail details description info information
    value values key field name content contents topic notes 项目 内容 详情 说明 信息 항목 내용 설명 정보""".split())


def _generic_header(header: list[str]) -> bool:
    """Whether a table's column names are only "label"/"value" words (or empty)."""
    return all(not h or h.strip().casefold() in _GENERIC_COLUMNS for h in header)


def table_rows(lines: list[str]) -> list[str]:
    """Markdown table rows as sentences: each body row names its columns ("Who: Taxi;
    Phone: 0157-11-2222"), so that a row quoted alone still says what its cells are, and
    no answer or voice reads out pipes. Other lines pass through."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        is_row = line.lstrip().startswith("|") and line.count("|") >= 2
        if not is_row:
            out.append(line)
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].lstrip().startswith("|"):
            j += 1
        block = lines[i:j]
        header: list[str] | None = None
        if len(block) >= 2 and _TABLE_RULE.match(block[1]):
            header, block = _cells(block[0]), block[2:]
        for row in block:
            if _TABLE_RULE.match(row):
                continue
            cells = _cells(row)
            if not any(cells):
                continue
            if any(placeholder_in(c) for c in cells) and len(cells) >= 2:
                # "Password: ____": left out when served, its label is the row's first cell
                out.append(f"{cells[0]}: {' '.join(cells[1:])}")
            elif header and len(header) == len(cells) == 2 and _generic_header(header) and all(cells):
                # "| 項目 | 内容 |": the row is a label and its value ("チェックイン：16:00〜20:00")
                colon = "：" if _CJK.search(" ".join(cells)) else ": "
                out.append(f"{cells[0]}{colon}{cells[1]}")
            elif header and len(header) == len(cells) and all(header):
                cjk = bool(_CJK.search(" ".join(header)))
                sep, colon = ("、", "：") if cjk else ("; ", ": ")
                out.append(sep.join(f"{h}{colon}{c}" for h, c in zip(header, cells, strict=True) if c))
            else:
                out.append(" | ".join(c for c in cells if c))
        i = j
    return out


#: "Q：…" / "A：…" lines of a question-and-answer list (Q1., Ｑ：, 質問：, **Q:**).
_MARK = r"^\s*(?:[-*+・]\s*)?(?:\*\*|__)?(?:{})\s*[0-9０-９]*\s*(?:\*\*|__)?\s*[.:：．)）]"
_QUESTION_LINE = re.compile(_MARK.format("Q|Ｑ|質問|问|질문"))
_ANSWER_LINE = re.compile(_MARK.format("A|Ａ|回答|答え|答|답변|답"))


def question_answer_pairs(lines: list[str]) -> list[str]:
    """A "Q：…" line and the "A：…" line after it (a blank line between allowed) as one
    line, so that they are scored and quoted together. Alone, the question line is the
    closest text to a stayer's question (it *is* a question) and carries no answer:
    "チェックインは何時から？" was answered with the FAQ's "Q：早めにチェックインできますか？"
    list. Other lines pass through."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        j = i + 1
        if j < len(lines) and not lines[j].strip():
            j += 1
        if _QUESTION_LINE.match(line) and j < len(lines) and _ANSWER_LINE.match(lines[j]):
            out.append(f"{line.rstrip()} {lines[j].strip()}")
            i = j + 1
            continue
        out.append(line)
        i += 1
    return out


def serve_text(text: str) -> Served:
    """The lines of ``text`` that may be served (markup removed, table rows as sentences,
    question-and-answer pairs as one line), and the gap labels of the placeholder lines
    left out. Blank lines are kept."""
    out: list[str] = []
    gaps: list[str] = []
    for line in question_answer_pairs(table_rows(text.splitlines())):
        if is_markup(line):
            continue
        if placeholder_in(line):
            label = "" if is_link_blank(line) else gap_label(line)
            if label:
                gaps.append(label)
            continue
        out.append(clean_line(line))
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    return Served(cleaned, list(dict.fromkeys(gaps)))


def residue_warnings(lines: list[str], first_line: int = 1) -> list[tuple[int, str]]:
    """(line number, message) for every placeholder line, for ``concierge validate``."""
    out: list[tuple[int, str]] = []
    in_fence = False
    skip = 0
    if lines and lines[0].strip() == "---":  # front matter is settings, not text
        skip = next((i + 1 for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), 0)
    for n, line in enumerate(lines, start=first_line):
        if n - first_line < skip:
            continue
        if line.strip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        kind = placeholder_in(line)
        if kind:
            shown = line.strip()
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            out.append((n, f"unfilled template ({kind}): {shown!r}; this line is left out of answers"))
    return out
