"""/metrics (Prometheus text format, summed over gunicorn workers), JSON log lines, quiet
third-party loggers."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.config import ConfigError, Settings
from bot.engine.contract import Question
from bot.observability.logs import configure_logging
from fakes import line_harness
from fakes.line_api import REPLY, FakeLineAPI
from fakes.line_harness import SECRET, TOKEN, RunningApp, body_of, direct_text, sign
from fakes.serve_process import ServeProcess, wait_for
from tests.conftest import SAMPLE_KNOWLEDGE, at

# The LINE harness's fixtures (a running app with the stand-in engine and the fake LINE API).
line_api_server, fake_api, stand_in, bot = (line_harness.line_api_server, line_harness.fake_api,
                                            line_harness.stand_in, line_harness.bot)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(sample name, sorted labels): value} from the exposition text."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture()
def app(tmp_path, sample_engine):
    settings = Settings(knowledge=SAMPLE_KNOWLEDGE, store=tmp_path / "store", data=tmp_path / "data")
    return create_app(settings, engine=sample_engine)


def test_metrics_count_answers_by_channel_intent_and_outcome_and_time_them(app):
    engine = app.extensions["concierge_engine"]
    client = app.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    engine.answer(Question("Wi-Fiのパスワードは？", "hakka-house", at("2026-12-01T10:00"), channel="line"))
    engine.answer(Question("", "hakka-house", at("2026-12-01T10:00"), channel="line"))
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    after = resp.get_data(as_text=True)
    answered = dict(name="concierge_answers_total", channel="line", intent="retrieval", outcome="answered")
    invalid = dict(name="concierge_answers_total", channel="line", intent="invalid", outcome="invalid")
    assert value(after, **answered) - value(before, **answered) == 1
    assert value(after, **invalid) - value(before, **invalid) == 1
    assert value(after, "concierge_answer_seconds_count", channel="line") - \
        value(before, "concierge_answer_seconds_count", channel="line") == 2


def test_metrics_report_the_served_snapshots_age(app):
    text = app.test_client().get("/metrics").get_data(as_text=True)
    age = value(text, "concierge_snapshot_age_seconds")
    assert 0 < age < 7 * 24 * 3600


def test_metrics_say_which_dependencies_are_up_as_healthz_does(app):
    client = app.test_client()
    health = client.get("/healthz").get_json()
    text = client.get("/metrics").get_data(as_text=True)
    assert set(health["dependencies"]) >= {"state"}
    for name, status in health["dependencies"].items():
        assert value(text, "concierge_dependency_up", dependency=name) == (1.0 if status["up"] else 0.0)


def test_metrics_report_the_delivery_queue_depth(app):
    from bot.line.queue import EventQueue

    queue: EventQueue = app.extensions["line"].queue
    client = app.test_client()
    assert value(client.get("/metrics").get_data(as_text=True), "concierge_line_queue_depth") == queue.pending()


def test_the_cli_loads_no_prometheus_client_before_serve_sets_up_multiprocess_mode():
    import subprocess
    import sys

    code = "import sys, bot.cli; assert 'prometheus_client' not in sys.modules, 'imported too early'"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_metrics_time_a_reload_as_an_ingest(app):
    client = app.test_client()
    before = value(client.get("/metrics").get_data(as_text=True), "concierge_ingest_seconds_count", outcome="ok")
    app.extensions["concierge_engine"].reload()
    after = value(client.get("/metrics").get_data(as_text=True), "concierge_ingest_seconds_count", outcome="ok")
    assert after - before == 1


def test_delivery_retries_and_failures_are_counted_by_reason(app):
    from bot.observability.metrics import delivery_failed, delivery_retried

    client = app.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    delivery_retried("429")
    delivery_failed("gave up")
    after = client.get("/metrics").get_data(as_text=True)
    assert value(after, "concierge_line_delivery_retries_total", reason="429") - \
        value(before, "concierge_line_delivery_retries_total", reason="429") == 1
    assert value(after, "concierge_line_delivery_failures_total", reason="gave up") - \
        value(before, "concierge_line_delivery_failures_total", reason="gave up") == 1


def test_json_logs_are_one_object_per_line_with_the_traceback_inside():
    stream = io.StringIO()
    configure_logging("json", "info", stream=stream)
    try:
        logging.getLogger("bot.test").info("answered %d questions", 3)
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("bot.test").exception("failed")
    finally:
        configure_logging("text", "warning")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["message"] == "answered 3 questions" and lines[0]["level"] == "INFO"
    assert lines[0]["logger"] == "bot.test" and "time" in lines[0] and "pid" in lines[0]
    assert lines[1]["message"] == "failed" and "ValueError: boom" in lines[1]["exc"]


def test_third_party_info_logs_are_off_by_default_and_on_at_debug():
    stream = io.StringIO()
    configure_logging("text", "info", stream=stream)
    try:
        logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1/")
        logging.getLogger("chromadb.api").info("collection loaded")
        logging.getLogger("bot.x").info("ours")
        assert "HTTP Request" not in stream.getvalue() and "collection" not in stream.getvalue()
        assert "ours" in stream.getvalue()
        configure_logging("text", "debug", stream=stream)
        logging.getLogger("httpx").info("HTTP Request: now shown")
        assert "now shown" in stream.getvalue()
    finally:
        configure_logging("text", "warning")


def test_an_unknown_log_format_is_a_settings_error():
    with pytest.raises(ConfigError, match="CONCIERGE_LOG_FORMAT must be one of text, json"):
        Settings.from_env({"CONCIERGE_LOG_FORMAT": "xml"})


def test_metrics_are_summed_over_gunicorn_workers_and_logs_are_json(tmp_path: Path):
    """Two workers answer; any scrape, whichever worker takes it, sees every answer."""
    with FakeLineAPI(access_token=TOKEN) as api:
        env = {"CONCIERGE_KNOWLEDGE": str(SAMPLE_KNOWLEDGE), "CONCIERGE_STORE": str(tmp_path / "store"),
               "CONCIERGE_DATA": str(tmp_path / "data"), "LINE_CHANNEL_SECRET": SECRET,
               "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_BASE_URL": api.base_url,
               "CONCIERGE_LOG_FORMAT": "json"}
        server = ServeProcess(env, workers=2, threads=4).start(wait=180)
        try:
            n = 24
            for i in range(n):
                body = body_of(direct_text(f"Wi-Fiのパスワードは？ {i}"))
                status, _ = server.request("POST", "/line/webhook", body,
                                           {"Content-Type": "application/json", "X-Line-Signature": sign(body)})
                assert status == 200
            assert wait_for(lambda: len(api.calls(REPLY)) >= n, 60)
            pids = {m.group(1) for p in (tmp_path / "data" / "metrics").glob("*.db")
                    if (m := re.search(r"_(\d+)\.db$", p.name))}
            scrapes = []
            for _ in range(8):
                status, text = server.request("GET", "/metrics")
                assert status == 200
                scrapes.append(sum(v for (name, labels), v in samples(text.decode()).items()
                                   if name == "concierge_answers_total" and ("channel", "line") in labels))
        finally:
            out = server.stop()
    assert len(pids) >= 2, "both workers should have answered"
    assert scrapes == [n] * len(scrapes)
    lines = [line for line in out.splitlines() if line.strip()]
    bad = [line for line in lines if not line.startswith("{")]
    assert not bad, bad[:5]
    assert all(json.loads(line)["level"] for line in lines)
    assert not any(json.loads(line)["logger"].startswith("httpx") for line in lines)


def test_line_delivery_retries_are_counted_by_reason(bot: RunningApp, fake_api: FakeLineAPI) -> None:
    from prometheus_client import REGISTRY

    from fakes.line_harness import group_mention

    def retries(reason: str) -> float:
        return REGISTRY.get_sample_value("concierge_line_delivery_retries_total", {"reason": reason}) or 0.0

    before = retries("5xx"), retries("requeued")
    fake_api.server_error(REPLY, times=4)  # more than one attempt's retries: the queue tries again too
    bot.deliver(group_mention("Wi-Fi password?"))
    assert [r.path for r in fake_api.delivered()] == [REPLY]
    assert retries("5xx") - before[0] >= 3
    assert retries("requeued") - before[1] == 1


def test_an_answer_given_while_a_dependency_is_down_counts_as_unavailable_not_abstained():
    from bot.engine.contract import Answer
    from bot.engine.outage import unavailable_answer
    from bot.observability.metrics import outcome_of

    assert outcome_of(unavailable_answer(None, "ja")) == "unavailable"
    assert outcome_of(Answer("わかりません", "ja", "abstain", 0.1, abstained=True)) == "abstained"
    assert outcome_of(Answer("…", "ja", "garbage_day", 0.9)) == "answered"
