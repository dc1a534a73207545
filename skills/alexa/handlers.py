"""One handler per Alexa request kind; each turns the request into an engine call.

Why so thin: all answers come from the same engine as LINE (``engine.answer`` with a
question text, or ``engine.briefing``); a handler only picks the question, the house and
the moment, and renders the answer with :mod:`skills.alexa.speech`. The moment is the
request's own timestamp (when the stayer spoke) in the knowledge folder's time zone.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils.predicate import is_intent_name, is_request_type
from ask_sdk_core.utils.request_util import (
    get_device_id,
    get_intent_name,
    get_locale,
    get_request_type,
    get_slot_value,
)
from ask_sdk_model.response import Response
from ask_sdk_model.ui.simple_card import SimpleCard

from bot.engine.contract import Answer, ConciergeEngine, Question
from skills.alexa import questions, speech
from skills.alexa.houses import HouseResolver

log = logging.getLogger(__name__)

CHANNEL = "alexa"


@dataclass
class SkillDeps:
    """What every handler needs: the engine and the device -> house mapping."""

    engine: ConciergeEngine
    houses: HouseResolver
    #: the shared question log (bot.state.QuestionLog.recorder): every answer counted, unsure ones kept
    record: Callable[[Question, Answer | None], None] | None = None


def _text(value: str | bytes | None) -> str:
    """The SDK types its getters as str-or-bytes (py2 heritage); we only ever get str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


def lang_of(handler_input: HandlerInput) -> str:
    """ja-JP -> "ja"; every other locale -> "en" (the two languages the models cover)."""
    locale = _text(get_locale(handler_input)).lower()
    return "ja" if locale.startswith("ja") else "en"


def slot(handler_input: HandlerInput, name: str) -> str | None:
    try:
        value = _text(get_slot_value(handler_input, name)).strip()
    except (TypeError, ValueError, AttributeError):
        return None
    return value or None


def device_of(handler_input: HandlerInput) -> str | None:
    try:
        return _text(get_device_id(handler_input)) or None
    except (AttributeError, TypeError):
        return None


class _EngineHandler(AbstractRequestHandler):
    """Shared plumbing: house, moment, and Answer -> Alexa response."""

    def __init__(self, deps: SkillDeps) -> None:
        self.deps = deps

    def house(self, handler_input: HandlerInput) -> str:
        return self.deps.houses.house_for(device_of(handler_input))

    def now(self, handler_input: HandlerInput) -> datetime:
        tz = self.deps.engine.houses.timezone
        stamp = getattr(handler_input.request_envelope.request, "timestamp", None)
        if isinstance(stamp, datetime):
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            return stamp.astimezone(tz)
        return datetime.now(tz)

    def ask_engine(self, handler_input: HandlerInput, text: str) -> Response:
        lang = lang_of(handler_input)
        question = Question(
            text=text,
            house_id=self.house(handler_input),
            now=self.now(handler_input),
            lang=lang,
            channel=CHANNEL,
        )
        try:
            answer = self.deps.engine.answer(question)
        except Exception:
            if self.deps.record is not None:
                self.deps.record(question, None)
            raise
        if self.deps.record is not None:
            self.deps.record(question, answer)
        return respond(handler_input, answer, lang)


def respond(
    handler_input: HandlerInput, answer: Answer, lang: str, *, end_session: bool = True
) -> Response:
    out = speech.render(answer, lang)
    builder = handler_input.response_builder.speak(out.ssml).set_card(
        SimpleCard(title=out.card_title, content=out.card_text)
    )
    if end_session:
        builder.set_should_end_session(True)
    else:
        builder.ask(speech.to_ssml(speech.phrase("help_reprompt", lang), lang))
    return builder.response


def say(handler_input: HandlerInput, key: str, *, reprompt: str | None = None) -> Response:
    """A fixed phrase from speech.PHRASES; keeps the session open when there is a reprompt."""
    lang = lang_of(handler_input)
    builder = handler_input.response_builder.speak(speech.to_ssml(speech.phrase(key, lang), lang))
    if reprompt:
        builder.ask(speech.to_ssml(speech.phrase(reprompt, lang), lang))
    else:
        builder.set_should_end_session(True)
    return builder.response


