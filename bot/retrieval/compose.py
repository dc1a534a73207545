"""The default answer composer: no LLM, never invents.

It quotes the best sentences of the best section, prefers a section in the question's
language when one scores nearly as well, cites it, and abstains (pointing to the house's
contact) when retrieval is not confident enough.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.engine.contract import Answer, Source
from bot.retrieval.evidence import STEP_NUMBER, asked_types, asks_how, asks_value, held_types
from bot.retrieval.items import Item, answer_items
from bot.retrieval.search import PREFER_LANG_MARGIN, Hit, gap_labels, parallel, quoted_hit
from ingest.knowledge import House
from text.phrases import phrase
from text.romaji import romaji_words
from text.tokenize import tokenize

#: What a long section is cut down to: the few lines that carry the answer, not a page.
FOCUSED_CHARS = 360
#: A line's first sentence up to this long is quoted with any later sentence of the line.
LEAD_CHARS = 100
_SENT_END = re.compile(r"(?<=[。！？!?])\s*|(?<=\.)\s+(?=[A-Z0-9(\"'])")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_MD_EMPH = re.compile(r"(\*\*|__|`)")
_QUOTE_MARK = re.compile(r"^\s{0,3}(?:>\s?)+")


@dataclass(frozen=True)
class ComposeConfig:
    """Thresholds calibrated by `concierge eval` (abstain precision/recall); see README."""

    #: P(answer) of bot.retrieval.abstain below which the answer is "I don't know". 0.4, not
    #: 0.5: on the guides the model was not fitted on (bench/fit_abstention.py) it was right
    #: more often (sample house 0.833 -> 0.861, Boulder guide 0.658 -> 0.684; dev unchanged,
    #: loose 0.698 -> 0.708), and so was the cross-validated refit on every set.
    abstain_below: float = 0.4
    prefer_lang_margin: float = PREFER_LANG_MARGIN
    max_chars: int = 600


def clean_markdown(text: str) -> str:
    lines = []
    for line in text.splitlines():
        s = line.rstrip()
        s = _QUOTE_MARK.sub("", s)  # a callout ("> ⚠️ Important: …") is text; its marker is markup
        s = re.sub(r"^\s*[-*+]\s+", "・", s)
        s = _MD_LINK.sub(r"\1", s)
        s = _MD_EMPH.sub("", s)
        if s.strip():
            lines.append(s)
    return "\n".join(lines)


def units(text: str) -> list[str]:
    """Lines, further split into sentences: the pieces an answer quotes."""
    return [p for _, p in _pieces(text)]


def _pieces(text: str) -> list[tuple[int, str]]:
    """(line number, sentence) of each piece of ``text``, in order."""
    out: list[tuple[int, str]] = []
    for n, line in enumerate(clean_markdown(text).splitlines()):
        out.extend((n, p) for p in sentences(line))
    return out


#: A full stop that ends an abbreviation, not a sentence ("Station No. 3", "e.g. Alexa").
_ABBREV_END = re.compile(r"\b(?:no|nos|nr|st|mt|dr|mr|mrs|ms|approx|e\.g|i\.e|etc|vs|p|pp|ca|ave|rd|tel)\.$",
                         re.IGNORECASE)


def _tiny(piece: str) -> bool:
    return len(re.sub(r"\W", "", piece)) < 3


def sentences(line: str) -> list[str]:
    """The sentences of one line. A piece after an abbreviation's full stop, or too short
    to stand alone ("3).", a step number "2."), stays with the sentence it belongs to."""
    out: list[str] = []
    for piece in (p.strip() for p in _SENT_END.split(line)):
        if not piece:
            continue
        if out and (_ABBREV_END.search(out[-1]) or _tiny(piece) or _tiny(out[-1])):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def extract(text: str, question: str, max_chars: int, line_scores: list[tuple[str, float]] | None = None) -> str:
    """The whole section when short; otherwise the lines that carry what was asked, kept in
    their original order, up to ``max_chars``: ranked by how close each line is to the
    question (``line_scores`` from retrieval, any language), then by shared words.

    A later sentence of a line comes with the line's first one when that is short (a
    label's worth, up to LEAD_CHARS), on one line: in "・Trash: wrappers, film. Indoor bin:
    under the sink." the second sentence alone would answer "where does recycling go?"
    with the trash bin. A long first sentence would crowd out other lines. A step of a
    numbered procedure brings the whole procedure when it fits in ``max_chars``: half the
    steps of draining the pipes would mislead."""
    return quote(text, question, max_chars, line_scores)[0]


def quote(text: str, question: str, max_chars: int,
          line_scores: list[tuple[str, float]] | None = None) -> tuple[str, list[Item] | None]:
    """:func:`extract`, and the items it quotes when the section is a list of separate
    answers, however short (bot.retrieval.items; None for prose): voice speaks those."""
    cleaned = clean_markdown(text)
    items = answer_items(cleaned.splitlines())
    if items is not None:
        chosen = closest_items(items, question, line_scores, max_chars)
        return "\n".join(line for item in chosen for line in item.lines), chosen
    return _extract_prose(text, cleaned, question, max_chars, line_scores), None


def _extract_prose(text: str, cleaned: str, question: str, max_chars: int,
                   line_scores: list[tuple[str, float]] | None) -> str:
    """:func:`extract` for a section that is not a list of items."""
    if len(cleaned) <= max_chars:
        return cleaned
    pieces = _pieces(text)
    lead: dict[int, int] = {}
    for i, (line, piece) in enumerate(pieces):
        lead.setdefault(line, i if len(piece) <= LEAD_CHARS else -1)
    closeness = _closeness(line_scores or [])
    fit = LineFit.of(question)
    steps = _procedures(pieces)
    how = asks_how(question)
    wants_link = bool(_ASKS_LINK.search(question))

    def rank(i: int, piece: str) -> float:
        # closeness first; holding the kind of answer asked for (a time, a price, the steps
        # for "how do I") and sharing words with the question decide between lines about as close
        held = max(fit.held(piece), float(how and i in steps))
        # a bare address says nothing unless a link is asked for (its label line does)
        bare_link = 0.2 if _BARE_LINK.match(piece) and not wants_link else 0.0
        return closeness(piece) + fit.bonus(piece, held) - bare_link

    scored = sorted(((rank(i, p), -i) for i, (_, p) in enumerate(pieces)), reverse=True)
    chosen: set[int] = set()
    total = 0
    budget = min(max_chars, FOCUSED_CHARS)
    for _rank, neg_i in scored:
        take = {-neg_i, lead[pieces[-neg_i][0]]} - chosen - {-1}
        cap = budget
        whole = (steps.get(-neg_i, frozenset()) | take) - chosen
        if whole != take and total + sum(len(pieces[i][1]) + 1 for i in whole) <= max_chars:
            take, cap = set(whole), max_chars  # a procedure whole, up to the full length
        cost = sum(len(pieces[i][1]) + 1 for i in take)
        if total + cost > cap and chosen:
            continue
        chosen |= take
        total += cost
    out: list[str] = []
    last_line = -1
    for i in sorted(chosen):
        line, piece = pieces[i]
        if line == last_line:
            out[-1] += " " + piece
        else:
            out.append(piece)
        last_line = line
    return "\n".join(out)


_BARE_LINK = re.compile(r"^[・\s]*(?:https?://|www\.)\S+\s*$")
_ASKS_LINK = re.compile(r"\b(?:link|url|website|site|web ?page)\b|サイト|ホームページ|リンク|URL|"
                        r"网站|网址|链接|사이트|링크|홈페이지", re.IGNORECASE)
_STEP = re.compile(r"^\s*" + STEP_NUMBER)


@dataclass(frozen=True)
class LineFit:
    """What decides between lines about as close to a question: holding the kind of answer
    it asks for (a time for "何時", a price for "how much"), then sharing its words."""

    asked: frozenset[str]
    words: frozenset[str]

    @classmethod
    def of(cls, question: str) -> LineFit:
        # a Japanese question's nouns also as an English guide about Japan writes them
        # (「近くに温泉ある？」 meets "Onsen: Lakeside Onsen, 10 minutes by car")
        return cls(asked_types(question), frozenset(tokenize(question)) | frozenset(romaji_words(question)))

    def held(self, piece: str) -> float:
        return len(self.asked & held_types(piece)) / len(self.asked) if self.asked else 0.0

    def bonus(self, piece: str, held: float | None = None) -> float:
        held = self.held(piece) if held is None else held
        return 0.08 * held + 0.02 * len(self.words & set(tokenize(piece)))


def _procedures(pieces: list[tuple[int, str]]) -> dict[int, frozenset[int]]:
    """Piece index -> all pieces of the numbered procedure ("1. …", "2. …") it is part of."""
    lines: dict[int, list[int]] = {}
    for i, (line, _) in enumerate(pieces):
        lines.setdefault(line, []).append(i)
    runs: list[list[int]] = []
    for n in sorted(lines):
        if _STEP.match(pieces[lines[n][0]][1]):
            if runs and runs[-1][-1] == n - 1:
                runs[-1].append(n)
            else:
                runs.append([n])
    out: dict[int, frozenset[int]] = {}
    for run in runs:
        if len(run) >= 2:
            members = frozenset(i for n in run for i in lines[n])
            out.update(dict.fromkeys(members, members))
    return out


#: Items of a list (bot.retrieval.items) scoring within this of the closest one are quoted
#: with it: "where is the vacuum?" gets its row, "useful numbers?" the rows about as close.
ITEMS_TIED = 0.08


def closest_items(items: list[Item], question: str, line_scores: list[tuple[str, float]] | None,
                  max_chars: int) -> list[Item]:
    """The item closest to the question and those about as close, in the section's order,
    within ``max_chars`` (the closest one always). Closeness as for a long section's lines."""
    closeness = _closeness(line_scores or [])
    fit = LineFit.of(question)
    scores = [max(closeness(line) for line in it.lines) + fit.bonus(" ".join(it.lines)) for it in items]
    top = max(scores)
    tied = ITEMS_TIED if _names_an_item(items, scores, fit.words) else 1.0  # else all that fit
    chosen: list[int] = []
    total = 0
    for i in sorted(range(len(items)), key=lambda i: (-scores[i], i)):
        size = sum(len(line) + 1 for line in items[i].lines)
        if scores[i] < top - tied or (chosen and total + size > max_chars):
            continue
        chosen.append(i)
        total += size
    return [items[i] for i in sorted(chosen)]


