"""Shared pieces of the LINE tests: signed webhook bodies built from LINE's real payloads,
the app and the fake LINE API as real loopback servers, and a stand-in engine for tests
that isolate webhook mechanics (signature, dedupe, rate limits, delivery fallback).

The stand-in is *not* the product: happy-path tests use the real Engine on the bundled
knowledge folder (see ``real_engine`` in tests/test_line_engine.py).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import http.client
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from bot.config import Settings
from bot.engine.contract import Answer, Question, Source
from bot.engine.houses import HouseDirectory
from bot.line.blueprint import LineChannel, init_app
from bot.line.client import RetryPolicy
from bot.line.worker import DeliveryPolicy
from fakes.line_api import FakeLineAPI
from ingest.knowledge import House, Knowledge

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ROOT.parent / "shared" / "realdata" / "line-webhook-payloads"
SECRET = "8c570fcd3b8bd5c5c6e2fb3e7a4b1a2c"
TOKEN = "test-access-token"
GROUP = "Ca56f94637cc4347f90a25382909b24b9"  # the group id in LINE's python-sdk fixtures
OTHER_GROUP = "C4af4980629d1b1ad6c1e7a7f2d3e4f5a"
STAFF_GROUP = "Cstaff0000000000000000000000000001"
USER = "U206d25c2ea6bd87c17655609a1c37cb8"  # LINE's sample user id
BOT_NAME = "Stay Concierge"
JST = ZoneInfo("Asia/Tokyo")

_ids = itertools.count(1)


# -- payloads ---------------------------------------------------------------------------


def java_fixture(name: str) -> dict[str, Any]:
    """The first event of ``java-sdk-callback/<name>.json`` (LINE's own test payloads)."""
    data = json.loads((PAYLOADS / "java-sdk-callback" / f"{name}.json").read_text())
    return copy.deepcopy(data["events"][0])


def python_fixture(event_type: str, source_type: str = "user", message_type: str | None = None) -> dict[str, Any]:
    """An event from the python-sdk's ``webhook_v3.json`` matching type/source/message."""
    data = json.loads((PAYLOADS / "python-sdk" / "webhook_v3.json").read_text())
    for event in data["events"]:
        if event["type"] != event_type or event["source"]["type"] != source_type:
            continue
        if message_type and event.get("message", {}).get("type") != message_type:
            continue
        return copy.deepcopy(event)
    raise LookupError(f"no {event_type}/{source_type}/{message_type} event in webhook_v3.json")


def adapt(event: dict[str, Any], *, redelivery: bool = False, event_id: str | None = None) -> dict[str, Any]:
    """Give an (older) fixture event the fields the current platform always sends."""
    event = copy.deepcopy(event)
    event["webhookEventId"] = event_id or f"01HTESTEVENT{next(_ids):014d}"
    event["deliveryContext"] = {"isRedelivery": redelivery}
    event.setdefault("mode", "active")
    if event.get("type") == "message" and event.get("message", {}).get("type") in ("text", "sticker", "image", "video"):
        event["message"].setdefault("quoteToken", "q-" + event["webhookEventId"])
    if "replyToken" in event:
        event["replyToken"] = "rt-" + event["webhookEventId"]
    return event


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def group_mention(question: str, group_id: str = GROUP, **kw: Any) -> dict[str, Any]:
    """text-mention.json, moved into a group and mentioning the bot (``isSelf: true``).

    LINE publishes no fixture of a bot mention in a group (see SOURCE.md), so the real
    mention shape is adapted: the mention span covers ``@Stay Concierge`` at the start.
    """
    event = java_fixture("text-mention")
    handle = f"@{BOT_NAME}"
    event["source"] = {"type": "group", "groupId": group_id, "userId": USER}
    event["message"]["text"] = f"{handle} {question}"
    event["message"]["mention"] = {
        "mentionees": [
            {"index": 0, "length": utf16_len(handle), "type": "user",
             "userId": "Ub9952f8ee8a5b5a0f4d2d2c1a1b1c1d1", "isSelf": True}
        ]
    }
    return adapt(event, **kw)


def group_text(text: str, group_id: str = GROUP, **kw: Any) -> dict[str, Any]:
    """text-group.json with our text (a plain group message, no mention)."""
    event = java_fixture("text-group")
    event["mode"] = "active"
    event["source"] = {"type": "group", "groupId": group_id, "userId": USER}
    event["message"]["text"] = text
    return adapt(event, **kw)


def direct_text(text: str, **kw: Any) -> dict[str, Any]:
    """A 1:1 text message (python-sdk fixture)."""
    event = python_fixture("message", "user", "text")
    event["message"]["text"] = text
    return adapt(event, **kw)


def in_group(event: dict[str, Any], group_id: str = GROUP) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["source"] = {"type": "group", "groupId": group_id, "userId": USER}
    return event


def body_of(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Uab012345678901234567890123456789", "events": list(events)},
                      ensure_ascii=False).encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    """X-Line-Signature as LINE computes it: base64(HMAC-SHA256(channel secret, body))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


# -- servers ----------------------------------------------------------------------------


@dataclass
class RunningApp:
    """A Flask app served by werkzeug on 127.0.0.1 in a thread (real HTTP)."""

    app: Flask
    server: BaseWSGIServer = field(init=False)
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    @property
    def line(self) -> LineChannel:
        return self.app.extensions["line"]

    def fast(self) -> RunningApp:
        """Retries and leases in fractions of a second, so that fault tests run quickly."""
        self.line.client.retry = RetryPolicy(attempts=3, first_wait=0.02, max_wait=0.1, jitter=0.02,
                                             max_inline_wait=2.0)
        self.line.workers.policy = DeliveryPolicy(lease_seconds=2.0, poll_seconds=0.05, requeue_first=0.05,
                                                  requeue_max=0.2, give_up_after=30.0)
        return self

    def post(self, body: bytes, signature: str | None = "sign", path: str = "/line/webhook",
             headers: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=10)
        hdrs = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        if signature == "sign":
            hdrs["X-Line-Signature"] = sign(body)
        elif signature is not None:
            hdrs["X-Line-Signature"] = signature
        try:
            conn.request("POST", path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, resp.read().decode()
        finally:
            conn.close()

    def deliver(self, *events: dict[str, Any]) -> tuple[int, str]:
        """Post signed events and wait until the bot has finished answering them."""
        status, text = self.post(body_of(*events))
        assert self.line.workers.drain(15), "answers still pending"
        return status, text

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.line.stop()
        db = self.app.extensions.get("concierge_state")
        if db is not None:
            db.dispose()


def line_settings(tmp_path: Path, api: FakeLineAPI, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "knowledge": ROOT / "knowledge",
        "store": tmp_path / "store",
        "data": tmp_path / "data",
        "line_channel_secret": SECRET,
        "line_channel_access_token": TOKEN,
        "line_api_base_url": api.base_url,
        "line_staff_group": STAFF_GROUP,
        "morning_time": "off",
    }
    values.update(changes)
    return Settings(**values)


def line_only_app(engine: Any, settings: Settings) -> Flask:
    """Just the LINE blueprint on a bare Flask app (for webhook-mechanics tests)."""
    app = Flask("line-test")
    init_app(app, engine, settings)
    return app


# -- the stand-in engine (webhook mechanics only) ----------------------------------------


def stand_in_knowledge(default_house: str | None) -> Knowledge:
    """A real (in-memory) knowledge model with one house, for the stand-in engine."""
    house = House(id="test-house", name={"ja": "テストハウス", "en": "Test House"}, area_id="test-area",
                  dir=Path("/nonexistent/houses/test-house"))
    return Knowledge(root=Path("/nonexistent"), timezone=JST, default_house=default_house,
                     houses={house.id: house}, areas={})


@dataclass
class StandInReport:
    ok: bool = True
    problems: list[str] = field(default_factory=list)

    def summary(self, lang: str = "en") -> str:
        return "変更はありません。" if lang == "ja" else "No changes (3 files unchanged)."


class StandInEngine:
    """Canned answers with the Engine's interface; questions containing "???" abstain."""

    def __init__(self, default_house: str | None = "test-house"):
        self.knowledge = stand_in_knowledge(default_house)
        self.houses = HouseDirectory(self.knowledge)
        self.questions: list[Question] = []
        self.briefings: list[tuple[str, datetime, str]] = []
        self.reloads = 0

    def answer(self, question: Question) -> Answer:
        from ingest.knowledge import UnknownHouse

        if question.house_id not in self.knowledge.houses:
            raise UnknownHouse(question.house_id, ", ".join(self.knowledge.houses))
        self.questions.append(question)
        lang = "en" if question.text.isascii() else "ja"
        if "???" in question.text:
            return Answer(text="Sorry, I couldn't find that.", lang=lang, intent="abstain",
                          confidence=0.0, abstained=True)
        return Answer(text=f"Answer: {question.text}", lang=lang, intent="test", confidence=0.9,
                      sources=[Source(path="houses/test-house/manual.md", heading="Wi-Fi",
                                      label="Test House manual > Wi-Fi")])

    def briefing(self, house_id: str | None, now: datetime, lang: str) -> Answer:
        self.briefings.append((house_id or "", now, lang))
        return Answer(text=f"Good morning ({house_id}, {now.date()})", lang=lang, intent="briefing",
                      confidence=1.0)

    def reload(self) -> StandInReport:
        self.reloads += 1
        return StandInReport()

    def health(self) -> dict[str, Any]:
        return {"ok": True}


# -- fixtures (import them into a test module to use them) ------------------------------


@pytest.fixture(scope="session")
def line_api_server() -> Iterator[FakeLineAPI]:
    with FakeLineAPI(access_token=TOKEN, bot_display_name=BOT_NAME) as api:
        yield api


@pytest.fixture()
def fake_api(line_api_server: FakeLineAPI) -> Iterator[FakeLineAPI]:
    line_api_server.reset()
    yield line_api_server
    line_api_server.reset()


@pytest.fixture()
def stand_in() -> StandInEngine:
    return StandInEngine()


@pytest.fixture()
def bot(tmp_path: Path, fake_api: FakeLineAPI, stand_in: StandInEngine) -> Iterator[RunningApp]:
    """The LINE blueprint with the stand-in engine, served on loopback."""
    running = RunningApp(line_only_app(stand_in, line_settings(tmp_path, fake_api))).fast()
    yield running
    running.stop()


# -- the real engine, built once per test session ----------------------------------------

_ENGINES: dict[str, Any] = {}
_ENGINE_LOCK = threading.Lock()


def _session_dir() -> Path:
    import atexit
    import shutil
    import tempfile

    if "_dir" not in _ENGINES:
        path = Path(tempfile.mkdtemp(prefix="line-tests-"))
        atexit.register(shutil.rmtree, path, True)
        _ENGINES["_dir"] = path
    return Path(_ENGINES["_dir"])


def _open_engine(knowledge: Path, name: str) -> Any:
    from bot.engine.engine import Engine

    first = next((e for k, e in _ENGINES.items() if k != "_dir"), None)
    base = _session_dir() / name
    settings = Settings(knowledge=knowledge, store=base / "store", data=base / "data",
                        # no weather service in tests: a closed loopback port fails at once
                        jma_base_url="http://127.0.0.1:9", openmeteo_base_url="http://127.0.0.1:9",
                        weather_timeout=0.5)
    return Engine.open(settings.engine_config(), embeddings=first.embeddings if first is not None else None)


def bundled_engine() -> Any:
    """The real Engine on the bundled knowledge/ folder (one house, the site default)."""
    with _ENGINE_LOCK:
        if "bundled" not in _ENGINES:
            _ENGINES["bundled"] = _open_engine(ROOT / "knowledge", "bundled")
        return _ENGINES["bundled"]


def two_house_engine() -> Any:
    """The real Engine on a copy of knowledge/ with a second house and no default house,
    so that groups must be bound before they are answered."""
    import shutil

    with _ENGINE_LOCK:
        if "two" not in _ENGINES:
            folder = _session_dir() / "two-houses-knowledge"
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(ROOT / "knowledge", folder)
            site = folder / "site.yaml"
            site.write_text("\n".join(line for line in site.read_text().splitlines()
                                      if not line.startswith("default_house")) + "\n")
            annex = folder / "houses" / "hakka-annex"
            annex.mkdir()
            house_yaml = (folder / "houses" / "hakka-house" / "house.yaml").read_text()
            (annex / "house.yaml").write_text(
                house_yaml.replace("id: hakka-house", "id: hakka-annex")
                .replace("name: {ja: HAKKA HOUSE（はっかハウス）, en: HAKKA HOUSE}",
                         "name: {ja: はっかアネックス, en: HAKKA ANNEX}"))
            (annex / "manual.ja.md").write_text(
                "# はっかアネックス 滞在ガイド\n\n## Wi-Fi\n\n- ネットワーク名（SSID）：ANNEX_GUEST\n"
                "- パスワード：annex-kitami-2026\n")
            (annex / "manual.en.md").write_text(
                "# HAKKA ANNEX guest guide\n\n## Wi-Fi\n\n- Network name (SSID): ANNEX_GUEST\n"
                "- Password: annex-kitami-2026\n")
            _ENGINES["two"] = _open_engine(folder, "two")
        return _ENGINES["two"]


@pytest.fixture()
def real_engine() -> Any:
    return bundled_engine()


@pytest.fixture()
def chat_bot(tmp_path: Path, fake_api: FakeLineAPI, real_engine: Any) -> Iterator[RunningApp]:
    """The whole app (``bot.app.create_app``) with the real engine, served on loopback."""
    from bot.app import create_app

    running = RunningApp(create_app(line_settings(tmp_path, fake_api), engine=real_engine)).fast()
    yield running
    running.stop()


@pytest.fixture()
def unbound_bot(tmp_path: Path, fake_api: FakeLineAPI) -> Iterator[RunningApp]:
    """The whole app on two houses and no default: groups must be bound first."""
    from bot.app import create_app

    engine = two_house_engine()
    settings = line_settings(tmp_path, fake_api, knowledge=engine.config.knowledge_dir)
    running = RunningApp(create_app(settings, engine=engine)).fast()
    yield running
    running.stop()
