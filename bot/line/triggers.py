"""When is the bot being spoken to, and is the message a command? Pure text functions.

In a 1:1 chat every message is for the bot. In a group or room the bot answers only when
it is mentioned (a mentionee with ``isSelf``), or the message starts with ``?``/``？`` or the
bot's name, so staff and guests talking among themselves are never interrupted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Names the bot answers to even before its LINE display name is known.
DEFAULT_NAMES = ("concierge", "コンシェルジュ")
PREFIXES = ("?", "？")

_BIND = re.compile(r"^(?:bind|登録)\s*[:：]?\s*([A-Za-z0-9]{4})[-\s]?([A-Za-z0-9]{4})$", re.IGNORECASE)
_BIND_WORD = re.compile(r"^(?:bind|登録)\b", re.IGNORECASE)
_MORNING = re.compile(r"^(?:morning|朝のお知らせ|朝)\s*[:：]?\s*(on|off|オン|オフ)$", re.IGNORECASE)
_STAFF = re.compile(r"^/(reload|unanswered|stats)\b", re.IGNORECASE)
_LEADING_PUNCT = " \t\n,，、:：!！.。-@＠"


@dataclass(frozen=True)
class Span:
    """A mention in the message, in LINE's UTF-16 code units."""

    index: int
    length: int
    is_self: bool


@dataclass(frozen=True)
class Command:
    """``bind``, ``morning`` (arg ``on``/``off``) or a staff slash command."""

    name: str
    arg: str = ""


def _remove_spans(text: str, spans: Iterable[Span]) -> str:
    """Delete the given UTF-16 spans (LINE counts mention indexes in UTF-16 code units)."""
    units = text.encode("utf-16-le")
    for span in sorted(spans, key=lambda s: s.index, reverse=True):
        start, end = span.index * 2, (span.index + span.length) * 2
        if 0 <= start <= end <= len(units):
            units = units[:start] + units[end:]
    return units.decode("utf-16-le", errors="ignore")


def _strip_name(text: str, names: Sequence[str]) -> str | None:
    """Text after a leading ``name`` / ``@name``, or None when it does not start with one."""
    body = text.lstrip()
    if body[:1] in ("@", "＠"):
        body = body[1:]
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        key = unicodedata.normalize("NFKC", name).casefold()
        # compare width-folded, but return the original remainder (full-width "？" stays)
        for end in range(1, min(len(body), 2 * len(key)) + 1):
            if unicodedata.normalize("NFKC", body[:end]).casefold() != key:
                continue
            rest = body[end:]
            if rest and rest[0].isalnum() and key.isascii():
                break  # "conciergerie" is not the bot's name
            return rest.lstrip(_LEADING_PUNCT)
    return None


def addressed_text(text: str, spans: Sequence[Span], names: Sequence[str]) -> str | None:
    """In a group: the message minus its trigger, or None when the bot is not addressed."""
    mine = [s for s in spans if s.is_self]
    if mine:
        return _remove_spans(text, mine).strip(_LEADING_PUNCT)
    stripped = text.lstrip()
    for prefix in PREFIXES:
        if stripped.startswith(prefix):
            return stripped[len(prefix):].strip(_LEADING_PUNCT)
    return _strip_name(text, names)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_command(text: str) -> Command | None:
    """Recognise ``bind CODE``, ``morning on|off`` and ``/reload|/unanswered|/stats``."""
    folded = _fold(text)
    if m := _BIND.match(folded):
        return Command("bind", (m.group(1) + m.group(2)).upper())
    if _BIND_WORD.match(folded):
        return Command("bind", "")
    if m := _MORNING.match(folded):
        return Command("morning", "on" if m.group(1).lower() in ("on", "オン") else "off")
    if m := _STAFF.match(folded):
        return Command(m.group(1).lower())
    return None


def is_bare_bind(text: str) -> bool:
    """A complete ``bind XXXX-XXXX`` needs no mention: it cannot be chat between people."""
    return bool(_BIND.match(_fold(text)))
