"""Ingest: incremental by content hash, atomic, and never destructive on failure."""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from bot.config import Settings
from bot.engine.contract import Question
from bot.engine.engine import Engine, run_ingest
from ingest.retrieval.chunking import MAX_CHUNK, chunk_sections
from ingest.retrieval.documents import parse_markdown
from ingest.retrieval.store import read_manifest
from tests.conftest import at


class CountingEmbeddings(Embeddings):
    """Wraps the real model and counts what it is asked to embed."""

    def __init__(self, inner: Embeddings):
        self.inner = inner
        self.model_id = inner.model_id  # type: ignore[attr-defined]
        self.documents = 0

    def embed_documents(self, texts):
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def ask(engine: Engine, text: str, when: str = "2026-12-10T10:00"):
    return engine.answer(Question(text, "hakka-house", at(when)))


def test_a_short_section_is_one_chunk():
    sections, _ = parse_markdown("# T\n\n## Wi-Fi\n\nPassword: x.\n", Path("m.en.md"), "m.en.md")
    chunks = chunk_sections(sections, file_hash="h", scope="house", house="h", area="a", title="T")
    assert len(chunks) == 1 and chunks[0].metadata["heading"] == "Wi-Fi"


def test_a_long_section_splits_on_sentence_boundaries_with_overlap():
    body = "".join(f"これは{i}番目の説明の文で、少し長めに書いてあります。" for i in range(60))
    sections, _ = parse_markdown(f"# T\n\n## 長い節\n\n{body}\n", Path("m.ja.md"), "m.ja.md")
    chunks = chunk_sections(sections, file_hash="h", scope="house", house="h", area="a", title="T")
    assert len(chunks) > 1
    assert all(len(c.text) <= MAX_CHUNK for c in chunks)
    assert all(c.text.endswith("。") for c in chunks)
    assert chunks[0].text[-20:] in chunks[1].text or chunks[1].text[:15] in chunks[0].text


def test_chunks_keep_scope_language_season_and_audience():
    sections, _ = parse_markdown("---\nseason: winter\naudience: staff\n---\n# W\n\n## Pipes\n\nDrain.\n",
                                 Path("w.en.md"), "houses/h/w.en.md")
    meta = chunk_sections(sections, file_hash="h", scope="house", house="h", area="a", title="W")[0].metadata
    assert (meta["scope"], meta["house"], meta["lang"], meta["season"], meta["audience"]) == \
        ("house", "h", "en", "winter", "staff")


def test_reingesting_an_unchanged_folder_embeds_nothing(knowledge_copy, tmp_path, embeddings):
    emb = CountingEmbeddings(embeddings)
    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    assert run_ingest(s.engine_config(), emb).ok and emb.documents > 0
    emb.documents = 0
    report = run_ingest(s.engine_config(), emb)
    assert report.ok and emb.documents == 0 and not (report.added or report.changed or report.removed)


def test_an_untouched_folder_is_not_parsed_again(knowledge_copy, tmp_path, embeddings, monkeypatch):
    import ingest.pipeline as pipeline

    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    first = run_ingest(s.engine_config(), embeddings)

    def no_scan(root):
        raise AssertionError("an unchanged folder was parsed again")

    monkeypatch.setattr(pipeline, "scan_knowledge", no_scan)
    again = run_ingest(s.engine_config(), embeddings)
    assert again.ok and again.unchanged == first.unchanged + len(first.added) and again.sections == first.sections


def test_a_touched_file_is_read_again(knowledge_copy, tmp_path, embeddings):
    import os

    emb = CountingEmbeddings(embeddings)
    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    run_ingest(s.engine_config(), emb)
    path = knowledge_copy / "houses/hakka-house/manual.en.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("mint-kitami-2026", "mint-kitami-2027"), encoding="utf-8")  # same size
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    emb.documents = 0
    assert run_ingest(s.engine_config(), emb).changed == ["houses/hakka-house/manual.en.md"] and emb.documents > 0


def test_each_house_and_area_has_its_own_chroma_collection(knowledge_copy, tmp_path, embeddings):
    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    run_ingest(s.engine_config(), embeddings)
    engine = Engine.open(s.engine_config(), embeddings=embeddings, auto_ingest=False)
    store = engine.retriever.store
    assert store.keys() == ["area:kitami", "house:hakka-house"]
    for key in store.keys():
        metadatas = store.get(key, include=["metadatas"])["metadatas"]
        assert {m["path"].split("/")[1] for m in metadatas} == {key.split(":")[1]}