#: The closest item stands out when it beats the next by this much.
ITEMS_CLEAR = 0.1


def _names_an_item(items: list[Item], scores: list[float], words: frozenset[str]) -> bool:
    """Whether a question is about one item of a list rather than the list: it uses a word
    that sets an item apart (not a column name or a word every item has: "useful phone
    numbers?" names none), or the closest item beats the next clearly."""
    ranked = sorted(scores, reverse=True)
    if len(ranked) < 2 or ranked[0] - ranked[1] >= ITEMS_CLEAR:
        return True
    own = [set(tokenize(" ".join(it.lines))) for it in items if it.asked]
    common = set.intersection(*own) if own else set()
    return any(words & (o - common) for o in own)


def _closeness(line_scores: list[tuple[str, float]]) -> Callable[[str], float]:
    """A piece's closeness to the question: that of the scored line containing it."""
    scored = [(_bare(t), v) for t, v in line_scores]

    def score(piece: str) -> float:
        bare = _bare(piece)
        return max((v for t, v in scored if bare and (bare in t or t in bare)), default=0.0)

    return score


def _bare(text: str) -> str:
    return re.sub(r"[\s・*_`>]+", "", text)


def best_lines(line_scores: list[tuple[str, float]], gaps: set[str], limit: int = 220) -> str:
    """The lines closest to the question as one short text (for voice): chosen by
    closeness, spoken in the section's order ("How to do it:" before its steps)."""
    position = {line: i for i, (line, _) in reversed(list(enumerate(line_scores)))}
    chosen: list[str] = []
    total = 0
    for line, _ in sorted(line_scores, key=lambda kv: -kv[1]):
        if line in gaps or line in chosen:
            continue
        if chosen and total + len(line) + 1 > limit:
            break
        chosen.append(line)
        total += len(line) + 1
    return " ".join(sorted(chosen, key=lambda ln: position[ln]))[:limit]


