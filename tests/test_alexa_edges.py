"""/alexa refuses junk with 400 (413 when too large), never 500, and never logs a body.

With verification on, as in production: unauthenticated junk (not JSON, empty, invalid
UTF-8, deeply nested, no ``request.type``) is refused before the SDK parses it, a signed
body that is nested too deeply likewise, and a signature whose certificate cannot be
fetched is a failed verification, not a crash. The signing setup is the verification
tests' (a local certificate chain standing in for Amazon's).
"""

# Fixtures are imported from test_alexa_verification; pytest parameters redefine them.
# ruff: noqa: F811

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from test_alexa_verification import (  # noqa: F401 (fixtures)
    CERT_URL,
    Pki,
    StandInEngine,
    cert_host,
    pki,
    signed,
    trust_store,
)

from bot.config import Settings
from fakes.alexa_envelope import SKILL_ID, encode, envelope
from fakes.virtual_alexa import serve
from skills.alexa.adapter import init_app

SECRET_WORDS = "my-door-code-4711"  # would show up in a log that copied bodies
JUNK = {
    "not JSON": f"hello {SECRET_WORDS}".encode(),
    "empty": b"",
    "whitespace": b"  \n",
    "invalid UTF-8": b'{"version": "1.0", "x": "\xff\xfe' + SECRET_WORDS.encode() + b'"}',
    "deeply nested": b'{"a":' * 5000 + b'"' + SECRET_WORDS.encode() + b'"' + b"}" * 5000,
    "nested beyond the recursion limit": b"[" * 50_000 + b"]" * 50_000,
    "no request.type": json.dumps({"version": "1.0", "request": {"locale": SECRET_WORDS}}).encode(),
    "a JSON list": json.dumps([SECRET_WORDS]).encode(),
    "null": b"null",
    "request not an object": json.dumps({"version": "1.0", "request": SECRET_WORDS}).encode(),
    "a field of the wrong type": json.dumps({**envelope("AMAZON.HelpIntent"), "session": SECRET_WORDS}).encode(),
    "no context.System": json.dumps({**envelope("AMAZON.HelpIntent"), "context": {"x": SECRET_WORDS}}).encode(),
    "an IntentRequest without an intent": json.dumps(
        {**envelope("AMAZON.HelpIntent"), "request": {"type": "IntentRequest", "timestamp": "2026-12-01T00:00:00Z",
                                                      "locale": SECRET_WORDS}}).encode(),
    "a timestamp that is not ISO 8601": json.dumps(
        {**envelope(None), "request": {"type": "LaunchRequest", "timestamp": f"{SECRET_WORDS} K"}}).encode(),
}


@pytest.fixture()
def client() -> Iterator[FlaskClient]:
    app = Flask("alexa-edges")
    init_app(app, StandInEngine(), Settings(alexa_skill_id=SKILL_ID, alexa_verify_requests=True,
                                            default_house="test-house"))
    yield app.test_client()


@pytest.mark.parametrize("name", list(JUNK))
def test_unauthenticated_junk_gets_400_and_no_body_is_logged(
        client: FlaskClient, name: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        got = client.post("/alexa", data=JUNK[name], content_type="application/json")
    assert got.status_code == 400
    assert SECRET_WORDS not in caplog.text and SECRET_WORDS not in got.get_data(as_text=True)
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)


def test_a_body_over_the_limit_gets_413_without_being_read_or_logged(
        client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    body = b'{"request": {"type": "' + SECRET_WORDS.encode() * (5 * 1024 * 1024 // len(SECRET_WORDS)) + b'"}}'
    with caplog.at_level(logging.DEBUG):
        got = client.post("/alexa", data=body, content_type="application/json")
    assert got.status_code == 413
    assert SECRET_WORDS not in caplog.text


def test_a_body_over_the_limit_without_a_length_header_gets_413(client: FlaskClient) -> None:
    """Chunked transfer encoding over real HTTP: the body is read only up to the limit."""
    with serve(client.application) as base:
        conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
        chunks = [b'{"request": {"type": "'] + [b"x" * 65536] * 4 + [b'"}}']
        conn.request("POST", "/alexa", body=iter(chunks), encode_chunked=True,
                     headers={"Content-Type": "application/json"})
        status = conn.getresponse().status
        conn.close()
    assert status == 413


def test_a_signed_but_deeply_nested_body_gets_400(client: FlaskClient, pki: Pki, trust_store: None) -> None:
    env = envelope("AMAZON.HelpIntent")
    nested: object = "deep"
    for _ in range(200):
        nested = {"n": nested}
    env["request"]["extra"] = nested
    body = encode(env)
    assert client.post("/alexa", data=body, headers=signed(body, pki.trusted),
                       content_type="application/json").status_code == 400


def test_a_signed_request_still_gets_its_answer(client: FlaskClient, pki: Pki, trust_store: None) -> None:
    body = encode(envelope("AMAZON.HelpIntent"))
    got = client.post("/alexa", data=body, headers=signed(body, pki.trusted), content_type="application/json")
    assert got.status_code == 200 and got.get_json()["response"]["outputSpeech"]["ssml"]


def test_a_certificate_that_cannot_be_fetched_is_a_failed_verification(
        client: FlaskClient, pki: Pki, trust_store: None) -> None:
    body = encode(envelope("AMAZON.HelpIntent"))
    headers = signed(body, pki.trusted, url="https://s3.amazonaws.com/echo.api/no-such-cert.pem")
    assert client.post("/alexa", data=body, headers=headers, content_type="application/json").status_code == 400


def test_an_undecodable_signature_is_a_failed_verification(client: FlaskClient, trust_store: None) -> None:
    body = encode(envelope("AMAZON.HelpIntent"))
    headers = {"SignatureCertChainUrl": CERT_URL, "Signature-256": "%%% not base64 %%%"}
    assert client.post("/alexa", data=body, headers=headers, content_type="application/json").status_code == 400


def test_a_lone_surrogate_in_a_slot_is_replaced_and_answered(pki: Pki, trust_store: None) -> None:
    app = Flask("alexa-surrogate")
    init_app(app, StandInEngine(), Settings(alexa_skill_id=SKILL_ID, alexa_verify_requests=True,
                                            default_house="test-house"))
    body = json.dumps(envelope("AskQuestionIntent", slots={"query": "Wi-Fi\ud83dのパスワード"})).encode()
    assert b"\\ud83d" in body  # the JSON escape of a lone surrogate, as a client would send it
    got = app.test_client().post("/alexa", data=body, headers=signed(body, pki.trusted),
                                 content_type="application/json")
    assert got.status_code == 200
    assert "Wi-Fi\ufffdのパスワード" in got.get_json()["response"]["outputSpeech"]["ssml"]
