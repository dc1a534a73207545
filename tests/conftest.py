"""Shared fixtures. ../shared (beside the project root) holds the evaluation corpus and
real third-party data; tests read it in place and never copy it into the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EVAL_CORPUS = SHARED / "eval" / "corpus"
REALDATA = SHARED / "realdata"
SAMPLE_KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def shared() -> Path:
    assert SHARED.is_dir(), f"{SHARED} is missing: tests read ../shared beside the project"
    return SHARED
