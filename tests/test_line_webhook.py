"""The webhook's own mechanics: signature, parsing, acknowledgement, dedupe.

These isolate the HTTP edge, so they run the stand-in engine; the answers themselves are
tested with the real engine in test_line_engine.py.
"""

# Fixtures are imported from fakes.line_harness (shared without a conftest), so pytest
# parameters redefine the imported names on purpose.
# ruff: noqa: F811

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from fakes.line_api import REPLY, FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    PAYLOADS,
    RunningApp,
    StandInEngine,
    adapt,
    body_of,
    bot,
    direct_text,
    fake_api,
    group_mention,
    line_api_server,
    line_only_app,
    line_settings,
    python_fixture,
    sign,
    stand_in,
)


def test_a_request_with_a_bad_signature_gets_400_and_is_not_processed(bot: RunningApp, fake_api: FakeLineAPI,
                                                                      stand_in: StandInEngine) -> None:
    body = body_of(direct_text("Wi-Fi?"))
    status, _ = bot.post(body, signature=sign(body, secret="not-the-channel-secret"))
    bot.line.workers.drain(5)
    assert status == 400
    assert stand_in.questions == [] and fake_api.requests == []


def test_a_request_without_a_signature_gets_400(bot: RunningApp, stand_in: StandInEngine) -> None:
    status, _ = bot.post(body_of(direct_text("Wi-Fi?")), signature=None)
    assert status == 400
    assert stand_in.questions == []


def test_a_body_changed_after_signing_gets_400(bot: RunningApp) -> None:
    body = body_of(direct_text("Wi-Fi?"))
    status, _ = bot.post(body.replace(b"Wi-Fi", b"WiFi!"), signature=sign(body))
    assert status == 400


def test_signed_malformed_json_gets_400_not_500(bot: RunningApp) -> None:
    status, _ = bot.post(b'{"destination": "U1", "events": [')
    assert status == 400


def test_a_signed_body_without_an_events_list_gets_400(bot: RunningApp) -> None:
    assert bot.post(b'{"destination": "U1"}')[0] == 400
    assert bot.post(b'[1, 2, 3]')[0] == 400


def test_lines_verify_call_with_no_events_is_acknowledged(bot: RunningApp, fake_api: FakeLineAPI) -> None:
    status, text = bot.post(b'{"destination":"Uab012345678901234567890123456789","events":[]}')
    assert (status, text) == (200, "OK")
    assert fake_api.requests == []


def test_unknown_event_types_are_acknowledged_and_ignored(bot: RunningApp, fake_api: FakeLineAPI,
                                                          stand_in: StandInEngine) -> None:
    raw = json.loads((PAYLOADS / "java-sdk-callback" / "unknown.json").read_text())["events"]
    undefined = python_fixture("undefined")
    status, text = bot.deliver(*raw, adapt(raw[0]), adapt(raw[1]), undefined)
    assert (status, text) == (200, "OK")
    assert stand_in.questions == [] and fake_api.calls(REPLY) == []


def test_events_the_bot_does_not_use_are_acknowledged_without_a_reply(bot: RunningApp, fake_api: FakeLineAPI) -> None:
    data = json.loads((PAYLOADS / "python-sdk" / "webhook_v3.json").read_text())["events"]
    quiet = [e for e in data if e["type"] in ("beacon", "accountLink", "memberLeft", "unsend",
                                              "videoPlayComplete", "messageEdited", "unfollow")]
    status, _ = bot.deliver(*[adapt(e) for e in quiet])
    assert status == 200
    assert fake_api.requests == []


def test_a_redelivered_event_is_answered_at_most_once(bot: RunningApp, fake_api: FakeLineAPI,
                                                     stand_in: StandInEngine) -> None:
    first = direct_text("Wi-Fi password?", event_id="01G2KZKG2DS765NMRH3GZFD8AP")
    again = dict(first, deliveryContext={"isRedelivery": True})
    bot.deliver(first)
    bot.deliver(again)
    assert len(stand_in.questions) == 1
    assert len(fake_api.calls(REPLY)) == 1


def test_a_redelivery_of_an_event_never_received_is_answered(bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = direct_text("Wi-Fi password?", redelivery=True)
    bot.deliver(event)
    assert len(fake_api.calls(REPLY)) == 1


def test_the_same_event_twice_in_one_body_is_answered_once(bot: RunningApp, fake_api: FakeLineAPI) -> None:
    event = direct_text("Wi-Fi password?")
    bot.deliver(event, event)
    assert len(fake_api.calls(REPLY)) == 1


def test_the_webhook_is_acknowledged_before_a_slow_answer_is_ready(tmp_path: Path, fake_api: FakeLineAPI) -> None:
    release = threading.Event()

    class SlowEngine(StandInEngine):
        def answer(self, question):  # type: ignore[no-untyped-def]
            release.wait(10)
            return super().answer(question)

    running = RunningApp(line_only_app(SlowEngine(), line_settings(tmp_path, fake_api)))
    try:
        start = time.perf_counter()
        status, _ = running.post(body_of(group_mention("Wi-Fi?")))
        elapsed = time.perf_counter() - start
        assert status == 200 and elapsed < 1.0
        assert fake_api.calls(REPLY) == []
        release.set()
        assert running.line.workers.drain(10)
        assert len(fake_api.calls(REPLY)) == 1
    finally:
        release.set()
        running.stop()


def test_without_a_channel_secret_the_webhook_refuses_every_request(tmp_path: Path, fake_api: FakeLineAPI) -> None:
    settings = line_settings(tmp_path, fake_api, line_channel_secret="")
    running = RunningApp(line_only_app(StandInEngine(), settings))
    try:
        body = body_of(direct_text("hi"))
        empty_key_signature = sign(body, secret="")
        assert running.post(body, signature=empty_key_signature)[0] == 503
    finally:
        running.stop()


def test_a_body_over_one_megabyte_is_refused(bot: RunningApp) -> None:
    body = b'{"events": [], "padding": "' + b"x" * (1 << 20) + b'"}'
    status, _ = bot.post(body)
    assert status == 413


def test_get_on_the_webhook_is_not_allowed(bot: RunningApp) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", bot.server.server_port, timeout=5)
    conn.request("GET", "/line/webhook")
    assert conn.getresponse().status == 405
    conn.close()
