"""What staff need to find wrong answers: every answer counted by house, intent and outcome;
the text of abstained and low-confidence questions kept; LINE and Alexa alike; an answer
given while a dependency was down never filed as unanswered."""

# Fixtures are imported from shared helper modules (no conftest), so pytest parameters
# redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from statedb import OpenState, postgres, state_db  # noqa: F401 (fixtures)

from bot.app import create_app
from bot.engine.contract import Answer, Question
from bot.state import QuestionLog
from bot.state.questions import (
    ABSTAINED,
    ANSWERED,
    ERROR,
    LOW_CONFIDENCE,
    LOW_CONFIDENCE_BELOW,
    UNAVAILABLE,
    OutcomeCount,
    outcome_of,
)
from fakes.line_api import PUSH, REPLY, FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    STAFF_GROUP,
    RunningApp,
    StandInEngine,
    fake_api,
    group_mention,
    group_text,
    line_api_server,
    line_only_app,
    line_settings,
)

DAY = "2026-11-24"


def answer(intent: str = "retrieval", confidence: float = 0.9, abstained: bool = False) -> Answer:
    return Answer(text="…", lang="en", intent=intent, confidence=confidence, abstained=abstained)


class TriageEngine(StandInEngine):
    """Answers by what the question says: "unsure", "down", "boom", "???" (abstain)."""

    def answer(self, question: Question) -> Answer:
        if "unsure" in question.text:
            self.questions.append(question)
            return answer(confidence=LOW_CONFIDENCE_BELOW - 0.15)
        if "down" in question.text:
            self.questions.append(question)
            return Answer(text="Sorry, I can't look this up right now.", lang="en", intent="unavailable",
                          confidence=0.0)
        if "boom" in question.text:
            raise RuntimeError("engine bug")
        return super().answer(question)


@pytest.fixture()
def triage_bot(tmp_path: Path, fake_api: FakeLineAPI) -> Iterator[RunningApp]:
    running = RunningApp(line_only_app(TriageEngine(), line_settings(tmp_path, fake_api))).fast()
    yield running
    running.stop()


def test_low_confidence_means_an_answer_below_the_named_threshold() -> None:
    assert outcome_of(answer(confidence=LOW_CONFIDENCE_BELOW - 0.01)) == LOW_CONFIDENCE
    assert outcome_of(answer(confidence=LOW_CONFIDENCE_BELOW)) == ANSWERED
    assert outcome_of(answer(intent="abstain", confidence=0.2, abstained=True)) == ABSTAINED
    assert outcome_of(answer(intent="unavailable", confidence=0.0)) == UNAVAILABLE
    assert outcome_of(answer(intent="invalid", confidence=0.0)) == ANSWERED  # "please ask a question"
    assert outcome_of(None) == ERROR


def test_every_answer_is_counted_by_house_channel_intent_and_outcome(state_db: OpenState) -> None:
    log = QuestionLog(state_db())
    log.record(channel="line", house_id="a", day=DAY, text="wifi?", answer=answer())
    log.record(channel="line", house_id="a", day=DAY, text="wifi!", answer=answer())
    log.record(channel="alexa", house_id="a", day=DAY, text="bus?", answer=answer("transit"))
    log.record(channel="line", house_id="b", day=DAY, text="gym?", answer=answer("abstain", 0.1, True))
    log.record(channel="line", house_id="b", day=DAY, text="sauna?", answer=answer(confidence=0.6))
    log.record(channel="alexa", house_id="b", day=DAY, text="heater?", answer=answer("unavailable", 0.0))
    log.record(channel="line", house_id="b", day=DAY, text="boom", answer=None)
    assert log.breakdown(7, DAY) == [
        OutcomeCount("a", "alexa", "transit", ANSWERED, 1),
        OutcomeCount("a", "line", "retrieval", ANSWERED, 2),
        OutcomeCount("b", "alexa", "unavailable", UNAVAILABLE, 1),
        OutcomeCount("b", "line", "abstain", ABSTAINED, 1),
        OutcomeCount("b", "line", "error", ERROR, 1),
        OutcomeCount("b", "line", "retrieval", LOW_CONFIDENCE, 1),
    ]
    assert sorted((q.text, q.outcome) for q in log.unanswered(7)) == [("gym?", ABSTAINED), ("sauna?", LOW_CONFIDENCE)]
    b = {c.house_id: c for c in log.counts(7, DAY)}["b"]
    assert (b.asked, b.abstained, b.low_confidence, b.unavailable, b.errors, b.down) == (4, 1, 1, 1, 1, 2)