#: Voice, short section: lines scoring within this of the closest one are spoken with it.
SPOKEN_TIED = 0.05


def closest_lines(question: str, line_scores: list[tuple[str, float]], gaps: set[str], limit: int = 220,
                  tied: float = SPOKEN_TIED) -> str:
    """The closest line and those about as close, in the section's order (for voice, when
    the written answer is a whole short section: "温泉はいくら" was spoken as the section's
    first two lines, the convenience store's hours). Closeness as for a long section's
    written lines (see LineFit)."""
    fit = LineFit.of(question)
    usable = [(line, v + fit.bonus(line)) for line, v in line_scores if line not in gaps]
    if not usable:
        return ""
    top = max(v for _, v in usable)
    return best_lines([(line, v) for line, v in usable if v >= top - tied], set(), limit)


#: Blanks whose lines score within this of the closest one are named together.
GAPS_TIED = 0.05


def asked_gap(question: str, hit: Hit, margin: float = 0.02) -> str | None:
    """The blank a question is about: the question asks for a piece of information (a
    code, a time, a place...), and the section's closest line is the label of an unfilled
    template line ("Password: ____") that beats every line the guide does fill. ("Wi-Fi
    doesn't connect" asks for no such thing: a blank "Network" is not its answer.)"""
    gaps = gap_labels(hit.meta)
    if not gaps or not hit.lines or not asks_value(question):
        return None
    labels = set(gaps)
    best_gap: tuple[float, str] | None = max(((v, t) for t, v in hit.lines if t in labels), default=None)
    best_text = max((v for t, v in hit.lines if t not in labels), default=-1.0)
    if best_gap is None or best_gap[0] < best_text + margin:
        return None
    # blanks about as close as the best one are named too: "what's the Wi-Fi name?" is as
    # near to a blank "Password" as to a blank "Network"
    close = sorted(((v, t) for t, v in hit.lines if t in labels and v >= best_gap[0] - GAPS_TIED
                    and v >= best_text + margin), reverse=True)
    return " / ".join(dict.fromkeys(t for _, t in close))


