"""What a question asks for, and whether a passage holds such a thing.

Similarity alone cannot tell "the page about the gym" from "the page nearest to a gym
question" (on loosely typed questions no single threshold separates answerable from
unanswerable ones). A question that asks *when* wants a time, *how much* a price, *who
to call* a number, *can I* a rule; a passage that has none of these is probably not
the answer, however close it looks. These are kinds of answers, not topics, so the
patterns hold for any guide, in the four languages stayers use.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: answer type -> (question cue, passage evidence). Cues and evidence are written in
#: ja/en/zh/ko; digits and symbols serve every language.
_TYPES: dict[str, tuple[str, str]] = {
    "time": (
        r"何時|なんじ|いつ|何曜|なんよう|営業時間|開いて|あいて|やって(?:る|ます)|閉ま|締め切|まで(?:に|いて|やって)|"
        r"\bwhat time\b|\btime\b|\bwhen\b|\bhours?\b|\bopen\b|\bclose[sd]?\b|\buntil\b|\btill\b|"
        r"(?<!何)時間|几点|什么时候|时间|营业|開門|몇 ?시|시간|언제|영업",
        r"\d{1,2}\s*[:：]\s*\d{2}|\d{1,2}\s*時|\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)|午前|午後|正午|"
        r"noon|midnight|[月火水木金土日]曜|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
        r"毎日|daily|24\s*時間|24\s*hours|\d{1,2}\s*시|\d{1,2}\s*点",
    ),
    "duration": (
        r"何分|何時間|何日|どのくらい|どれくらい|どれぐらい|\bhow long\b|多久|多长时间|얼마나 걸",
        r"\d+\s*(?:分|時間|日|秒|minutes?|mins?|hours?|hrs?|days?|seconds?|分钟|小时|天|분|시간|일)",
    ),
    "price": (
        r"いくら|料金|値段|費用|お金|有料|無料|\bhow much\b|\bcost|\bprice|\bfees?\b|\bcharge|\bpay\b|"
        r"多少钱|费用|价格|收费|얼마|요금|비용",
        r"\d[\d,]*\s*(?:円|yen|元|원|ドル|dollars?)|[¥$￥]\s*\d|無料|\bfree\b|免费|무료|有料",
    ),
    "phone": (
        r"電話|連絡先|連絡|問い?合わせ|\bphone\b|\bcall\b|\bcontact\b|\bnumber\b|电话|联系|打给|找谁|전화|연락",
        r"\d{2,4}\s*-\s*\d{2,4}\s*-\s*\d{3,4}|\b1[01]9\b|\b911\b|#\d{4}|\d{3}-\d{4}|LINE",
    ),
    "code": (
        r"パスワード|ぱすわーど|暗証|コード|\bpassword|\bpw\b|\bpass\b|\bcode\b|\bpin\b|ssid|密码|비밀번호|암호|코드",
        r"\b(?=[A-Za-z0-9._-]*\d)(?=[A-Za-z0-9._-]*[A-Za-z-])[A-Za-z0-9._-]{6,}\b|\b\d{4,8}\b|"
        r"SSID|パスワード[はは：:]|password\s*[:：]",
    ),
    "count": (
        r"何人|何台|何個|何本|何枚|何部屋|いくつ|\bhow many\b|几个|几人|几台|몇 ?(?:명|대|개)",
        r"\d+\s*(?:人|名|台|個|本|枚|部屋|室|people|persons?|cars?|rooms?|beds?|명|대|개)|\d",
    ),
    "place": (
        r"どこ|どっか|どちら|場所|\bwhere\b|\bwhere's\b|哪里|哪儿|在哪|어디",
        r"[横隣左右前後裏奥上下中外内側階棚箱室所場]|入口|玄関|廊下|押し入れ|物置|駐車|"
        r"\b(?:left|right|next to|beside|behind|under|above|below|inside|outside|near|front|back|floor|room|"
        r"closet|drawer|cabinet|shelf|hallway|kitchen|garage|porch|yard|located|on foot|walk|minutes? from)\b|"
        r"徒歩|\d+\s*(?:分|m\b|km)|旁边|附近|楼|옆|앞|뒤|층",
    ),
    "permission": (
        r"(?:て|で)(?:も)?(?:いい|良い|大丈夫|OK|ok|おけ|へいき|平気)|できます?か|できる[？?]|可能|だめ|ダメ|"
        r"ok\?|okay\?|\bcan (?:i|we|you)\b|\bmay i\b|\ballowed\b|\bpermitted\b|\bis it ok|\bare (?:pets|dogs|kids)\b|"
        r"可以|能不能|能否|允许|되나요|돼요|될까요|가능|괜찮",
        r"禁止|禁煙|厳禁|できません|られません|ご遠慮|遠慮|不可|ダメ|だめ|しないで|ないでください|お断り|できます|大丈夫|OK|可能|"
        r"自由に|かまいません|構いません|"
        r"\bnot allowed\b|\bno (?:smoking|pets|parties|parking|shoes)\b|\bno [a-z]+s\b|\bprohibited\b|\bforbidden\b|"
        r"\bnot permitted\b|\bdo not\b|\bdon't\b|\bplease don't\b|\bmust not\b|\bnever\b|\bwelcome\b|\bfine\b|"
        r"\bfree to\b|\bfeel free\b|\ballowed\b|\bpermitted\b|\bmay\b|\bcan't\b|\bcannot\b|"
        r"不可以|不能|禁止|请勿|금지|안 ?됩니다|가능|삼가",
    ),
}
_COMPILED = {k: (re.compile(q, re.IGNORECASE), re.compile(e, re.IGNORECASE)) for k, (q, e) in _TYPES.items()}


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def asked_types(question: str) -> frozenset[str]:
    """The kinds of answer a question asks for ("time", "price", "permission", ...)."""
    q = _norm(question)
    return frozenset(k for k, (cue, _) in _COMPILED.items() if cue.search(q))


def names_answer_type(word: str) -> bool:
    """Whether ``word`` names a kind of answer (電話番号, 营业, 비밀번호): what it asks for is
    judged by whether the passage holds such a thing, not by the passage naming it."""
    return bool(asked_types(word))


def held_types(passage: str) -> frozenset[str]:
    """The kinds of answer a passage holds."""
    p = _norm(passage)
    return frozenset(k for k, (_, ev) in _COMPILED.items() if ev.search(p))


#: "What's the Wi-Fi name?": a value is asked for, like a code or a time.
_ASKS_NAME = re.compile(r"\bname\b|\bssid\b|名前|名称|なまえ|ネットワーク名|叫什么|名字|이름", re.IGNORECASE)


def asks_value(question: str) -> bool:
    """Whether a question asks for a piece of information (a code, a time, a place, a name:
    any answer type but a rule). Only such a question can be about a blank the host left
    ("what's the Wi-Fi password?"); "Wi-Fi doesn't connect" is not about a blank "Network"."""
    q = _norm(question)
    return bool(asked_types(q) - {"permission"} or _ASKS_NAME.search(q))


@dataclass(frozen=True)
class TypeFit:
    """How a passage fits what is asked: ``asked`` types, the share of them ``held``."""

    asked: frozenset[str]
    share: float  # 1.0 when nothing specific is asked

    @property
    def missing(self) -> bool:
        return bool(self.asked) and self.share == 0.0


def type_fit(question: str, passage: str) -> TypeFit:
    asked = asked_types(question)
    if not asked:
        return TypeFit(asked, 1.0)
    held = held_types(passage)
    return TypeFit(asked, len(asked & held) / len(asked))


#: "How do I ...?": the steps of a procedure are the answer (ja/en/zh/ko).
_ASKS_HOW = re.compile(r"\bhow (?:do|to|can|should|would)\b|使い方|やり方|方法|どうやって|どうすれば|どうしたら|"
                       r"手順|怎么|如何|어떻게", re.IGNORECASE)
#: The number that starts a step of a procedure ("1. Close all taps", "2）…").
STEP_NUMBER = r"\d{1,2}[.)．）]\s*\S"
#: A passage that says how: "使い方：", "How to use", numbered steps.
_HOLDS_HOW = re.compile(rf"使い方|やり方|手順|\bhow to\b|\bto use\b|(?m:^\s*(?:[-*・]\s*)?{STEP_NUMBER})",
                        re.IGNORECASE)


def asks_how(question: str) -> bool:
    """Whether a question asks how to do something ("ストーブの使い方", "how do I drain the pipes")."""
    return bool(_ASKS_HOW.search(_norm(question)))


def holds_how(passage: str) -> bool:
    """Whether a passage says how ("使い方：…", numbered steps). Kept apart from the answer
    types above: as abstention evidence it would count every instruction without such
    words as missing; it only breaks near ties in ranking."""
    return bool(_HOLDS_HOW.search(_norm(passage)))