def test_an_answer_given_while_a_dependency_is_down_is_counted_but_never_filed_or_escalated(
        triage_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    triage_bot.deliver(group_mention("Is the heater down?"))
    assert [r.path for r in fake_api.delivered()] == [REPLY]  # no escalation push to staff
    state = triage_bot.line.state
    assert state.unanswered(30) == []
    assert state.stats(7, datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()).down == 1


def test_an_engine_error_is_counted_as_an_error_and_its_text_not_kept(
        triage_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    triage_bot.deliver(group_mention("boom"))
    state = triage_bot.line.state
    [row] = state.questions.breakdown(7, datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat())
    assert (row.intent, row.outcome, row.count) == (ERROR, ERROR, 1)
    assert state.unanswered(30) == []


def test_staff_see_unsure_answers_in_unanswered_and_outcomes_in_stats(
        triage_bot: RunningApp, fake_api: FakeLineAPI) -> None:
    triage_bot.deliver(group_mention("Is the sauna unsure?"), group_mention("Wi-Fi password???"),
                       group_mention("Is the heater down?"), group_mention("Wi-Fi password?"))
    fake_api.reset()
    triage_bot.deliver(group_text("/unanswered", group_id=STAFF_GROUP))
    triage_bot.deliver(group_text("/stats", group_id=STAFF_GROUP))
    unanswered, stats = [b["messages"][0]["text"] for b in fake_api.bodies(REPLY)]
    assert "• 1× 「Is the sauna unsure?」 test-house" in unanswered and "unsure" in unanswered
    assert "• 1× 「Wi-Fi password???」 test-house" in unanswered
    assert "heater" not in unanswered
    assert "7日間 / 7 days: 質問 4 questions, 未回答 1 unanswered (25%)" in stats
    assert "自信なし / unsure 1, 利用不可・エラー / unavailable or error 1" in stats
    assert fake_api.calls(PUSH) == []


def test_an_event_answered_again_after_a_crash_is_counted_once(triage_bot: RunningApp) -> None:
    # A worker that dies after answering but before saving its outbox answers the event
    # again; LINE's webhookEventId keeps the second answer out of the counts.
    from bot.line.events import parse_event
    from bot.line.outbox import Outbox

    event = parse_event(group_mention("Is the sauna unsure?", event_id="01HSAMEEVENT00000000000001"))
    for _ in range(2):
        triage_bot.line.handlers.handle(event, Outbox(reply_token="rt"))
    questions = triage_bot.line.state.questions
    today = triage_bot.line.handlers.site_now().date().isoformat()
    assert [c.asked for c in questions.counts(7, today)] == [1]
    assert len(questions.unanswered(7)) == 1


def test_an_event_without_a_webhook_event_id_is_counted_once_under_the_queue_s_key(triage_bot: RunningApp) -> None:
    # Older payloads have no webhookEventId; the queue keys them by a hash of the event,
    # and the Outbox hands that key to the question log.
    from bot.line.events import event_key, parse_event
    from bot.line.outbox import Outbox

    raw = group_mention("Is the sauna unsure?")
    raw.pop("webhookEventId", None)
    event = parse_event(raw)
    for _ in range(2):
        triage_bot.line.handlers.handle(event, Outbox(reply_token="rt", event_key=event_key(raw)))
    questions = triage_bot.line.state.questions
    today = triage_bot.line.handlers.site_now().date().isoformat()
    assert [c.asked for c in questions.counts(7, today)] == [1]


def test_logging_an_event_twice_returns_the_first_row(state_db: OpenState) -> None:
    log = QuestionLog(state_db())
    first = log.log(channel="line", house_id="a", day=DAY, text="wifi?", answer=answer(), rated=True,
                    event_key="E1")
    again = log.log(channel="line", house_id="a", day=DAY, text="wifi?", answer=answer(), rated=True,
                    event_key="E1")
    assert first.question_id is not None and again.question_id == first.question_id
    assert [c.count for c in log.breakdown(7, DAY)] == [1]


def test_alexa_questions_are_logged_like_lines(tmp_path: Path) -> None:
    from fakes.alexa_engine import real_engine, settings
    from fakes.virtual_alexa import VirtualAlexa, encode, node_missing_reason, post, serve

    if node_missing_reason() is not None:
        pytest.skip(node_missing_reason() or "")
    app = create_app(settings(data=tmp_path / "data"), real_engine())
    alexa = VirtualAlexa()
    try:
        with serve(app) as base:
            for utter in ("Wi-Fiのパスワードを教えて", "火星への行き方を教えて"):
                status, _ = post(base + "/alexa", encode(alexa.generate("ja-JP", utter)))
                assert status == 200
    finally:
        alexa.close()
    log = QuestionLog(app.extensions["concierge_state"])
    tomorrow = (datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(days=1)).date().isoformat()
    rows = [r for r in log.breakdown(3, tomorrow) if r.channel == "alexa"]
    assert sum(r.count for r in rows) == 2 and {r.outcome for r in rows} >= {ANSWERED}
    kept = log.unanswered(365)
    assert [q.channels for q in kept] in ([], ["alexa"])  # the Mars question, when not answered
    assert all(q.text.startswith("火星") for q in kept), kept