_CONTACT_Q = re.compile(r"電話|連絡|問い合わせ|呼べ|\bcall\b|\bphone\b|\bcontact|who should|전화|연락|电话|联系", re.I)
_PHONE = re.compile(r"\d{2,4}-\d{2,4}-\d{3,4}|\b1[01]9\b|#\d{4}")


def contacts_block(house: House, lang: str) -> str:
    lg = lang if lang in ("ja", "en") else "en"
    return "\n".join(f"・{c.label_in(lg)}: {c.phone}" for c in house.contacts)


def label_of(hit: Hit) -> str:
    title, heading = hit.meta.get("title") or hit.meta["path"], hit.meta["heading"]
    return f"{title} › {heading}" if heading and heading != title else title


def first_sentences(text: str, n: int = 2, limit: int = 220) -> str:
    out = ""
    for p in units(text)[:n]:
        p = p.lstrip("・")
        if out and len(out) + len(p) > limit:
            break
        out = f"{out} {p}".strip()
    return out[:limit]


def abstain(lang: str, house: House, confidence: float = 0.0) -> Answer:
    text = phrase("abstain", lang)
    if house.contacts:
        c = house.contacts[0]
        gap = "" if lang in ("ja", "zh") else " "  # "…information. Please contact…", 「…ません。…」
        text += gap + phrase("ask_contact", lang, label=c.label_in(lang if lang in ("ja", "en") else "en"),
                             phone=c.phone)
    return Answer(text=text, lang=lang, intent="abstain", confidence=confidence, abstained=True, speech=text)