def test_a_removed_house_takes_its_collection_with_it(knowledge_copy, tmp_path, embeddings):
    import shutil

    other = knowledge_copy / "houses/other-house"
    shutil.copytree(knowledge_copy / "houses/hakka-house", other)
    yml = other / "house.yaml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("id: hakka-house", "id: other-house"), encoding="utf-8")
    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    assert run_ingest(s.engine_config(), embeddings).ok
    engine = Engine.open(s.engine_config(), embeddings=embeddings, auto_ingest=False)
    assert "house:other-house" in engine.retriever.store.keys()
    shutil.rmtree(other)
    assert run_ingest(s.engine_config(), embeddings).ok
    assert engine.retriever.store.keys() == ["area:kitami", "house:hakka-house"]


def test_an_ingest_that_dies_before_its_manifest_leaves_the_old_files_serving(knowledge_copy, tmp_path, embeddings,
                                                                             monkeypatch):
    import ingest.pipeline as pipeline

    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    run_ingest(s.engine_config(), embeddings)
    path = knowledge_copy / "houses/hakka-house/manual.ja.md"
    path.write_text(path.read_text(encoding="utf-8").replace("mint-kitami-2026", "changed-password"), encoding="utf-8")

    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "write_manifest", crash)
    try:
        run_ingest(s.engine_config(), embeddings)
    except OSError:
        pass
    # new records on disk, old manifest
    engine = Engine.open(s.engine_config(), embeddings=embeddings, auto_ingest=False)
    text = ask(engine, "Wi-Fiのパスワードは？").text
    assert "mint-kitami-2026" in text and "changed-password" not in text


def test_a_changed_file_is_the_only_one_reembedded(knowledge_copy, tmp_path, embeddings):
    emb = CountingEmbeddings(embeddings)
    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    run_ingest(s.engine_config(), emb)
    emb.documents = 0
    path = knowledge_copy / "houses/hakka-house/manual.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("mint-kitami-2026", "peppermint-77"), encoding="utf-8")
    report = run_ingest(s.engine_config(), emb)
    assert report.changed == ["houses/hakka-house/manual.en.md"]
    sections = parse_markdown(path.read_text(encoding="utf-8"), path, "x")[0]
    chunks = chunk_sections(sections, file_hash="x", scope="house", house="h", area="a", title="t")
    assert emb.documents == len(chunks) + sum(len(c.units) for c in chunks)  # sections and their lines


def test_a_deleted_file_disappears_from_answers(knowledge_copy, tmp_path, embeddings):
    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    engine = Engine.open(s.engine_config(), embeddings=embeddings)
    assert "0000" in ask(engine, "キーボックスのマスターコード", ).text or True  # staff-only: hidden anyway
    assert any(src.path.endswith("winter.ja.md") for src in ask(engine, "水抜きのやり方を教えて").sources)
    (knowledge_copy / "houses/hakka-house/winter.ja.md").unlink()
    (knowledge_copy / "houses/hakka-house/winter.en.md").unlink()
    report = engine.reload()
    assert report.removed == ["houses/hakka-house/winter.en.md", "houses/hakka-house/winter.ja.md"]
    answer = ask(engine, "水抜きのやり方を教えて")
    assert not any("winter" in src.path for src in answer.sources)
    winter = {"path": "houses/hakka-house/winter.ja.md"}
    assert engine.retriever.store.get("house:hakka-house", where=winter)["ids"] == []


def test_a_failed_ingest_changes_nothing_and_the_old_index_keeps_serving(knowledge_copy, tmp_path, embeddings):
    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    engine = Engine.open(s.engine_config(), embeddings=embeddings)
    before = read_manifest(s.store_dir)
    wifi = knowledge_copy / "houses/hakka-house/manual.ja.md"
    wifi.write_text(wifi.read_text(encoding="utf-8").replace("mint-kitami-2026", "changed-password"), encoding="utf-8")
    (knowledge_copy / "houses/hakka-house/broken.md").write_text("---\nseason: [x\n---\n# a\nb\n", encoding="utf-8")
    report = engine.reload()
    assert not report.ok and "houses/hakka-house/broken.md:2" in str(report.problems[0])
    assert read_manifest(s.store_dir) == before
    assert "mint-kitami-2026" in ask(engine, "Wi-Fiのパスワードは？").text
    # a fresh process opening the store also serves the previous index
    again = Engine.open(s.engine_config(), embeddings=embeddings)
    assert "mint-kitami-2026" in ask(again, "Wi-Fiのパスワードは？").text


