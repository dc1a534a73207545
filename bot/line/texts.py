"""Every fixed phrase only the LINE bot says, per language, in one place.

Kept apart from the handlers so wording can change (or a language be added) without touching
dispatch logic. The phrases are registered as ``line.<key>`` in the one catalogue
(``text.phrases``), so they follow its fallback rule: Japanese and English are complete;
Chinese and Korean fall back to English where a phrase is missing. Phrases every channel
says ("source", "too_long") are the catalogue's own. Bilingual phrases (join, unbound) are
for moments when the bot cannot know who is reading yet.
"""

from __future__ import annotations

from text.phrases import phrase, pick, register

PHRASES: dict[str, dict[str, str]] = {
    "welcome": {
        "ja": (
            "こんにちは！滞在コンシェルジュです。\n"
            "ごみの日、バス、Wi-Fi、連絡先など、滞在中の質問にお答えします。\n"
            "グループでは、私をメンションするか、「？」で始めて質問してください。\n"
            "例：「？明日のごみは？」"
        ),
        "en": (
            "Hello! I'm your stay concierge.\n"
            "I answer questions about your stay: garbage days, buses, Wi-Fi, contacts and more.\n"
            "In this group, mention me or start your message with \"?\".\n"
            "Example: \"? Which garbage goes out tomorrow?\""
        ),
    },
    "member_joined": {
        "ja": "ようこそ！質問は私をメンションするか「？」で始めてください。",
        "en": "Welcome! To ask me something, mention me or start with \"?\".",
    },
    "follow": {
        "ja": "友だち追加ありがとうございます。滞在中の質問をどうぞ（例：「Wi-Fiのパスワードは？」）。",
        "en": "Thanks for adding me. Ask me anything about your stay (e.g. \"What's the Wi-Fi password?\").",
    },
    "help": {
        "ja": "ご質問をどうぞ。例：「明日のごみは？」「次のバスは？」「Wi-Fiのパスワードは？」",
        "en": "Please ask a question, e.g. \"Which garbage goes out tomorrow?\", \"When is the next bus?\"",
    },
    "unbound": {
        "ja": (
            "このグループはまだ宿に登録されていません。スタッフが発行したコードを"
            "「bind コード」と送って（私をメンションして）登録してください。"
        ),
        "en": (
            "This group is not linked to a house yet. Please post \"bind CODE\" with the code "
            "from the staff (mentioning me) to link it."
        ),
    },
    "unbound_direct": {
        "ja": "ご滞在のグループでお尋ねください。この1対1のトークは宿に登録されていません。",
        "en": "Please ask in your stay's group chat; this one-to-one chat is not linked to a house.",
    },
    "unknown_house": {
        "ja": "このグループの宿（{house}）が見つかりません。スタッフに再登録をお願いしてください。",
        "en": "The house this group is linked to ({house}) no longer exists. Please ask the staff to link it again.",
    },
    "bound": {
        "ja": "このグループを「{house}」に登録しました。質問をどうぞ！",
        "en": "This group is now linked to \"{house}\". Ask away!",
    },
    "bad_code": {
        "ja": "そのコードは無効か期限切れです。スタッフに新しいコードをお願いしてください。",
        "en": "That code is invalid or has expired. Please ask the staff for a new one.",
    },
    "bind_direct": {
        "ja": "登録はグループで行ってください。",
        "en": "Please link a house from the stay's group chat, not here.",
    },
    "morning_on": {
        "ja": "毎朝{time}に、今日のごみ・天気などをお知らせします。止めるには「morning off」。",
        "en": "I'll post the day's garbage and weather every morning at {time}. Say \"morning off\" to stop.",
    },
    "morning_on_daily": {
        "ja": "毎朝、今日のごみ・天気などをお知らせします。止めるには「morning off」。",
        "en": "I'll post the day's garbage and weather every morning. Say \"morning off\" to stop.",
    },
    "morning_off": {
        "ja": "朝のお知らせを止めました。",
        "en": "Morning messages are off.",
    },
    "morning_needs_group": {
        "ja": "朝のお知らせは、宿に登録済みのグループで設定できます。",
        "en": "Morning messages can be set up in a group that is linked to a house.",
    },
    "non_text": {
        "ja": "すみません、文字のメッセージにだけお答えできます。質問を文字で送ってください。",
        "en": "Sorry, I can only read text messages. Please type your question.",
    },
    "escalated": {
        "ja": "スタッフにも質問を伝えました。",
        "en": "I've passed your question on to the staff.",
    },
    "error": {
        "ja": "すみません、ただいまお答えできません。少し経ってからもう一度お試しください。",
        "en": "Sorry, I can't answer right now. Please try again in a moment.",
    },
    "staff_escalation": {
        "ja": "【未回答の質問】{house}\n「{text}」",
        "en": "[Unanswered question] {house}\n\"{text}\"",
    },
    "feedback_down": {
        "ja": "ありがとうございます。この回答はスタッフが確認します。",
        "en": "Thank you. The staff will check this answer.",
        "zh": "谢谢。工作人员会检查这个回答。",
        "ko": "감사합니다. 이 답변은 직원이 확인하겠습니다.",
    },
    "staff_only": {
        "ja": "このコマンドはスタッフグループでのみ使えます。",
        "en": "This command works only in the staff group.",
    },
    "week_title": {"ja": "今週のごみ出し", "en": "Garbage this week", "zh": "本周垃圾收集", "ko": "이번 주 쓰레기"},
    "no_collection": {"ja": "収集なし", "en": "No collection", "zh": "不收集", "ko": "수거 없음"},
}

#: Quick-reply chips: topic -> (label, question sent to the engine, displayed text).
TOPICS: dict[str, dict[str, tuple[str, str]]] = {
    "garbage": {
        "ja": ("ごみの日", "今週のごみの日は？"),
        "en": ("Garbage", "Which garbage goes out this week?"),
        "zh": ("垃圾", "这周的垃圾收集日是哪天？"),
        "ko": ("쓰레기", "이번 주 쓰레기 배출일은?"),
    },
    "bus": {
        "ja": ("バス", "次のバスは？"),
        "en": ("Bus", "When is the next bus?"),
        "zh": ("公交", "下一班公交车是几点？"),
        "ko": ("버스", "다음 버스는 언제?"),
    },
    "wifi": {
        "ja": ("Wi-Fi", "Wi-Fiのパスワードは？"),
        "en": ("Wi-Fi", "What's the Wi-Fi password?"),
        "zh": ("Wi-Fi", "Wi-Fi密码是什么？"),
        "ko": ("Wi-Fi", "와이파이 비밀번호는?"),
    },
    "contacts": {
        "ja": ("連絡先", "困ったときの連絡先は？"),
        "en": ("Contacts", "Who do I contact if something goes wrong?"),
        "zh": ("联系方式", "遇到问题联系谁？"),
        "ko": ("연락처", "문제가 생기면 누구에게 연락하나요?"),
    },
}

register(PHRASES, "line")


def say(key: str, lang: str, **fmt: object) -> str:
    """The LINE phrase ``key`` in ``lang`` (``text.phrases.phrase`` of ``line.<key>``)."""
    return phrase(f"line.{key}", lang, **fmt)


def say_both(key: str, **fmt: object) -> str:
    """Japanese, then English: for messages to a group whose readers are not known yet."""
    return say(key, "ja", **fmt) + "\n\n" + say(key, "en", **fmt)


def topic(name: str, lang: str) -> tuple[str, str]:
    return pick(TOPICS[name], lang)
