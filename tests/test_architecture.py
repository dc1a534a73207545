"""The core stays channel-agnostic: LINE and Alexa are thin adapters over it."""

from __future__ import annotations

import re

from tests.conftest import ROOT

CHANNEL_IMPORT = re.compile(r"^\s*(from|import)\s+(flask|linebot|ask_sdk\w*|flask_ask_sdk)\b", re.M)


def test_the_engine_and_ingest_import_no_channel_sdk():
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("bot/engine", "ingest")
        for p in (ROOT / folder).rglob("*.py")
        if CHANNEL_IMPORT.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