def guide_lacks(lang: str, house: House, what: str, hit: Hit, confidence: float) -> Answer:
    """The guide has the line, but left blank: say so, and who to ask."""
    text = phrase("guide_blank", lang, what=what)
    if house.contacts:
        c = house.contacts[0]
        text += "\n" + phrase("ask_contact", lang, label=c.label_in(lang if lang in ("ja", "en") else "en"),
                               phone=c.phone)
    else:
        text += "\n" + phrase("ask_caretaker", lang)
    return Answer(text=text, lang=lang, intent="abstain", confidence=confidence, abstained=True,
                  sources=[Source(hit.meta["path"], hit.meta["heading"], hit.score, label_of(hit))], speech=text)


def other_language_lead(page_lang: str, lang: str) -> str:
    """One line in the stayer's language: the page exists only in another language."""
    return phrase("only_in", lang, language=phrase(f"language.{page_lang}", lang))


def compose(question: str, lang: str, hits: list[Hit], house: House, cfg: ComposeConfig,
            confidence: float) -> Answer:
    if not hits or confidence < cfg.abstain_below:
        return abstain(lang, house, max(0.0, confidence))
    best = quoted_hit(hits, lang, cfg.prefer_lang_margin)
    gap = asked_gap(question, best)
    if gap is not None:
        return guide_lacks(lang, house, gap, best, max(0.0, min(1.0, confidence)))
    body, chosen = quote(best.text, question, cfg.max_chars, best.lines)
    label = label_of(best)
    lead = other_language_lead(best.meta["lang"], lang) + "\n" if best.meta["lang"] != lang else ""
    text = f"{lead}{body}"
    sources = [Source(best.meta["path"], best.meta["heading"], best.score, label)]
    asks_whom = _CONTACT_Q.search(question) or "phone" in asked_types(question)
    if asks_whom and not _PHONE.search(body) and house.contacts:
        # "Who do I call?" answered by a section without a number: add the house's contacts.
        text += "\n\n" + contacts_block(house, lang)
        sources.append(Source(f"houses/{house.dir.name}/house.yaml", "contacts", best.score,
                              f"{house.name_in(lang)} › house.yaml"))
    for h in hits[1:3]:
        translation = h.meta["lang"] != best.meta["lang"] and parallel(h.meta["path"], best.meta["path"])
        if h is not best and not translation and h.score >= best.score - 0.05:
            sources.append(Source(h.meta["path"], h.meta["heading"], h.score, label_of(h)))
    gaps = set(gap_labels(best.meta))
    spoken = [(_QUOTE_MARK.sub("", t), v) for t, v in best.lines]  # "> ⚠️ …" is read without its ">"
    if chosen is not None:  # the items quoted, a question-answer pair's without its question
        speech = " ".join(it.answer for it in chosen)[:220]
    elif best.lines and len(body) > 220:
        speech = best_lines(spoken, gaps)
    elif len(best.lines) >= 3 and not asks_how(question):  # a procedure is spoken from its start
        speech = closest_lines(question, spoken, gaps)
    else:
        speech = ""
    return Answer(
        text=text,
        lang=lang,
        intent="retrieval",
        confidence=max(0.0, min(1.0, confidence)),
        abstained=False,
        sources=sources,
        speech=(f"{lead.strip()} " if lead else "") + (speech or first_sentences(body)),
    )
