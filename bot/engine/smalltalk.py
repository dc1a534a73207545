"""Messages that are not questions: greetings, thanks, "ok", an emoji.

Answered from the manual, 「ありがとう」 got the nursery page and 「おはよう」 the icy-pavement
advice (the nearest sections to nothing in particular); "thanks!" was declined, which in
a group also sends the message to the staff. A message made only of such words gets a
short reply in the stayer's language instead, and "good morning" gets the morning
briefing (weather, today's garbage, the next bus), as the smart speaker's good-morning
does. These are kinds of message, not questions about any guide: a message with anything
else in it ("thanks, and where is the bus stop?") is a question as usual.
"""

from __future__ import annotations

import re
import unicodedata

from text.phrases import register

MORNING, HELLO, THANKS, ACK = "morning", "hello", "thanks", "ack"

#: kind -> words (compared without spaces, punctuation or emoji, case-folded)
_WORDS: dict[str, tuple[str, ...]] = {
    MORNING: (
        "おはようございます", "おはよう", "おはよー", "goodmorning", "morning",
        "早上好", "早安", "좋은아침이에요", "좋은아침입니다", "좋은아침",
    ),
    HELLO: (
        "こんにちは", "こんばんは", "はじめまして", "よろしくおねがいします", "よろしくお願いします",
        "ヘルプ", "hello", "hithere", "hi", "heythere", "hey", "help",
        "你好", "您好", "大家好", "帮助", "안녕하세요", "안녕", "도움말",
    ),
    THANKS: (
        "ありがとうございました", "ありがとうございます", "ありがとう", "どうもありがとう",
        "どうも", "助かりました", "助かります", "サンキュー",
        "thankyousomuch", "thankyouverymuch", "thankyou", "thanksalot", "thanks",
        "thx", "tysm", "ty", "cheers",
        "谢谢你", "谢谢", "多谢", "感谢", "감사합니다", "감사해요", "고맙습니다", "고마워요", "고마워",
    ),
    ACK: (
        "ok", "okay", "gotit", "great", "perfect", "cool", "nice",
        "了解です", "了解しました", "了解", "りょうかい", "わかりました", "分かりました", "はい", "オッケー",
        "好的", "知道了", "明白了", "好", "네", "알겠습니다", "알겠어요", "알겠어",
    ),
}
_KIND_OF = {w: kind for kind, words in _WORDS.items() for w in words}
_ANY_WORD = "|".join(re.escape(w) for w in sorted(_KIND_OF, key=len, reverse=True))  # longest first
_ONLY_WORDS = re.compile(f"(?:{_ANY_WORD})+")
_WORD = re.compile(_ANY_WORD)
#: the order in which a message of several kinds is answered ("ok thanks" is thanks)
_PRECEDENCE = (MORNING, THANKS, HELLO, ACK)


#: Chinese words of the table written in characters Japanese shares ("早上好", "好的"): the
#: script alone read them as Japanese, and a Chinese "good morning" got a Japanese briefing.
_CHINESE = frozenset(w for w in _KIND_OF if re.fullmatch(r"[\u4e00-\u9fff]+", w)) - {"了解"}


def language_of(text: str) -> str | None:
    """"zh" for a message made only of the table's Chinese words, else None (the script tells)."""
    core = _core(text)
    words = [m.group(0) for m in _WORD.finditer(core)] if core and _ONLY_WORDS.fullmatch(core) else []
    return "zh" if words and all(w in _CHINESE for w in words) else None


def _core(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold()
                   if not unicodedata.category(ch).startswith(("P", "S", "Z", "C")))


def kind_of(text: str) -> str | None:
    """The kind of a message that is not a question, or None for anything else. A message
    of only punctuation, symbols and emoji ("👍", "?") is a hello: it invites a question."""
    core = _core(text)
    if not core:
        return HELLO if text.strip() else None
    if len(core) > 40 or not _ONLY_WORDS.fullmatch(core):
        return None
    kinds = {_KIND_OF[m.group(0)] for m in _WORD.finditer(core)}
    return next(k for k in _PRECEDENCE if k in kinds)


register({
    HELLO: {
        "ja": "こんにちは。滞在中のことは何でも聞いてください（例：「Wi-Fiのパスワードは？」「明日のごみは？」"
              "「次の空港行きのバスは？」）。",
        "en": "Hello! Ask me anything about your stay, for example \"What's the Wi-Fi password?\", "
              "\"Which garbage goes out tomorrow?\" or \"When is the next bus to the airport?\"",
        "zh": "您好！住宿期间的问题都可以问我，例如“Wi-Fi密码是多少？”“明天扔什么垃圾？”“下一班去机场的巴士几点？”",
        "ko": "안녕하세요! 숙박 중 궁금한 점은 무엇이든 물어보세요. 예: \"와이파이 비밀번호는?\", "
              "\"내일 쓰레기는 뭐예요?\", \"다음 공항버스는 몇 시예요?\"",
    },
    THANKS: {
        "ja": "どういたしまして。ほかにも気軽に聞いてください。",
        "en": "You're welcome. Ask me anything else about your stay.",
        "zh": "不客气。还有其他问题随时问我。",
        "ko": "천만에요. 다른 궁금한 점도 편하게 물어보세요.",
    },
    ACK: {
        "ja": "はい。ほかにも何かあれば聞いてください。",
        "en": "Okay. Ask me anything else about your stay.",
        "zh": "好的。还有其他问题随时问我。",
        "ko": "네. 다른 궁금한 점이 있으면 물어보세요.",
    },
}, namespace="smalltalk")
