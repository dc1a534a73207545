"""Mounts the skill at POST /alexa with flask-ask-sdk's SkillAdapter.

Verification is on unless ``settings.alexa_verify_requests`` is False
(``ALEXA_VERIFY_REQUESTS=false``, for local trials only): each request's signature is
checked against Amazon's certificate chain and its timestamp must be within 150 s. When
``settings.alexa_skill_id`` is set, a request for another skill is refused with 400 before
any handler runs (ask-sdk-core also checks it, as a second line). Tests flip the settings;
this code never changes for them.
"""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_webservice_support.verifier import AbstractVerifier, VerificationException
from flask import Flask
from flask_ask_sdk.skill_adapter import (
    VERIFY_SIGNATURE_APP_CONFIG,
    VERIFY_TIMESTAMP_APP_CONFIG,
    SkillAdapter,
)

from bot.config import Settings
from bot.engine.contract import ConciergeEngine
from bot.state import QuestionLog, shared_database
from skills.alexa.skill import build_skill

log = logging.getLogger(__name__)

ROUTE = "/alexa"
ENDPOINT = "alexa"


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


def init_app(app: Flask, engine: ConciergeEngine, settings: Settings) -> SkillAdapter:
    """Register POST /alexa on ``app`` for ``engine``; returns the adapter."""
    verify = bool(settings.alexa_verify_requests)
    app.config[VERIFY_SIGNATURE_APP_CONFIG] = verify
    app.config[VERIFY_TIMESTAMP_APP_CONFIG] = verify
    if not verify:
        log.warning(
            "ALEXA_VERIFY_REQUESTS=false: /alexa accepts unsigned requests. "
            "Unsafe; for local trials only, never on a public endpoint."
        )
    verifiers: list[AbstractVerifier] = []
    if settings.alexa_skill_id:
        verifiers.append(SkillIdVerifier(settings.alexa_skill_id))
    elif verify:
        log.warning("ALEXA_SKILL_ID is not set: /alexa answers requests for any skill id")
    adapter = SkillAdapter(
        skill=build_skill(engine, settings, QuestionLog(shared_database(app.extensions, settings)).recorder("alexa")),
        skill_id=settings.alexa_skill_id or "stay-concierge",
        verifiers=verifiers,
        app=app,
    )
    adapter.register(app=app, route=ROUTE, endpoint=ENDPOINT)
    return adapter
