"""LINE events -> engine questions -> replies. Runs on the worker threads, after the webhook
has been acknowledged.

Routing (by event class, most specific first): text messages, other messages, postbacks
(the quick-reply chips), join, memberJoined, leave, follow, unfollow; anything else
(including events this SDK version does not know) is logged and ignored.

Privacy: the user id of a sender is used only to show the loading animation and, in a 1:1
chat, as the push target of a late answer; it is never stored or logged. Group ids are only
passed to :class:`~bot.line.state.BotState`, which hashes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from linebot.v3.webhooks import (
    FollowEvent,
    GroupSource,
    JoinEvent,
    LeaveEvent,
    MemberJoinedEvent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from bot.config import Settings
from bot.engine.contract import STAFF, STAYERS, ConciergeEngine, Question
from bot.engine.limits import MAX_QUESTION_CHARS
from bot.line import render, staff, texts, triggers
from bot.line.client import LineClient
from bot.line.morning import MorningTimeError, parse_morning_time
from bot.line.outbox import Outbox
from bot.line.render import utf16_len
from bot.line.state import BotState, EscalationPolicy
from bot.state.questions import rateable
from ingest.knowledge import UnknownHouse
from text.dates import hh_mm
from text.detect import detect_lang, norm_lang
from text.phrases import phrase

log = logging.getLogger(__name__)

#: Longer messages are not questions; they get a polite reply instead of an engine call.
LOADING_SECONDS = 20


@dataclass(frozen=True)
class Chat:
    """Where an event happened. ``id`` is the group/room id, or the user id in a 1:1 chat."""

    kind: str  # "user", "group" or "room"
    id: str | None

    @property
    def direct(self) -> bool:
        return self.kind == "user"

    @classmethod
    def of(cls, source: Any) -> Chat:
        if isinstance(source, GroupSource):
            return cls("group", source.group_id)
        if isinstance(source, RoomSource):
            return cls("room", source.room_id)
        if isinstance(source, UserSource):
            return cls("user", source.user_id)
        return cls("unknown", None)


class EventHandlers:
    """One instance per app; ``handle`` is called once per event on a worker thread."""

    def __init__(
        self,
        engine: ConciergeEngine,
        settings: Settings,
        state: BotState,
        client: LineClient,
        *,
        now: Callable[[], datetime] | None = None,
        escalation: EscalationPolicy | None = None,
    ):
        self.engine = engine
        self.settings = settings
        self.state = state
        self.client = client
        self.escalation = escalation or EscalationPolicy()
        self._now = now or self.site_now
        self._purged_day: str | None = None

    # -- entry point ----------------------------------------------------------------------

    def handle(self, event: Any, out: Outbox) -> None:
        """Decide what to send for one event (into ``out``); the worker delivers it.

        Runs once per event: redeliveries and duplicates never reach here (the queue's
        event key), and a retried delivery re-sends the stored outbox without asking again.
        """
        self._maybe_purge()
        if str(getattr(getattr(event, "mode", None), "value", "active")) == "standby":
            return  # another module has chat control; LINE gives no reply token then
        chat = Chat.of(getattr(event, "source", None))
        if isinstance(event, MessageEvent):
            if isinstance(event.message, TextMessageContent):
                self.on_text(event, chat, out)
            else:
                self.on_media(event, chat, out)
        elif isinstance(event, PostbackEvent):
            self.on_postback(event, chat, out)
        elif isinstance(event, JoinEvent):
            self.on_join(event, chat, out)
        elif isinstance(event, MemberJoinedEvent):
            self._reply(event, chat, out, render.text_messages(texts.say_both("member_joined")))
        elif isinstance(event, LeaveEvent):
            self.on_leave(chat)
        elif isinstance(event, FollowEvent):
            self._reply(event, chat, out, render.text_messages(texts.say_both("follow"), chips=True))
        elif isinstance(event, UnfollowEvent):
            log.info("unfollowed in a 1:1 chat; nothing is stored about users, nothing to delete")
        else:
            log.info("ignoring %s event", getattr(event, "type", type(event).__name__))

    # -- events ---------------------------------------------------------------------------

    def on_text(self, event: MessageEvent, chat: Chat, out: Outbox) -> None:
        text: str = event.message.text
        is_staff = self._is_staff(chat)
        if chat.direct:
            addressed = text.strip()
        else:
            found = triggers.addressed_text(text, self._mentions(event), self._names())
            if found is not None:
                addressed = found
            elif (is_staff and text.lstrip().startswith("/")) or triggers.is_bare_bind(text):
                addressed = text.strip()  # slash commands in the staff group, "bind CODE"
            else:
                return  # people talking among themselves
        lang = detect_lang(addressed or text)
        command = triggers.parse_command(addressed)
        if command is not None:
            self.on_command(command, event, chat, lang, out, addressed)
            return
        if not addressed:  # a bare mention: nothing tells us the reader's language
            self._reply(event, chat, out, render.text_messages(texts.say_both("help"), chips=True))
            return
        if utf16_len(addressed) > MAX_QUESTION_CHARS:
            self._reply(event, chat, out,
                        render.text_messages(phrase("too_long", lang, limit=MAX_QUESTION_CHARS), lang))
            return
        self.answer(addressed, event, chat, out, lang)

    def on_media(self, event: MessageEvent, chat: Chat, out: Outbox) -> None:
        """Stickers, images, files, locations...: a polite word in 1:1, silence in groups."""
        if chat.direct:
            self._reply(event, chat, out, render.text_messages(texts.say_both("non_text"), chips=True))

    def on_postback(self, event: PostbackEvent, chat: Chat, out: Outbox) -> None:
        """A tapped chip: ask the chip's question in the chip's language, or take a 👍/👎."""
        params = parse_qs(event.postback.data or "")
        if "fb" in params:
            self.on_rating(params, event, chat, out)
            return
        topic = (params.get("topic") or [""])[0]
        if topic not in texts.TOPICS:
            log.info("ignoring a postback that is not one of ours")
            return
        lang = norm_lang((params.get("lang") or ["ja"])[0])
        _, question = texts.topic(topic, lang)
        self.answer(question, event, chat, out, lang)

    def on_rating(self, params: dict[str, list[str]], event: PostbackEvent, chat: Chat, out: Outbox) -> None:
        """👍/👎 on an answer: stored on the logged question (only if it came from this chat);
        a 👎 puts it on the staff console's Questions page and is thanked."""
        feedback = (params.get("fb") or [""])[0]
        raw_id = (params.get("q") or [""])[0]
        if feedback not in ("up", "down") or not raw_id.isdigit():
            log.info("ignoring a malformed rating postback")
            return
        chat_id = None if chat.direct else chat.id
        if not self.state.rate_answer(int(raw_id), feedback, chat_id):
            log.info("a rating for an answer that is no longer kept (or not of this chat)")
            return
        if feedback == "down":
            lang = norm_lang((params.get("lang") or ["ja"])[0])
            self._reply(event, chat, out, render.text_messages(texts.say("feedback_down", lang), lang))

    def on_join(self, event: JoinEvent, chat: Chat, out: Outbox) -> None:
        text = texts.say_both("welcome")
        if chat.id and self.state.binding(chat.id) is None and not self._default_house():
            text += "\n\n" + texts.say_both("unbound")
        self._reply(event, chat, out, render.text_messages(text, chips=True))

    def on_leave(self, chat: Chat) -> None:
        if chat.id:
            self.state.forget_group(chat.id)
            log.info("left %s; its binding, questions and marks are deleted", self._log_name(chat))

    def on_command(self, command: triggers.Command, event: Any, chat: Chat, lang: str,
                   out: Outbox, said: str = "") -> None:
        if command.name == "bind":
            text = self._bind(command.arg, chat, lang)
        elif command.name == "morning":
            # "朝のお知らせ オン" says the group reads Japanese; the ASCII command says nothing,
            # so the group keeps the language of its questions for the morning message
            text = self._morning(command.arg == "on", chat, lang, None if said.isascii() else lang)
        elif not self._is_staff(chat):
            text = texts.say("staff_only", lang)
        else:
            text = staff.run(command.name, engine=self.engine, state=self.state,
                             settings=self.settings, now=self._now())
            self._reply(event, chat, out, render.text_messages(text, lang))
            return
        self._reply(event, chat, out, render.text_messages(text, lang, chips=True))

    # -- answering ------------------------------------------------------------------------

    def answer(self, text: str, event: Any, chat: Chat, out: Outbox, lang: str) -> None:
        """Ask the engine, escalate an abstention from a stayer group, reply with the answer."""
        is_staff = self._is_staff(chat)
        house = self._house_for(chat)
        if house is None:
            key = "unbound_direct" if chat.direct else "unbound"
            self._reply(event, chat, out, render.text_messages(texts.say(key, lang), lang))
            return
        if chat.direct and chat.id:
            self.client.show_loading(chat.id, LOADING_SECONDS)
        now = self._now()
        question = Question(text=text, house_id=house, now=now, audience=STAFF if is_staff else STAYERS,
                            channel="line")
        day = now.date().isoformat()
        group = None if chat.direct else chat.id
        event_key = out.event_key or _event_key(event)
        try:
            answer = self.engine.answer(question)
        except UnknownHouse:
            log.warning("a group is bound to house %r, which is not in the knowledge folder", house)
            self._reply(event, chat, out, render.text_messages(texts.say("unknown_house", lang, house=house)))
            return
        except Exception:
            log.exception("the engine failed on a question for %s", house)
            self.state.log_answer(house_id=house, day=day, text=text, answer=None, chat_id=group,
                                  event_key=event_key)
            self._reply(event, chat, out, render.text_messages(texts.say("error", lang), lang))
            return
        suffix = ""
        if answer.abstained and not chat.direct and not is_staff and self._escalate(text, house, chat, out):
            suffix = texts.say("escalated", norm_lang(answer.lang))
        rated = rateable(answer) and not is_staff  # stayers rate answers from the documents
        logged = self.state.log_answer(house_id=house, day=day, text=text, answer=answer, chat_id=group,
                                       rated=rated, event_key=event_key)
        if not chat.direct and chat.id:
            self.state.remember_lang(chat.id, norm_lang(answer.lang))
        rating = logged.question_id if rated and logged is not None else None
        self._reply(event, chat, out, render.answer_messages(answer, suffix=suffix, rating=rating))

    def _escalate(self, text: str, house: str, chat: Chat, out: Outbox) -> bool:
        """Pass an unanswered question (text only) to the staff group, within the rate limit.

        The push goes out before the reply (same outbox, retried like it), so the stayer is
        told staff were asked only when that push is on its way.
        """
        staff_group = self.settings.line_staff_group
        if not staff_group or chat.id is None:
            return False
        if not self.state.allow_escalation(chat.id, self.escalation):
            log.info("escalation from %s rate-limited", self._log_name(chat))
            return False
        message = texts.say("staff_escalation", "ja", house=self._house_name(house, "ja"), text=text)
        out.push(staff_group, render.text_messages(message), log_name="staff group")
        return True

    # -- commands -------------------------------------------------------------------------

    def _bind(self, code: str, chat: Chat, lang: str) -> str:
        if chat.direct or not chat.id:
            return texts.say("bind_direct", lang)
        house = self.state.redeem_bind_code(code, chat.id) if code else None
        if house is None:
            return texts.say("bad_code", lang)
        log.info("%s bound to house %s", self._log_name(chat), house)
        return texts.say("bound", lang, house=self._house_name(house, lang))

    def _morning(self, on: bool, chat: Chat, lang: str, group_lang: str | None) -> str:
        if chat.direct or not chat.id:
            return texts.say("morning_needs_group", lang)
        if on and self.state.binding(chat.id) is None:
            default = self._default_house()  # a single-house site needs no bind code
            if default:
                self.state.bind(chat.id, default)
        if not self.state.set_morning(chat.id, on, group_lang):
            return texts.say("morning_needs_group", lang)
        if not on:
            return texts.say("morning_off", lang)
        try:
            at = parse_morning_time(self.settings.morning_time)
        except MorningTimeError:
            at = None
        if at is None:  # sent by cron at a time this app does not know
            return texts.say("morning_on_daily", lang)
        return texts.say("morning_on", lang, time=hh_mm(at))

    # -- helpers --------------------------------------------------------------------------

    def _reply(self, event: Any, chat: Chat, out: Outbox, messages: list[Any]) -> None:
        out.reply(chat.id, messages, self._log_name(chat))

    def _is_staff(self, chat: Chat) -> bool:
        return bool(self.settings.line_staff_group) and not chat.direct and chat.id == self.settings.line_staff_group

    def _house_for(self, chat: Chat) -> str | None:
        if not chat.direct and chat.id:
            binding = self.state.binding(chat.id)
            if binding is not None:
                return binding.house_id
        return self._default_house()

    def _default_house(self) -> str | None:
        """The house of an unbound chat: the engine's default (bot.engine.houses)."""
        return self.engine.houses.default_id()

    def _house_name(self, house_id: str, lang: str) -> str:
        return self.engine.houses.name(house_id, lang)

    def _names(self) -> list[str]:
        name = self.client.bot_name()
        return [*triggers.DEFAULT_NAMES, *([name] if name else [])]

    def _log_name(self, chat: Chat) -> str:
        if chat.direct or not chat.id:
            return "1:1 chat"
        return f"{chat.kind} {self.state.group_key(chat.id)[:8]}"

    @staticmethod
    def _mentions(event: MessageEvent) -> list[triggers.Span]:
        mention = getattr(event.message, "mention", None)
        spans = []
        for m in getattr(mention, "mentionees", None) or []:
            spans.append(triggers.Span(m.index, m.length, bool(getattr(m, "is_self", False))))
        return spans

    def site_now(self) -> datetime:
        """Now, in the site's timezone (what "today" means to stayers)."""
        tz = self.engine.houses.timezone
        return datetime.now(tz)

    def _maybe_purge(self) -> None:
        """Apply the retention once a day (on the first event of the day, per process)."""
        today = self._now().date().isoformat()
        if self._purged_day != today:
            self._purged_day = today
            self.state.purge(self.settings.question_log_days, today)


def _event_key(event: Any) -> str | None:
    """LINE's id of this event, when it did not come through the queue (whose key the
    Outbox carries): a retried one (the worker died before saving what it would send) is
    answered again but counted once (bot.state.questions.logged_events)."""
    key = getattr(event, "webhook_event_id", None)
    return key if isinstance(key, str) and key else None
