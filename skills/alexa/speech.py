"""Answer -> what the speaker says (SSML) and what the Alexa app shows (a card).

Why a module of its own: everything Alexa-specific about wording lives here, so handlers
stay a thin mapping from intents to engine calls. The rules:

- Say one or two short sentences; the card carries the full answer and its source.
- Use ``answer.speech`` when the engine wrote a spoken form, else shorten ``answer.text``.
- Escape for SSML, read times naturally ("8:30" -> "8時30分" / "8:30 AM") and phone
  numbers digit by digit (``<say-as interpret-as="telephone">``).
- Stay within Alexa's limits: 8,000 characters of speech, 8,000 characters of card,
  24 KB for the whole response (measured as the JSON the adapter sends, which escapes
  every Japanese character to six bytes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bot.engine.contract import Answer, Source
from text import phrases
from text.dates import format_clock, twelve_hour
from text.detect import reply_lang

MAX_SPEECH_CHARS = 8000
MAX_CARD_CHARS = 8000
MAX_RESPONSE_BYTES = 24 * 1024
#: Room left for the envelope (version, session attributes, reprompt, field names).
ENVELOPE_BYTES = 2048
#: A spoken answer longer than this is cut to its first sentence.
SPOKEN_SENTENCE_BUDGET = 220

#: Fixed things the skill says itself (not answers), in both languages; registered as
#: ``alexa.<key>`` in the one catalogue (``text.phrases``).
PHRASES: dict[str, dict[str, str]] = {
    "welcome": {
        "ja": "こんにちは。ごみの日、ごみの分け方、次のバス、家のことを聞いてください。"
        "たとえば「明日のごみは何」と聞いてください。",
        "en": "Hello. Ask me about garbage days, how to sort garbage, the next bus, or the house. "
        "For example, say: what garbage goes out tomorrow.",
    },
    "welcome_reprompt": {
        "ja": "何を知りたいですか？"
        "たとえば「おはよう」と言うと、今日の天気とごみの日をお知らせします。",
        "en": "What would you like to know? Say good morning for today's weather and garbage.",
    },
    "help": {
        "ja": "「おはよう」で今日の天気とごみの日、「明日のごみは何」でごみの日、"
        "「ペットボトルは何ごみ」で分け方、「次の空港行きのバス」でバスの時刻をお答えします。"
        "家の使い方も聞けます。何を知りたいですか？",
        "en": "Say good morning for today's weather and garbage, what garbage goes out tomorrow, "
        "how do I throw away batteries, or when is the next bus to the airport. "
        "You can also ask about the house. What would you like to know?",
    },
    "help_reprompt": {
        "ja": "何を知りたいですか？",
        "en": "What would you like to know?",
    },
    "goodbye": {"ja": "わかりました。", "en": "Okay."},
    "fallback": {
        "ja": "すみません、よくわかりませんでした。"
        "ごみの日、分け方、バス、家のことを聞いてください。",
        "en": "Sorry, I didn't catch that. "
        "You can ask about garbage days, sorting, buses, or the house.",
    },
    "ask_item": {
        "ja": "何を捨てたいですか？たとえば「ペットボトルは何ごみ」と聞いてください。",
        "en": "What do you want to throw away? For example, say: how do I throw away batteries.",
    },
    "ask_query": {
        "ja": "何を知りたいですか？",
        "en": "What would you like to know?",
    },
    "setup_title": {"ja": "スピーカーの設定", "en": "Speaker setup"},
    "setup_card": {
        "ja": "このスピーカーはまだどの家にも登録されていません。端末ID: {device_id}\n"
        "ALEXA_DEVICE_HOUSES に「{device_id}=家のID」を加えてください。",
        "en": "This speaker is not assigned to a house yet. Device id: {device_id}\n"
        'Add "{device_id}=<house id>" to ALEXA_DEVICE_HOUSES.',
    },
    "error": {
        "ja": "すみません、いまはお答えできません。少ししてからもう一度聞いてください。",
        "en": "Sorry, I can't answer right now. Please try again in a little while.",
    },
}

CARD_TITLES: dict[str, dict[str, str]] = {
    "briefing": {"ja": "おはようございます", "en": "Good morning"},
    "garbage": {"ja": "ごみの日", "en": "Garbage days"},
    "sorting": {"ja": "ごみの分け方", "en": "Sorting garbage"},
    "bus": {"ja": "バスの時刻", "en": "Buses"},
    "": {"ja": "ステイコンシェルジュ", "en": "Stay Concierge"},
}


phrases.register(PHRASES, "alexa")


def phrase(key: str, lang: str) -> str:
    """The skill's phrase ``key`` (``text.phrases.phrase`` of ``alexa.<key>``)."""
    return phrases.phrase(f"alexa.{key}", lang)


