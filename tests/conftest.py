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


@pytest.fixture(scope="session")
def embeddings():
    """One bundled USE model for the whole run (loading is cheap, warming is not)."""
    from ingest.retrieval.embeddings import make_embeddings

    return make_embeddings("use")


@pytest.fixture(scope="session")
def eval_engine(tmp_path_factory, embeddings):
    """The engine over ../shared/eval/corpus, read in place (never copied)."""
    from bot.config import Settings
    from bot.engine.engine import Engine

    store = tmp_path_factory.mktemp("eval-store")
    return Engine.open(Settings(knowledge=EVAL_CORPUS, store=store).engine_config(), embeddings=embeddings)


@pytest.fixture(scope="session")
def sample_engine(tmp_path_factory, embeddings):
    """The engine over the bundled sample knowledge folder."""
    from bot.config import Settings
    from bot.engine.engine import Engine

    store = tmp_path_factory.mktemp("sample-store")
    return Engine.open(Settings(knowledge=SAMPLE_KNOWLEDGE, store=store).engine_config(), embeddings=embeddings)


@pytest.fixture(scope="session")
def real_guide(tmp_path_factory, embeddings):
    """The engine over a real host's English guide, dropped in unchanged (tests/realguide.py)."""
    from bot.config import Settings
    from bot.engine.engine import Engine
    from tests.realguide import build

    root = build(tmp_path_factory.mktemp("realguide"))
    store = tmp_path_factory.mktemp("realguide-store")
    return Engine.open(Settings(knowledge=root, store=store).engine_config(), embeddings=embeddings)


@pytest.fixture()
def knowledge_copy(tmp_path):
    """A writable copy of the sample knowledge folder, for tests that edit files."""
    import shutil

    dst = tmp_path / "knowledge"
    shutil.copytree(SAMPLE_KNOWLEDGE, dst)
    return dst


def one_house_engine(root: Path, store: Path, embeddings, house: str, files: dict[str, str],
                     languages: tuple[str, ...] = ("en",)):
    """An engine over a knowledge folder ``root`` written here: one house (``files`` beside
    its house.yaml, in ``languages``) in an area "town"; for behaviours a small guide shows."""
    from bot.config import Settings
    from bot.engine.engine import Engine

    folder = root / "houses" / house
    folder.mkdir(parents=True)
    (root / "areas" / "town").mkdir(parents=True)
    (root / "areas" / "town" / "area.yaml").write_text("name: {en: Town, ja: 町}\n", encoding="utf-8")
    lang = languages[0]
    (folder / "house.yaml").write_text(
        f"id: {house}\nname: {{{lang}: {house}}}\narea: town\nlanguages: [{', '.join(languages)}]\n"
        f'contacts:\n  - {{label: {{{lang}: Host}}, phone: "0157-00-0000"}}\n', encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return Engine.open(Settings(knowledge=root, store=store).engine_config(), embeddings=embeddings)


def at(iso: str):
    """A fixed, timezone-aware `now` (Japan time unless the string says otherwise)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    d = datetime.fromisoformat(iso)
    return d if d.tzinfo else d.replace(tzinfo=ZoneInfo("Asia/Tokyo"))
