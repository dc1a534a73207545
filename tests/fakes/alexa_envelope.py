"""Alexa request envelopes built in Python (the JSON Amazon POSTs to /alexa).

The virtual Alexa (node) builds envelopes from the interaction model; this builds the
same shape without node, for tests that need many requests fast or a field left out.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


def envelope(intent: str | None, locale: str = "ja-JP", slots: dict[str, str] | None = None,
             device_id: str = "amzn1.ask.device.TEST", now: datetime | None = None,
             skill_id: str = SKILL_ID) -> dict[str, Any]:
    """A LaunchRequest (``intent`` None) or an IntentRequest with ``slots``."""
    moment = now or datetime.now(UTC)
    request: dict[str, Any] = {
        "type": "IntentRequest" if intent else "LaunchRequest",
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": locale,
    }
    if intent:
        request["intent"] = {"name": intent, "confirmationStatus": "NONE", "slots": {
            k: {"name": k, "value": v, "confirmationStatus": "NONE"} for k, v in (slots or {}).items()}}
    user = {"userId": "amzn1.ask.account.TEST"}
    return {
        "version": "1.0",
        "session": {"new": True, "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
                    "application": {"applicationId": skill_id}, "user": user},
        "context": {"System": {"application": {"applicationId": skill_id}, "user": user,
                               "device": {"deviceId": device_id, "supportedInterfaces": {}},
                               "apiEndpoint": "https://api.fe.amazonalexa.com"}},
        "request": request,
    }


def encode(env: dict[str, Any]) -> bytes:
    return json.dumps(env, ensure_ascii=False).encode()