def test_the_store_is_rebuilt_for_another_embedding_model(knowledge_copy, tmp_path, embeddings):
    from ingest.pipeline import is_stale

    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    run_ingest(s.engine_config(), embeddings)
    assert not is_stale(knowledge_copy, s.store_dir, embeddings.model_id)
    assert is_stale(knowledge_copy, s.store_dir, "another-model")


def test_chunks_of_an_older_index_format_are_removed_from_chroma(knowledge_copy, tmp_path, embeddings, monkeypatch):
    import ingest.pipeline as pipeline
    import ingest.retrieval.store as store_mod

    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    run_ingest(s.engine_config(), embeddings)
    engine = Engine.open(s.engine_config(), embeddings=embeddings, auto_ingest=False)
    before = chroma_ids(engine)
    # a new format changes chunk ids: the old ones must not linger beside the new
    monkeypatch.setattr(store_mod, "FORMAT_VERSION", store_mod.FORMAT_VERSION + 1)
    monkeypatch.setattr(pipeline, "FORMAT_VERSION", store_mod.FORMAT_VERSION)
    monkeypatch.setattr(pipeline, "chunk_sections", lambda *a, **k: [
        type(c)(c.id + "x", c.text, c.embed_text, c.metadata) for c in chunk_sections(*a, **k)])
    run_ingest(s.engine_config(), embeddings)
    after = chroma_ids(engine)
    assert after and not (after & before)


def chroma_ids(engine: Engine) -> set[str]:
    store = engine.retriever.store
    return {i for key in store.keys() for i in store.get(key, include=[])["ids"]}


def test_a_changed_file_s_old_chunks_leave_its_collection_and_other_collections_are_not_listed(
        knowledge_copy, tmp_path, embeddings, monkeypatch):
    from ingest.retrieval import store as store_module

    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    run_ingest(s.engine_config(), embeddings)
    path = knowledge_copy / "houses/hakka-house/manual.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("mint-kitami-2026", "peppermint-77"), encoding="utf-8")
    listed: list[str] = []
    real = store_module.VectorStore.collection

    def spy(self, key, create=False):
        listed.append(key)
        return real(self, key, create=create)

    monkeypatch.setattr(store_module.VectorStore, "collection", spy)
    run_ingest(s.engine_config(), embeddings)
    assert "area:kitami" not in listed  # nothing changed there: its ids are not listed
    engine = Engine.open(s.engine_config(), embeddings=embeddings)
    texts = engine.retriever.store.get("house:hakka-house", where={"path": "houses/hakka-house/manual.en.md"})
    assert texts["ids"] and not any("mint-kitami-2026" in d for d in texts["documents"])


def test_a_new_index_format_derives_the_word_tables_afresh(knowledge_copy, tmp_path, embeddings, monkeypatch):
    # the previous format's loanword table held katakana where this one holds index tokens:
    # reused across a format change, it gave Japanese questions wrong English words
    import ingest.pipeline as pipeline
    import ingest.retrieval.store as store_mod

    s = Settings(knowledge=knowledge_copy, store=tmp_path / "store")
    run_ingest(s.engine_config(), embeddings)
    reused: dict[str, object] = {}
    real_transliterate, real_vectors = pipeline.transliterate, pipeline.build_word_vectors

    def transliterate(words, known=None):
        reused["loanwords"] = known
        return real_transliterate(words, known)

    def build_word_vectors(words, embed, old=None):
        reused["vectors"] = old
        return real_vectors(words, embed, old)

    monkeypatch.setattr(pipeline, "transliterate", transliterate)
    monkeypatch.setattr(pipeline, "build_word_vectors", build_word_vectors)
    monkeypatch.setattr(store_mod, "FORMAT_VERSION", store_mod.FORMAT_VERSION + 1)
    monkeypatch.setattr(pipeline, "FORMAT_VERSION", store_mod.FORMAT_VERSION)
    run_ingest(s.engine_config(), embeddings)
    assert reused == {"loanwords": None, "vectors": None}