@dataclass(frozen=True)
class Spoken:
    """What one answer becomes on a speaker."""

    ssml: str  # inner SSML, without <speak>
    card_title: str
    card_text: str


def render(answer: Answer, lang: str) -> Spoken:
    """The speech, card title and card text for an engine answer, within Alexa's limits."""
    plain = answer.speech.strip() or shorten(answer.text, lang)
    ssml = fit_speech(plain, lang)
    title = card_title(answer.intent, lang)
    card = card_text(answer, lang)
    budget = MAX_RESPONSE_BYTES - ENVELOPE_BYTES - _json_bytes(ssml) - _json_bytes(title)
    return Spoken(ssml=ssml, card_title=title, card_text=fit_card(card, title, budget))


# ----------------------------------------------------------------- shortening text ----

_EN_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_URL = re.compile(r"https?://\S+")
_BULLET = re.compile(r"^\s*(?:[・\-*+•]|\d+[.)])\s*")
_MD = re.compile(r"(\*\*|__|`|^#+\s*)", re.M)


def sentences(text: str, lang: str) -> list[str]:
    """Split a written answer into speakable sentences (bullets and links dropped)."""
    out: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"\s{2,}", " ", _MD.sub("", _BULLET.sub("", _URL.sub("", line)))).strip()
        if not line:
            continue
        if lang == "ja" or re.search(r"[。！？]", line):
            parts = [m.group(0).strip() for m in re.finditer(r"[^。！？!?]+[。！？!?]*", line)]
        else:
            parts = [p.strip() for p in _EN_SENTENCE.split(line)]
        out.extend(p for p in parts if p and not re.fullmatch(r"[\W_]+", p))
    return out


def shorten(text: str, lang: str, max_sentences: int = 2) -> str:
    """The first one or two sentences; one when the first is already long."""
    parts = sentences(text, lang)
    if not parts:
        return text.strip()
    chosen = [parts[0]]
    for p in parts[1:max_sentences]:
        if sum(len(c) for c in chosen) + len(p) > SPOKEN_SENTENCE_BUDGET:
            break
        chosen.append(p)
    sep = "" if lang == "ja" else " "
    return sep.join(_terminate(c, lang) for c in chosen)


def _terminate(sentence: str, lang: str) -> str:
    if sentence[-1] in "。！？!?.":
        return sentence
    return sentence + ("。" if lang == "ja" else ".")


# ------------------------------------------------------------------------- SSML ----

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_WIDE_COLON = re.compile(r"(?<=\d)[：:](?=\d)")
_WIDE_DASH = re.compile(r"(?<=\d)[－‐](?=\d)")
#: A parenthesis holding Japanese (e.g. "(北見駅前)") — an English voice cannot read it.
_JA_ASIDE = re.compile(r"\s*[（(][^()（）]*[\u3040-\u30ff\u4e00-\u9fff][^()（）]*[)）]")
_PHONE = re.compile(
    r"(?<![\d-])("
    r"0\d{1,4}-\d{1,4}-\d{3,4}"  # 0157-33-4821, 03-1234-5678, 0120-123-456
    r"|\+81[- ]?\d{1,4}[- ]?\d{1,4}[- ]?\d{3,4}"  # +81 157 33 4821
    r"|0\d{9,10}"  # 0157334821, 09012345678
    r")(?![\d-])"
)
_TIME = re.compile(r"(?<![\d:])([01]?\d|2[0-9]):([0-5]\d)(?![\d:])")


