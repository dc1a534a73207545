"""The default answer composer: no LLM, never invents.

It quotes the best sentences of the best section, prefers a section in the question's
language when one scores nearly as well, cites it, and abstains (pointing to the house's
contact) when retrieval is not confident enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.contract import Answer, Source
from bot.retrieval.search import Hit
from ingest.knowledge import House
from text.phrases import phrase
from text.tokenize import tokenize

_SENT_END = re.compile(r"(?<=[。！？!?])\s*|(?<=\.)\s+(?=[A-Z0-9(\"'])")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_MD_EMPH = re.compile(r"(\*\*|__|`)")


@dataclass(frozen=True)
class ComposeConfig:
    """Thresholds calibrated by `concierge eval` (abstain precision/recall); see README."""

    abstain_below: float = 0.5  # P(answer) of bot.retrieval.abstain
    prefer_lang_margin: float = 0.10
    max_chars: int = 600


def clean_markdown(text: str) -> str:
    lines = []
    for line in text.splitlines():
        s = line.rstrip()
        s = re.sub(r"^\s*[-*+]\s+", "・", s)
        s = _MD_LINK.sub(r"\1", s)
        s = _MD_EMPH.sub("", s)
        if s.strip():
            lines.append(s)
    return "\n".join(lines)


def units(text: str) -> list[str]:
    """Lines, further split into sentences: the pieces an answer quotes."""
    out: list[str] = []
    for line in clean_markdown(text).splitlines():
        out.extend(p.strip() for p in _SENT_END.split(line) if p.strip())
    return out


def extract(text: str, question: str, max_chars: int) -> str:
    """The whole section when short; otherwise the sentences sharing the most words with
    the question (kept in their original order), up to ``max_chars``."""
    cleaned = clean_markdown(text)
    if len(cleaned) <= max_chars:
        return cleaned
    pieces = units(text)
    q = set(tokenize(question))
    scored = [(len(q & set(tokenize(p))), -i, p) for i, p in enumerate(pieces)]
    chosen: set[int] = set()
    total = 0
    for overlap, neg_i, p in sorted(scored, reverse=True):
        if total + len(p) > max_chars and chosen:
            continue
        chosen.add(-neg_i)
        total += len(p) + 1
    return "\n".join(pieces[i] for i in sorted(chosen))


def parallel(a: str, b: str) -> bool:
    """Same folder and same name apart from the language part: translations of each other."""
    def stem(p: str) -> tuple[str, str]:
        folder, _, name = p.rpartition("/")
        parts = name.split(".")
        if len(parts) >= 3 and parts[-2] in ("ja", "en", "zh", "ko"):
            parts = parts[:-2] + parts[-1:]
        return folder, ".".join(parts)

    return stem(a) == stem(b)


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
        text += phrase("ask_contact", lang, label=c.label_in(lang if lang in ("ja", "en") else "en"), phone=c.phone)
    return Answer(text=text, lang=lang, intent="abstain", confidence=confidence, abstained=True, speech=text)


def compose(question: str, lang: str, hits: list[Hit], house: House, cfg: ComposeConfig,
            confidence: float) -> Answer:
    if not hits or confidence < cfg.abstain_below:
        return abstain(lang, house, max(0.0, confidence))
    best = hits[0]
    if best.meta["lang"] != lang:
        # Swap only to a translation of the same file (manual.ja.md <-> manual.en.md).
        for h in hits[1:]:
            if (h.meta["lang"] == lang and parallel(h.meta["path"], best.meta["path"])
                    and h.score >= best.score - cfg.prefer_lang_margin):
                best = h
                break
    body = extract(best.record.text, question, cfg.max_chars)
    label = label_of(best)
    lead = phrase("other_lang_lead", lang) + "\n" if lang in ("zh", "ko") else ""
    text = f"{lead}{body}"
    sources = [Source(best.meta["path"], best.meta["heading"], best.score, label)]
    if _CONTACT_Q.search(question) and not _PHONE.search(body) and house.contacts:
        # "Who do I call?" answered by a section without a number: add the house's contacts.
        text += "\n\n" + contacts_block(house, lang)
        sources.append(Source(f"houses/{house.dir.name}/house.yaml", "contacts", best.score,
                              f"{house.name_in(lang)} › house.yaml"))
    for h in hits[1:3]:
        if h is not best and h.score >= best.score - 0.05:
            sources.append(Source(h.meta["path"], h.meta["heading"], h.score, label_of(h)))
    return Answer(
        text=text,
        lang=lang,
        intent="retrieval",
        confidence=max(0.0, min(1.0, confidence)),
        abstained=False,
        sources=sources,
        speech=first_sentences(body),
    )
