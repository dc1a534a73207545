"""The LINE state: one-time codes, hashed and sealed group ids, retention, limits.

Every test runs on SQLite and on a real PostgreSQL 15 (``state_db`` is parametrised).
"""

# Fixtures are imported from statedb (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from statedb import OpenState, count, dump, postgres, state_db  # noqa: F401 (fixtures)

from bot.engine.contract import Answer
from bot.line.queue import EventQueue
from bot.line.state import BotState, EscalationPolicy
from bot.line.tables import groups

GROUP = "Ca56f94637cc4347f90a25382909b24b9"
SECRET = "channel-secret-1"


class Clock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


def make(state_db: OpenState, name: str = "main", secret: str = SECRET, clock: Clock | None = None) -> BotState:
    return BotState(state_db(name), secret, clock=clock)


def test_a_bind_code_binds_once_and_is_burnt(state_db: OpenState) -> None:
    state = make(state_db)
    code = state.issue_bind_code("hakka-house")
    assert state.redeem_bind_code(code.lower().replace("-", " "), GROUP) == "hakka-house"
    assert state.redeem_bind_code(code, "C-other") is None
    binding = state.binding(GROUP)
    assert binding is not None and binding.house_id == "hakka-house"


def test_an_expired_bind_code_is_refused(state_db: OpenState) -> None:
    clock = Clock()
    state = make(state_db, clock=clock)
    code = state.issue_bind_code("hakka-house", timedelta(hours=1))
    clock.now += 3601
    assert state.redeem_bind_code(code, GROUP) is None
    assert state.binding(GROUP) is None


def test_bind_codes_are_stored_only_as_hashes(state_db: OpenState) -> None:
    state = make(state_db)
    code = state.issue_bind_code("hakka-house").replace("-", "")
    assert code not in dump(state.db)


def test_group_keys_are_salted_per_installation(state_db: OpenState) -> None:
    a = make(state_db, "a")
    b = make(state_db, "b")
    assert a.group_key(GROUP) != b.group_key(GROUP)
    assert a.group_key(GROUP) == make(state_db, "a").group_key(GROUP)


def test_the_raw_group_id_is_kept_sealed_and_only_while_morning_is_on(state_db: OpenState) -> None:
    state = make(state_db)
    state.bind(GROUP, "hakka-house")
    assert state.set_morning(GROUP, True, "en")
    targets, unreadable = state.morning_targets()
    assert [(t.chat_id, t.house_id, t.lang) for t in targets] == [(GROUP, "hakka-house", "en")] and unreadable == 0
    assert GROUP not in dump(state.db)
    state.set_morning(GROUP, False)
    with state.db.read() as conn:
        assert conn.execute(select(groups.c.sealed_id)).all() == [(None,)]


def test_a_rotated_channel_secret_makes_sealed_ids_unreadable_until_the_group_speaks(state_db: OpenState) -> None:
    old = make(state_db, secret="old-secret")
    old.bind(GROUP, "hakka-house")
    old.set_morning(GROUP, True)
    new = make(state_db, secret="new-secret")
    assert new.morning_targets() == ([], 1)
    new.remember_lang(GROUP, "ja")  # any message from the group reseals its id
    targets, unreadable = new.morning_targets()
    assert [t.chat_id for t in targets] == [GROUP] and unreadable == 0


def test_morning_cannot_be_turned_on_for_an_unbound_group(state_db: OpenState) -> None:
    assert make(state_db).set_morning(GROUP, True) is False


def test_the_morning_message_is_claimed_once_per_group_and_day(state_db: OpenState) -> None:
    state = make(state_db)
    key = state.group_key(GROUP)
    assert state.claim_morning(key, "2026-11-24") is True
    assert make(state_db).claim_morning(key, "2026-11-24") is False  # another process
    state.release_morning(key, "2026-11-24")
    assert state.claim_morning(key, "2026-11-24") is True


def test_each_webhook_event_is_queued_once_however_often_it_arrives(state_db: OpenState) -> None:
    state = make(state_db)
    queue = EventQueue(state.db, state.sealer)
    event = {"webhookEventId": "01G2KZKG2DS765NMRH3GZFD8AP", "type": "message", "replyToken": "r"}
    assert queue.enqueue([event, event]) == 1
    assert EventQueue(state_db(), state.sealer).enqueue([dict(event, deliveryContext={"isRedelivery": True})]) == 0
    assert queue.pending() == 1


def abstained() -> Answer:
    return Answer(text="I don't know", lang="en", intent="abstain", confidence=0.1, abstained=True)


def answered(confidence: float = 0.95) -> Answer:
    return Answer(text="Here it is", lang="en", intent="retrieval", confidence=confidence)


def test_only_abstained_and_unsure_questions_keep_their_text(state_db: OpenState) -> None:
    state = make(state_db)
    day = "2026-11-24"
    state.log_answer(house_id="h", day=day, text="answered one", answer=answered(), chat_id=GROUP)
    state.log_answer(house_id="h", day=day, text="Where is the onsen?", answer=abstained(), chat_id=GROUP)
    state.log_answer(house_id="h", day=day, text="where is the onsen? ", answer=abstained(), chat_id=None)
    state.log_answer(house_id="h", day=day, text="Is the sauna hot?", answer=answered(0.55), chat_id=GROUP)
    onsen, sauna = state.unanswered(30)
    assert (onsen.text.lower().strip(), onsen.count, onsen.outcome) == ("where is the onsen?", 2, "abstained")
    assert (sauna.text, sauna.outcome) == ("Is the sauna hot?", "low_confidence")
    assert "answered one" not in dump(state.db)
    stats = state.stats(7, day)
    assert (stats.asked, stats.abstained, stats.low_confidence) == (4, 2, 1)


def test_the_question_log_is_purged_after_the_configured_days(state_db: OpenState) -> None:
    clock = Clock()
    state = make(state_db, clock=clock)
    state.log_answer(house_id="h", day="2026-10-01", text="old", answer=abstained(), chat_id=GROUP)
    clock.now += 31 * 86400
    state.log_answer(house_id="h", day="2026-11-01", text="new", answer=abstained(), chat_id=GROUP)
    state.purge(30, "2026-11-01")
    assert [q.text for q in state.unanswered(365)] == ["new"]
    assert state.stats(365, "2026-11-01").asked == 1


def test_forget_group_deletes_everything_about_the_group(state_db: OpenState) -> None:
    state = make(state_db)
    state.bind(GROUP, "h")
    state.set_morning(GROUP, True)
    state.log_answer(house_id="h", day="2026-11-24", text="q", answer=abstained(), chat_id=GROUP)
    state.allow_escalation(GROUP, EscalationPolicy())
    state.claim_morning(state.group_key(GROUP), "2026-11-24")
    state.forget_group(GROUP)
    key = state.group_key(GROUP)
    for table in ("groups", "question_log", "escalations", "morning_sent"):
        assert count(state.db, table, group_key=key) == 0


def test_escalations_are_limited_per_group_and_overall_within_the_window(state_db: OpenState) -> None:
    clock = Clock()
    state = make(state_db, clock=clock)
    policy = EscalationPolicy(per_group=2, overall=3, window_seconds=3600)
    assert [state.allow_escalation(GROUP, policy) for _ in range(3)] == [True, True, False]
    assert state.allow_escalation("C-second", policy) is True
    assert state.allow_escalation("C-third", policy) is False  # overall limit
    clock.now += 3601
    assert state.allow_escalation(GROUP, policy) is True
