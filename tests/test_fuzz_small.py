"""A small, fast version of bench/bench_fuzz.py: mutated, validly signed requests.

Bodies from tests/fakes/mutations.py (real shapes with one thing broken) are signed after
mutating, so they reach the code behind the signature check. Nothing may answer 5xx and
nothing may log a traceback. The full run (thousands, `concierge serve`) is the benchmark.
"""

# Fixtures are imported from the harness and the verification tests; parameters redefine them.
# ruff: noqa: F811

from __future__ import annotations

import base64
import logging
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from flask import Flask
from flask.testing import FlaskClient
from test_alexa_verification import (  # noqa: F401 (fixtures)
    CERT_URL,
    Pki,
    cert_host,
    pki,
    trust_store,
)
from test_alexa_verification import StandInEngine as AlexaStandIn

from bot.config import Settings
from fakes.alexa_envelope import SKILL_ID
from fakes.line_api import FakeLineAPI
from fakes.line_harness import (  # noqa: F401 (fixtures)
    RunningApp,
    StandInEngine,
    fake_api,
    line_api_server,
    line_only_app,
    line_settings,
)
from fakes.mutations import alexa_body, line_body
from skills.alexa.adapter import init_app

ROUNDS = 300


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()[:80]}" for r in caplog.records if r.exc_info]


def test_mutated_signed_alexa_envelopes_get_no_5xx_and_log_no_traceback(
        pki: Pki, trust_store: None, caplog: pytest.LogCaptureFixture) -> None:
    app = Flask("alexa-fuzz")
    init_app(app, AlexaStandIn(), Settings(alexa_skill_id=SKILL_ID, alexa_verify_requests=True,
                                           default_house="test-house"))
    client: FlaskClient = app.test_client()
    rng = random.Random(5)
    statuses: Counter[int] = Counter()
    with caplog.at_level(logging.INFO):
        for _ in range(ROUNDS):
            body = alexa_body(rng, datetime.now(UTC), SKILL_ID)
            signature = base64.b64encode(pki.trusted.key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
            statuses[client.post("/alexa", data=body, content_type="application/json", headers={
                "SignatureCertChainUrl": CERT_URL, "Signature-256": signature}).status_code] += 1
    assert not any(s >= 500 for s in statuses), statuses
    assert statuses[200] > ROUNDS // 5, statuses  # many mutations are still valid requests
    assert tracebacks(caplog) == []


@pytest.fixture()
def line_bot(tmp_path: Path, fake_api: FakeLineAPI) -> Iterator[RunningApp]:
    running = RunningApp(line_only_app(StandInEngine(), line_settings(tmp_path, fake_api))).fast()
    yield running
    running.stop()


def test_mutated_signed_line_webhooks_get_no_5xx_and_log_no_traceback(
        line_bot: RunningApp, caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(11)
    statuses: Counter[int] = Counter()
    with caplog.at_level(logging.INFO):
        for _ in range(ROUNDS):
            body = line_body(rng)
            if len(body) > 1 << 20:
                continue  # refused before it is read; the benchmark sends those over real HTTP
            statuses[line_bot.post(body)[0]] += 1
        assert line_bot.line.workers.drain(30), "answers still pending"
    assert not any(s >= 500 for s in statuses), statuses
    assert statuses[200] > ROUNDS // 5, statuses
    assert tracebacks(caplog) == []
