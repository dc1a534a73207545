"""Mounts the skill at POST /alexa: the ask-sdk webservice handler behind a strict gate.

Verification is on unless ``settings.alexa_verify_requests`` is False
(``ALEXA_VERIFY_REQUESTS=false``, for local trials only): each request's signature is
checked against Amazon's certificate chain and its timestamp must be within 150 s. When
``settings.alexa_skill_id`` is set, a request for another skill is refused with 400 before
any handler runs (ask-sdk-core also checks it, as a second line). Tests flip the settings;
this code never changes for them.

Why a gate in front of the SDK (instead of flask-ask-sdk's SkillAdapter view): the SDK
parses the body before it checks the signature, so unauthenticated junk (not JSON, empty,
invalid UTF-8, deeply nested, no ``request.type``) ended in a 500 with a traceback, and its
parse error copied the whole body, however large, into the log. Now the body is limited
(413 above :data:`MAX_BODY_BYTES`), must be UTF-8 JSON no deeper than :data:`MAX_DEPTH`
shaped like an Alexa envelope (else 400), and no log line ever carries a body.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_runtime.exceptions import AskSdkException
from ask_sdk_webservice_support import verifier as sdk_verifier
from ask_sdk_webservice_support.verifier import (
    AbstractVerifier,
    RequestVerifier,
    TimestampVerifier,
    VerificationException,
)
from flask import Flask, Response, jsonify, request

from bot.config import Settings
from bot.engine.contract import ConciergeEngine
from bot.engine.limits import MAX_JSON_DEPTH, json_depth_ok
from bot.state import QuestionLog, shared_database
from skills.alexa.skill import build_skill
from text.normalize import replace_lone_surrogates

log = logging.getLogger(__name__)

ROUTE = "/alexa"
ENDPOINT = "alexa"

#: Largest request body read. Alexa's envelopes are a few kilobytes (the largest real ones,
#: with display and viewport context, stay well under 32 KB).
MAX_BODY_BYTES = 128 * 1024
#: Deepest JSON nesting accepted (a real envelope is about 8 levels deep).
MAX_DEPTH = MAX_JSON_DEPTH
#: Alexa's request timestamps ("2026-12-03T10:15:00Z"); anything else is refused before the
#: SDK's date parser sees it.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?")
#: Seconds the download of Amazon's signing certificate may take (the SDK sets none).
CERT_TIMEOUT = 5.0
MAX_CERT_BYTES = 64 * 1024


class Refused(Exception):
    """A request refused before the SDK sees it: HTTP status and a fixed reason (never
    anything taken from the body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class SkillIdVerifier(AbstractVerifier):
    """Refuses requests addressed to another skill (Amazon requires this check)."""

    def __init__(self, skill_id: str) -> None:
        self.skill_id = skill_id

    def verify(
        self, headers: Any, serialized_request_env: str, deserialized_request_env: RequestEnvelope
    ) -> None:
        if application_id(deserialized_request_env) != self.skill_id:
            raise VerificationException("request is for another skill id")


def application_id(envelope: RequestEnvelope) -> str | None:
    """The skill id the request is addressed to (context first, then session)."""
    for holder in (
        getattr(getattr(envelope, "context", None), "system", None),
        getattr(envelope, "session", None),
    ):
        app = getattr(holder, "application", None)
        if app is not None and getattr(app, "application_id", None):
            return str(app.application_id)
    return None


class SignatureVerifier(RequestVerifier):
    """The SDK's signature check, with a time limit on the certificate download (the SDK's
    has none, so a stalled download held a request thread) and any download failure
    counted as a failed verification (the SDK let it escape as a 500)."""

    def _load_cert_chain(self, cert_url: str, *args: Any) -> bytes:
        cached: bytes | None = self._cert_cache.get(cert_url)
        if cached is not None:
            return cached
        try:
            with sdk_verifier.urlopen(cert_url, timeout=CERT_TIMEOUT) as response:  # type: ignore[attr-defined]
                data: bytes = response.read(MAX_CERT_BYTES)
        except (OSError, ValueError) as exc:
            raise VerificationException("Unable to load certificate from URL", type(exc).__name__) from None
        self._cert_cache[cert_url] = data
        return data


class AlexaEndpoint:
    """POST /alexa: the gate (size, encoding, JSON, shape), then the verifiers (signature,
    timestamp, skill id), then the skill."""

    def __init__(self, skill: CustomSkill, verifiers: list[AbstractVerifier]) -> None:
        self.skill = skill
        self.verifiers = verifiers

    def dispatch(self) -> Any:
        try:
            text = envelope_text(read_body())  # verified as received; answered without lone surrogates
            envelope = self.skill.serializer.deserialize(payload=without_lone_surrogates(text),
                                                         obj_type=RequestEnvelope)
        except Refused as refused:
            log.info("alexa: refused a request (%s)", refused.reason)
            return Response(f"{refused.reason}\n", status=refused.status, mimetype="text/plain")
        except AskSdkException as exc:  # its message may quote the body: only the class is logged
            log.info("alexa: refused a request (not an Alexa envelope: %s)", type(exc).__name__)
            return Response("not an Alexa request\n", status=400, mimetype="text/plain")
        headers: Any = request.headers  # case-insensitive, as the SDK's verifiers expect
        try:
            for check in self.verifiers:
                check.verify(headers=headers, serialized_request_env=text, deserialized_request_env=envelope)
        except VerificationException as exc:  # the SDK's fixed reasons, never the body; no traceback
            log.warning("alexa: request verification failed: %s", " ".join(map(str, exc.args)))
            return Response("request failed verification\n", status=400, mimetype="text/plain")
        except Exception as exc:  # e.g. an undecodable signature header
            log.warning("alexa: request verification failed: %s", type(exc).__name__)
            return Response("request failed verification\n", status=400, mimetype="text/plain")
        try:
            response = self.skill.invoke(request_envelope=envelope, context=None)
            return jsonify(self.skill.serializer.serialize(response))
        except AskSdkException as exc:
            log.error("alexa: skill dispatch failed (%s)", type(exc).__name__)
            return Response("the skill failed\n", status=500, mimetype="text/plain")


def read_body() -> bytes:
    """The request body, at most :data:`MAX_BODY_BYTES` (413 beyond, without reading it)."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise Refused(413, "request body too large")
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, "request body too large")
    return body


def envelope_text(body: bytes) -> str:
    """The body as text, once it is known to be a UTF-8 JSON object no deeper than
    :data:`MAX_DEPTH` shaped like an envelope: a ``request`` naming its ``type`` with an
    ISO 8601 ``timestamp``, and ``context.System.application`` (the SDK takes all three
    for granted and crashed without them)."""
    if not body.strip():
        raise Refused(400, "empty request body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "request body is not UTF-8") from None
    try:
        payload = json.loads(text)
    except RecursionError:
        raise Refused(400, "request body nested too deeply") from None
    except ValueError:
        raise Refused(400, "request body is not JSON") from None
    if not json_depth_ok(payload):
        raise Refused(400, "request body nested too deeply")
    req = payload.get("request") if isinstance(payload, dict) else None
    if not isinstance(req, dict) or not isinstance(req.get("type"), str) or not req["type"]:
        raise Refused(400, "not an Alexa request (no request.type)")
    if not isinstance(req.get("timestamp"), str) or not TIMESTAMP.fullmatch(req["timestamp"]):
        raise Refused(400, "not an Alexa request (no ISO 8601 request.timestamp)")
    if req["type"] == "IntentRequest" and not isinstance(_get(req, "intent", "name"), str):
        raise Refused(400, "not an Alexa request (an IntentRequest without intent.name)")
    system = _get(payload, "context", "System")
    if not isinstance(_get(system, "application", "applicationId"), str):
        raise Refused(400, "not an Alexa request (no context.System.application)")
    return text


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def without_lone_surrogates(text: str) -> str:
    """The envelope with every lone UTF-16 surrogate (``"\\ud800"``, legal in JSON, not
    encodable as UTF-8) replaced by U+FFFD, so a slot value cannot break the answer."""
    if "\\u" not in text.replace("\\\\", ""):
        return text
    payload = json.loads(text)
    return json.dumps(replace_lone_surrogates(payload), ensure_ascii=False)


def init_app(app: Flask, engine: ConciergeEngine, settings: Settings) -> AlexaEndpoint:
    """Register POST /alexa on ``app`` for ``engine``; returns the endpoint."""
    verify = bool(settings.alexa_verify_requests)
    if not verify:
        log.warning(
            "ALEXA_VERIFY_REQUESTS=false: /alexa accepts unsigned requests. "
            "Unsafe; for local trials only, never on a public endpoint."
        )
    verifiers: list[AbstractVerifier] = [SignatureVerifier(), TimestampVerifier()] if verify else []
    if settings.alexa_skill_id:
        verifiers.append(SkillIdVerifier(settings.alexa_skill_id))
    elif verify:
        log.warning("ALEXA_SKILL_ID is not set: /alexa answers requests for any skill id")
    skill = build_skill(engine, settings, QuestionLog(shared_database(app.extensions, settings)).recorder("alexa"))
    skill.custom_user_agent = "ask-webservice"
    endpoint = AlexaEndpoint(skill, verifiers)
    app.add_url_rule(ROUTE, endpoint=ENDPOINT, view_func=endpoint.dispatch, methods=["POST"])
    return endpoint