class LaunchRequestHandler(_EngineHandler):
    """Welcome. On a speaker not yet mapped to a house (with several houses configured),
    the card in the owner's Alexa app shows the device id to put in ALEXA_DEVICE_HOUSES:
    the one place staff can read it, since device ids are never logged."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        response = say(handler_input, "welcome", reprompt="welcome_reprompt")
        device = device_of(handler_input)
        if device and self.deps.houses.needs_setup(device):
            lang = lang_of(handler_input)
            response.card = SimpleCard(
                title=speech.phrase("setup_title", lang),
                content=speech.phrase("setup_card", lang).format(device_id=device),
            )
        return response


class MorningBriefingHandler(_EngineHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("MorningBriefingIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        lang = lang_of(handler_input)
        answer = self.deps.engine.briefing(self.house(handler_input), self.now(handler_input), lang)
        return respond(handler_input, answer, lang)


class GarbageDayHandler(_EngineHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("GarbageDayIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = questions.garbage_question(
            slot(handler_input, "date"), self.now(handler_input), lang_of(handler_input)
        )
        return self.ask_engine(handler_input, text)


class SortingHandler(_EngineHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("SortingIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        item = slot(handler_input, "item")
        if item is None:
            return say(handler_input, "ask_item", reprompt="ask_item")
        return self.ask_engine(
            handler_input, questions.sorting_question(item, lang_of(handler_input))
        )


class NextBusHandler(_EngineHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("NextBusIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        text = questions.bus_question(slot(handler_input, "destination"), lang_of(handler_input))
        return self.ask_engine(handler_input, text)


class AskQuestionHandler(_EngineHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AskQuestionIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        query = slot(handler_input, "query")
        if query is None:
            return say(handler_input, "ask_query", reprompt="ask_query")
        return self.ask_engine(handler_input, query)


class HelpHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return say(handler_input, "help", reprompt="help_reprompt")


class CancelOrStopHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return (
            is_intent_name("AMAZON.CancelIntent")(handler_input)
            or is_intent_name("AMAZON.StopIntent")(handler_input)
            or is_intent_name("AMAZON.NavigateHomeIntent")(handler_input)
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return say(handler_input, "goodbye")


class FallbackHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.FallbackIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return say(handler_input, "fallback", reprompt="help_reprompt")


class SessionEndedHandler(AbstractRequestHandler):
    """Alexa ignores any speech here; just acknowledge (and note errors it reports)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(getattr(request, "reason", None), "value", None)
        if reason == "ERROR":
            error = getattr(request, "error", None)
            log.warning(
                "alexa: session ended with error %s",
                getattr(getattr(error, "object_type", None), "value", "?"),
            )
        return handler_input.response_builder.response


class UnhandledIntentHandler(AbstractRequestHandler):
    """Anything the model did not plan for (a new built-in intent, a stray request type)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return say(handler_input, "fallback", reprompt="help_reprompt")


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Answers politely; logs where it failed but not what was asked nor by which device."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        try:
            kind = _text(get_request_type(handler_input))
            if kind == "IntentRequest":
                kind = f"{kind}/{_text(get_intent_name(handler_input))}"
        except Exception:  # noqa: BLE001 - describing the request must not fail too
            kind = "?"
        frames = traceback.extract_tb(exception.__traceback__)[-4:]
        where = " <- ".join(
            f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames)
        )
        log.error("alexa: %s while handling %s at %s", type(exception).__name__, kind, where)
        return say(handler_input, "error")


def request_handlers(deps: SkillDeps) -> list[AbstractRequestHandler]:
    """In routing order: specific handlers first, the catch-all last."""
    return [
        LaunchRequestHandler(deps),
        MorningBriefingHandler(deps),
        GarbageDayHandler(deps),
        SortingHandler(deps),
        NextBusHandler(deps),
        AskQuestionHandler(deps),
        HelpHandler(),
        CancelOrStopHandler(),
        FallbackHandler(),
        SessionEndedHandler(),
        UnhandledIntentHandler(),
    ]
