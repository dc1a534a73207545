"""One LINE message, several questions: "wifi password? also what time is checkout".

Stayers type two questions into one message, and answering the first alone left the
second unanswered. A message is split only where the stayer marked the end of a question
(?, ？); what follows the last mark is a further question when it starts with a
connective ("also", 「あと」, 「还有」, 「그리고」), and otherwise the context of the question
before it ("... when i check out? leaving early tmrw", "is there an altar room? can we
offer flowers").

The engine decides whether the parts are really different questions (see
``Engine.answer``): this module only reads the message.
"""

from __future__ import annotations

import re

#: At most this many questions are answered one by one from one message.
MAX_QUESTIONS = 3

_END = re.compile(r"(?<=[?？])(?![?？])")
#: Words that begin a further question ("also", 「あと」); stripped from the part.
_CONNECTIVE = re.compile(
    r"^\s*(?:and also|also|and|plus|btw|by the way|oh and|あと|それと|それから|また|还有|另外|그리고|또)[\s,、，:：]*",
    re.IGNORECASE,
)


def _too_short(part: str) -> bool:
    """A reaction or an ellipsis ("really?", "Where?"), not a question of its own: one
    English word, or fewer than three characters of Japanese, Chinese or Korean."""
    bare = part.rstrip("?？ ")
    return len(bare.split()) < 2 if bare.isascii() else len(bare) < 3


def split_questions(text: str) -> list[str]:
    """The questions of a message, in order; one element when it asks one thing."""
    pieces = [p.strip() for p in _END.split(text.strip()) if p.strip()]
    if len(pieces) < 2:
        return [text.strip()]
    parts: list[str] = []
    carried = ""  # a leading reaction ("really?? where is the key") joins the next part
    for i, piece in enumerate(pieces):
        asked = piece[-1] in "?？"
        if parts and not asked and not _CONNECTIVE.match(piece):
            parts[-1] = f"{parts[-1]} {piece}"  # the context of the question before it
            continue
        bare = _CONNECTIVE.sub("", piece) if i else piece
        if _too_short(bare):
            if parts:
                parts[-1] = f"{parts[-1]} {piece}"
            else:
                carried = f"{carried} {piece}".strip()
            continue
        parts.append(f"{carried} {bare}".strip() if carried else bare)
        carried = ""
    # more than a few is a list pasted in, better answered as a whole than cut short
    return parts if 1 < len(parts) <= MAX_QUESTIONS else [text.strip()]


#: English words that point back to something named before ("How much would *it* cost?").
_BACK = re.compile(r"\b(?:it|its|it's|that|this|they|them|those|these|one)\b", re.IGNORECASE)


def leans_on_before(part: str) -> bool:
    """Whether a later question names nothing of its own and leans on the one before: an
    English pronoun ("how much would it cost?"), or a Japanese, Chinese or Korean part of a
    few characters (「いつごろがいい？」, 「几点？」)."""
    bare = part.rstrip("?？!！ ")
    if bare.isascii():
        return bool(_BACK.search(bare))
    return len(re.sub(r"[\s、，,。]", "", bare)) < 8
