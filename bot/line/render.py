"""Answer -> LINE message objects, within LINE's limits.

Pure functions (no I/O): what a reply looks like is decided here and nowhere else, so the
tests can check the exact JSON the platform receives.

Limits honoured (https://developers.line.biz/en/reference/messaging-api/):
* a text message holds at most 5,000 characters, counted in UTF-16 code units;
* a reply or push carries at most 5 messages;
* quick-reply items: at most 13, labels at most 20 characters; postback data at most 300;
* a Flex message's ``altText`` at most 400 characters.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexMessage,
    FlexSeparator,
    FlexText,
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from bot.engine.contract import Answer, Source
from bot.line import texts
from bot.line.client import MAX_MESSAGES
from text.dates import numeric_date
from text.detect import norm_lang
from text.phrases import phrase

log = logging.getLogger(__name__)

MAX_TEXT = 5000
MAX_ALT_TEXT = 400
MAX_SOURCES = 2
MAX_LABEL = 60
ELLIPSIS = "…"

#: Order of the chips under every answer.
CHIP_TOPICS = ("garbage", "bus", "wifi", "contacts")


def utf16_len(text: str) -> int:
    """Length as LINE counts it (astral characters such as emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Split ``text`` so the head is at most ``limit`` UTF-16 units, preferring line breaks."""
    if utf16_len(text) <= limit:
        return text, ""
    units = 0
    hard = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            break
        hard = i + 1
    head = text[:hard]
    for sep in ("\n\n", "\n", "。", ". ", " "):
        at = head.rfind(sep)
        if at >= hard // 2:
            cut = at + len(sep)
            return text[:cut].rstrip(), text[cut:].lstrip()
    return head, text[hard:]


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split into chunks of at most ``limit`` UTF-16 units, at paragraph or line breaks."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        head, rest = _cut(rest, limit)
        if head:
            parts.append(head)
    return parts or [""]


def truncate(text: str, limit: int) -> str:
    if utf16_len(text) <= limit:
        return text
    head, _ = _cut(text, limit - 1)
    return head + ELLIPSIS


def fit_texts(parts: list[str], room: int) -> list[str]:
    """At most ``room`` texts: the overflow is cut, and the last kept text says so."""
    if len(parts) <= room:
        return parts
    kept = parts[:room]
    kept[-1] = truncate(kept[-1] + "\n" + ELLIPSIS, MAX_TEXT)
    return kept


def postback_data(topic: str, lang: str) -> str:
    return urlencode({"topic": topic, "lang": lang})


#: 👍/👎 under an answer from the house's documents: (feedback, label = text shown when tapped).
RATING_CHIPS = (("up", "👍"), ("down", "👎"))


def rating_data(question_id: int, feedback: str, lang: str) -> str:
    """Postback data of a 👍/👎 chip: the question log's row id, never anything about the person."""
    return urlencode({"fb": feedback, "q": question_id, "lang": lang})


def quick_reply(lang: str, rating: int | None = None) -> QuickReply:
    """Localized chips for the common topics; tapping one posts back the topic question.
    With ``rating`` (the logged question's id), 👍 and 👎 come first."""
    items = []
    if rating is not None:
        for feedback, label in RATING_CHIPS:
            items.append(QuickReplyItem(action=PostbackAction(label=label, data=rating_data(rating, feedback, lang),
                                                              display_text=label)))
    for name in CHIP_TOPICS:
        label, question = texts.topic(name, lang)
        items.append(
            QuickReplyItem(
                action=PostbackAction(
                    label=label[:20], data=postback_data(name, lang), display_text=question
                )
            )
        )
    return QuickReply(items=items)


def source_line(sources: Sequence[Source], lang: str) -> str:
    """``Source: A / B`` from the first distinct labels (heading or file when unlabelled)."""
    labels: list[str] = []
    for s in sources:
        label = (s.label or s.heading or s.path.rsplit("/", 1)[-1]).strip()
        if label and label not in labels:
            labels.append(truncate(label, MAX_LABEL))
        if len(labels) == MAX_SOURCES:
            break
    if not labels:
        return ""
    return f"{phrase('source', lang)}: " + " / ".join(labels)


@dataclass(frozen=True)
class WeekDay:
    day: date
    names: list[str]


def _week_rows(week: Any, lang: str) -> list[WeekDay]:
    """Validate ``answer.data["week"]``; malformed entries are skipped, not fatal."""
    rows: list[WeekDay] = []
    if not isinstance(week, list):
        return rows
    for entry in week:
        try:
            day = date.fromisoformat(str(entry["date"]))
            names = []
            for cat in entry.get("categories") or []:
                if isinstance(cat, dict):
                    name = cat.get("name", "") if lang == "ja" else (cat.get("en") or cat.get("name", ""))
                else:
                    name = str(cat)
                if name:
                    names.append(str(name))
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("skipping a malformed garbage-week entry")
            continue
        rows.append(WeekDay(day, names))
    return rows


def garbage_week_flex(week: Any, lang: str) -> FlexMessage | None:
    """A bubble listing each day of the week and what goes out; None without usable data."""
    rows = _week_rows(week, lang)
    if not rows:
        return None
    sep = "、" if lang in ("ja", "zh") else ", "
    none = texts.say("no_collection", lang)
    contents: list[Any] = []
    alt_lines = [texts.say("week_title", lang)]
    for i, row in enumerate(rows):
        what = sep.join(row.names) if row.names else none
        if i:
            contents.append(FlexSeparator(margin="sm"))
        contents.append(
            FlexBox(
                layout="horizontal",
                margin="sm",
                contents=[
                    FlexText(text=numeric_date(row.day, lang), size="sm", color="#555555", flex=2),
                    FlexText(
                        text=what,
                        size="sm",
                        wrap=True,
                        flex=5,
                        weight="bold" if row.names else "regular",
                        color="#111111" if row.names else "#999999",
                    ),
                ],
            )
        )
        alt_lines.append(f"{numeric_date(row.day, lang)} {what}")
    bubble = FlexBubble(
        header=FlexBox(
            layout="vertical",
            contents=[FlexText(text=texts.say("week_title", lang), weight="bold", size="md")],
        ),
        body=FlexBox(layout="vertical", spacing="sm", contents=contents),
    )
    return FlexMessage(alt_text=truncate("\n".join(alt_lines), MAX_ALT_TEXT), contents=bubble)


def answer_messages(answer: Answer, *, chips: bool = True, suffix: str = "",
                    rating: int | None = None) -> list[Message]:
    """The reply for one answer: text (split), source line, the week's Flex, chips on the last.

    ``suffix`` is a fixed phrase added after the answer (e.g. "passed on to the staff");
    ``rating`` is the question log's id of this answer: the chips then start with 👍/👎.
    """
    lang = norm_lang(answer.lang)
    flex = garbage_week_flex(answer.data.get("week"), lang) if answer.data else None
    body = answer.text.strip()
    if suffix:
        body = f"{body}\n\n{suffix}" if body else suffix
    line = source_line(answer.sources, lang) if not answer.abstained else ""
    parts = split_text(body)
    if line:
        if utf16_len(parts[-1]) + 2 + utf16_len(line) <= MAX_TEXT:
            parts[-1] = f"{parts[-1]}\n\n{line}" if parts[-1] else line
        else:
            parts.append(line)
    parts = fit_texts(parts, MAX_MESSAGES - (1 if flex else 0))
    messages: list[Message] = [TextMessage(text=p) for p in parts if p]
    if flex is not None:
        messages.append(flex)
    if not messages:
        messages.append(TextMessage(text=texts.say("help", lang)))
    if chips:
        messages[-1].quick_reply = quick_reply(lang, rating)
    return messages


def text_messages(text: str, lang: str = "ja", *, chips: bool = False) -> list[Message]:
    """A fixed phrase or a staff report as messages (split, capped at 5)."""
    parts = fit_texts(split_text(text), MAX_MESSAGES)
    messages: list[Message] = [TextMessage(text=p) for p in parts if p]
    if chips and messages:
        messages[-1].quick_reply = quick_reply(norm_lang(lang))
    return messages
