"""Every fixed phrase only the LINE bot says, per language, in one place.

Kept apart from the handlers so wording can change (or a language be added) without touching
dispatch logic. The phrases are registered as ``line.<key>`` in the one catalogue
(``text.phrases``): every phrase is in Japanese, English, Chinese and Korean. Phrases every channel
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
        "zh": (
            "您好！我是住宿礼宾助手。\n"
            "垃圾收集日、巴士、Wi-Fi、联系方式等住宿期间的问题，我都可以回答。\n"
            "在群里请@我，或以“？”开头提问。\n"
            "例：“？明天扔什么垃圾？”"
        ),
        "ko": (
            "안녕하세요! 숙박 컨시어지입니다.\n"
            "쓰레기 배출일, 버스, 와이파이, 연락처 등 숙박 중 궁금한 점에 답해 드립니다.\n"
            "그룹에서는 저를 멘션하거나 \"?\"로 시작해서 질문해 주세요.\n"
            "예: \"? 내일 무슨 쓰레기 버려요?\""
        ),
    },
    "member_joined": {
        "ja": "ようこそ！質問は私をメンションするか「？」で始めてください。",
        "en": "Welcome! To ask me something, mention me or start with \"?\".",
        "zh": "欢迎！要提问请@我，或以“？”开头。",
        "ko": "환영합니다! 질문하려면 저를 멘션하거나 \"?\"로 시작해 주세요.",
    },
    "follow": {
        "ja": "友だち追加ありがとうございます。滞在中の質問をどうぞ（例：「Wi-Fiのパスワードは？」）。",
        "en": "Thanks for adding me. Ask me anything about your stay (e.g. \"What's the Wi-Fi password?\").",
        "zh": "感谢添加好友。住宿期间的问题请随时问我（例：“Wi-Fi密码是多少？”）。",
        "ko": "친구 추가 감사합니다. 숙박 중 궁금한 점을 물어보세요 (예: \"와이파이 비밀번호가 뭐예요?\").",
    },
    "help": {
        "ja": "ご質問をどうぞ。例：「明日のごみは？」「次のバスは？」「Wi-Fiのパスワードは？」",
        "en": "Please ask a question, e.g. \"Which garbage goes out tomorrow?\", \"When is the next bus?\"",
        "zh": "请提问，例如：“明天扔什么垃圾？”“下一班巴士几点？”“Wi-Fi密码是多少？”",
        "ko": "질문해 주세요. 예: \"내일 무슨 쓰레기 버려요?\", \"다음 버스는 몇 시예요?\", \"와이파이 비밀번호는?\"",
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
        "zh": "这个群还没有关联到住宿。请把工作人员给的代码以“bind 代码”的形式发送（并@我）进行关联。",
        "ko": ("이 그룹은 아직 숙소에 연결되지 않았습니다. 직원이 준 코드를 \"bind 코드\"로 보내 "
               "(저를 멘션해서) 연결해 주세요."),
    },
    "unbound_direct": {
        "ja": "ご滞在のグループでお尋ねください。この1対1のトークは宿に登録されていません。",
        "en": "Please ask in your stay's group chat; this one-to-one chat is not linked to a house.",
        "zh": "请在您住宿的群里提问；这个一对一聊天没有关联到住宿。",
        "ko": "숙박 그룹 채팅에서 질문해 주세요. 이 1:1 채팅은 숙소에 연결되어 있지 않습니다.",
    },
    "unknown_house": {
        "ja": "このグループの宿（{house}）が見つかりません。スタッフに再登録をお願いしてください。",
        "en": "The house this group is linked to ({house}) no longer exists. Please ask the staff to link it again.",
        "zh": "这个群关联的住宿（{house}）已不存在。请让工作人员重新关联。",
        "ko": "이 그룹이 연결된 숙소({house})가 더 이상 없습니다. 직원에게 다시 연결해 달라고 해 주세요.",
    },
    "bound": {
        "ja": "このグループを「{house}」に登録しました。質問をどうぞ！",
        "en": "This group is now linked to \"{house}\". Ask away!",
        "zh": "这个群已关联到“{house}”。请提问吧！",
        "ko": "이 그룹이 \"{house}\"에 연결되었습니다. 무엇이든 물어보세요!",
    },
    "bad_code": {
        "ja": "そのコードは無効か期限切れです。スタッフに新しいコードをお願いしてください。",
        "en": "That code is invalid or has expired. Please ask the staff for a new one.",
        "zh": "这个代码无效或已过期。请向工作人员索取新的代码。",
        "ko": "코드가 잘못되었거나 만료되었습니다. 직원에게 새 코드를 요청해 주세요.",
    },
    "bind_direct": {
        "ja": "登録はグループで行ってください。",
        "en": "Please link a house from the stay's group chat, not here.",
        "zh": "请在住宿的群聊里关联住宿，而不是在这里。",
        "ko": "숙소 연결은 여기가 아니라 숙박 그룹 채팅에서 해 주세요.",
    },
    "morning_on": {
        "ja": "毎朝{time}に、今日のごみ・天気などをお知らせします。止めるには「morning off」。",
        "en": "I'll post the day's garbage and weather every morning at {time}. Say \"morning off\" to stop.",
        "zh": "每天早上{time}，我会发送当天的垃圾和天气等信息。要停止请发送“morning off”。",
        "ko": "매일 아침 {time}에 오늘의 쓰레기·날씨 등을 알려 드립니다. 멈추려면 \"morning off\"라고 보내 주세요.",
    },
    "morning_on_daily": {
        "ja": "毎朝、今日のごみ・天気などをお知らせします。止めるには「morning off」。",
        "en": "I'll post the day's garbage and weather every morning. Say \"morning off\" to stop.",
        "zh": "每天早上，我会发送当天的垃圾和天气等信息。要停止请发送“morning off”。",
        "ko": "매일 아침 오늘의 쓰레기·날씨 등을 알려 드립니다. 멈추려면 \"morning off\"라고 보내 주세요.",
    },
    "morning_off": {
        "ja": "朝のお知らせを止めました。",
        "en": "Morning messages are off.",
        "zh": "已停止早间通知。",
        "ko": "아침 알림을 껐습니다.",
    },
    "morning_needs_group": {
        "ja": "朝のお知らせは、宿に登録済みのグループで設定できます。",
        "en": "Morning messages can be set up in a group that is linked to a house.",
        "zh": "早间通知可以在已关联住宿的群里设置。",
        "ko": "아침 알림은 숙소에 연결된 그룹에서 설정할 수 있습니다.",
    },
    "non_text": {
        "ja": "すみません、文字のメッセージにだけお答えできます。質問を文字で送ってください。",
        "en": "Sorry, I can only read text messages. Please type your question.",
        "zh": "抱歉，我只能回答文字消息。请用文字输入您的问题。",
        "ko": "죄송합니다. 문자 메시지에만 답할 수 있습니다. 질문을 글로 보내 주세요.",
    },
    "escalated": {
        "ja": "スタッフにも質問を伝えました。",
        "en": "I've passed your question on to the staff.",
        "zh": "我也已把您的问题转告给工作人员。",
        "ko": "직원에게도 질문을 전달했습니다.",
    },
    "error": {
        "ja": "すみません、ただいまお答えできません。少し経ってからもう一度お試しください。",
        "en": "Sorry, I can't answer right now. Please try again in a moment.",
        "zh": "抱歉，现在无法回答。请稍后再试。",
        "ko": "죄송합니다. 지금은 답변할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    },
    "staff_escalation": {
        "ja": "【未回答の質問】{house}\n「{text}」",
        "en": "[Unanswered question] {house}\n\"{text}\"",
        "zh": "【未回答的问题】{house}\n“{text}”",
        "ko": "[답변하지 못한 질문] {house}\n\"{text}\"",
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
        "zh": "这个命令只能在工作人员群里使用。",
        "ko": "이 명령은 직원 그룹에서만 사용할 수 있습니다.",
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