def escape(text: str) -> str:
    """SSML text escaping (the five XML special characters)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def spoken_time(hour: int, minute: int, lang: str) -> str:
    """How a clock time is said: 8時30分 / 8:30 AM. 24:10 (after midnight) stays 24時10分."""
    return format_clock(hour, minute, "ja") if lang == "ja" else twelve_hour(hour, minute)


def to_ssml(plain: str, lang: str) -> str:
    """Escape ``plain`` and mark up phone numbers and times for natural reading."""
    text = _WIDE_DASH.sub("-", _WIDE_COLON.sub(":", plain.translate(_FULLWIDTH)))
    if lang != "ja":
        text = _JA_ASIDE.sub("", text)
    text = escape(text)
    out: list[str] = []
    pos = 0
    for m in _PHONE.finditer(text):
        out.append(_times(text[pos : m.start()], lang))
        out.append(f'<say-as interpret-as="telephone">{m.group(1)}</say-as>')
        pos = m.end()
    out.append(_times(text[pos:], lang))
    return "".join(out)


#: "AM"/"p.m." after a time, and a time range ending in one ("4:00–8:00 PM"), in English text.
_MERIDIEM = re.compile(r"\s*([AaPp])\.?\s?[Mm]\b")  # "a.m."'s last dot stays: it may end a sentence
_RANGE_TO_MERIDIEM = re.compile(r"\s*[-–—~〜]\s*\d{1,2}(?::\d{2})?\s*([AaPp])\.?\s?[Mm]\b")
#: "12:00 noon", "0:00 midnight": the word says which twelve it is.
_NOON = re.compile(r"\s*(?:noon|midnight)\b", re.IGNORECASE)


def _times(text: str, lang: str) -> str:
    """Clock times as they are said. Japanese speech quoting an English page reads its
    "3:00 PM" as 15時 (it was "3時 PM"), and "12:00 noon" as 12時."""
    out: list[str] = []
    pos = 0
    for m in _TIME.finditer(text):
        hour, minute = int(m.group(1)), int(m.group(2))
        marked = _MERIDIEM.match(text, m.end()) if hour <= 12 else None
        to_marked = _RANGE_TO_MERIDIEM.match(text, m.end()) if hour <= 12 else None
        noon = _NOON.match(text, m.end()) if hour in (0, 12, 24) else None
        end = marked.end() if marked else noon.end() if noon and lang == "ja" else m.end()
        if lang == "ja":
            meridiem = marked or to_marked
            half = meridiem.group(1).upper() if meridiem else ""
            if half:  # "3:00 PM" is 15時, "12:30 AM" 0時30分, "4:00–8:00 PM" 16時–20時
                hour = hour % 12 + (12 if half == "P" else 0)
            said = spoken_time(hour, minute, lang)
        else:
            said = f"{hour}" if minute == 0 else f"{hour}:{minute:02d}"
            if marked:  # "10:00 AM" is "10 AM", not "10 AM AM"
                said = f"{said} {marked.group(1).upper()}M"
            elif noon:  # "12:00 noon", not "12 PM noon"
                said = "12" if minute == 0 else f"12:{minute:02d}"
            elif not to_marked:  # "4:00–8:00 PM": "4–8 PM"
                said = spoken_time(hour, minute, lang)
        out.append(text[pos:m.start()] + said)
        pos = end
    return "".join(out) + text[pos:]


def fit_speech(
    plain: str, lang: str, limit: int = MAX_SPEECH_CHARS - len("<speak></speak>")
) -> str:
    """SSML for ``plain``, dropping trailing sentences (never cutting a tag) to fit ``limit``."""
    ssml = to_ssml(plain, lang)
    if len(ssml) <= limit:
        return ssml
    parts = sentences(plain, lang) or [plain]
    sep = "" if lang == "ja" else " "
    while len(parts) > 1:
        parts.pop()
        ssml = to_ssml(sep.join(parts), lang)
        if len(ssml) <= limit:
            return ssml
    # One enormous sentence: cut the plain text, then escape (so no entity or tag is split).
    cut = parts[0]
    while cut and len(to_ssml(cut + "…", lang)) > limit:
        cut = cut[: max(0, len(cut) - max(1, len(cut) // 10))]
    return to_ssml(cut + "…", lang) if cut else ""


# ------------------------------------------------------------------------- cards ----


def card_title(intent: str, lang: str) -> str:
    key = intent if intent in CARD_TITLES else ""
    return CARD_TITLES[key][reply_lang(lang)]


def source_label(source: Source) -> str:
    if source.label:
        return source.label
    return f"{source.path} › {source.heading}" if source.heading else source.path


def card_text(answer: Answer, lang: str) -> str:
    """The full written answer, then where it came from."""
    text = answer.text.strip()
    labels: list[str] = []
    for s in answer.sources:
        label = source_label(s)
        if label and label not in labels:
            labels.append(label)
    if labels:
        text += "\n\n" + f"{phrases.phrase('source', reply_lang(lang))}: " + " / ".join(labels)
    return text


def fit_card(text: str, title: str, budget_bytes: int) -> str:
    """Cut the card text to the card limit and to ``budget_bytes`` of escaped JSON."""
    limit = MAX_CARD_CHARS - len(title)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if _json_bytes(text) <= budget_bytes:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits
        mid = (lo + hi + 1) // 2
        if _json_bytes(text[:mid] + "…") <= budget_bytes:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…" if lo else ""


def _json_bytes(value: str) -> int:
    """Size of ``value`` as the adapter serialises it (ASCII-escaped JSON string)."""
    return len(json.dumps(value, ensure_ascii=True))
