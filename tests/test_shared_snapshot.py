"""One published snapshot for every host (ingest/snapshots.py), checked on a SQLite file
standing in for the shared database: the same SQLAlchemy statements run on PostgreSQL in
tests/test_two_hosts.py, with a real server and two `concierge serve` processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from ingest.retrieval.embeddings import model_id
from ingest.retrieval.store import FORMAT_VERSION, read_manifest, read_published
from ingest.snapshots import SNAPSHOTS_DIR, SharedSnapshots, channel_of, served_paths


@pytest.fixture()
def shared(tmp_path: Path):
    db = SharedSnapshots.open(f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    yield db
    db.dispose()


def publish(knowledge: Path, store: Path, embeddings, shared: SharedSnapshots):
    return ingest(knowledge, store, embeddings, model_id=model_id(embeddings), publish=shared.publish)


def head(shared: SharedSnapshots, embeddings) -> str | None:
    return shared.head(channel_of(model_id(embeddings), FORMAT_VERSION))


def test_a_host_that_never_ingested_serves_the_published_records_timetables_and_knowledge(
        knowledge_copy, tmp_path, embeddings, shared):
    assert publish(knowledge_copy, tmp_path / "a", embeddings, shared).ok
    follower = tmp_path / "b"
    snap = shared.sync(follower, model_id(embeddings), FORMAT_VERSION)
    assert snap == head(shared, embeddings)
    manifest, records = read_published(follower)
    _, published = read_published(tmp_path / "a")
    assert manifest is not None and [r.id for r in records.records] == [r.id for r in published.records]
    knowledge, transit = served_paths(follower, manifest, Path("/nonexistent"))
    assert knowledge == follower / SNAPSHOTS_DIR / snap / "knowledge"
    assert (knowledge / "houses/hakka-house/house.yaml").read_bytes() == \
        (knowledge_copy / "houses/hakka-house/house.yaml").read_bytes()
    assert (transit / "kitami.sqlite").stat().st_size > 0
    assert not (knowledge / "areas/kitami/gtfs").exists()  # compiled into the timetable index


def test_a_failed_publish_changes_nothing_on_any_host(knowledge_copy, tmp_path, embeddings, shared):
    store = tmp_path / "a"
    assert publish(knowledge_copy, store, embeddings, shared).ok
    before_head, before_manifest = head(shared, embeddings), (store / "manifest.json").read_bytes()
    files_before = sorted(p.name for p in store.iterdir())
    (knowledge_copy / "houses/hakka-house/extra.en.md").write_text("# Extra\n\n## Sauna\n\nThe sauna is hot.\n")
    down = SharedSnapshots.open(f"sqlite:///{tmp_path / 'no-such-folder' / 'shared.sqlite3'}")
    report = publish(knowledge_copy, store, embeddings, down)
    assert not report.ok and "could not be published" in str(report.problems[0])
    assert (store / "manifest.json").read_bytes() == before_manifest
    assert sorted(p.name for p in store.iterdir()) == files_before  # the new records file is gone
    assert head(shared, embeddings) == before_head


def test_an_invalid_folder_publishes_nothing(knowledge_copy, tmp_path, embeddings, shared):
    assert publish(knowledge_copy, tmp_path / "a", embeddings, shared).ok
    before = head(shared, embeddings)
    (knowledge_copy / "houses/hakka-house/house.yaml").write_text("name: [unclosed\n")
    assert not publish(knowledge_copy, tmp_path / "a", embeddings, shared).ok
    assert head(shared, embeddings) == before


def test_a_follower_fetches_only_the_files_that_changed(knowledge_copy, tmp_path, embeddings, shared, caplog):
    assert publish(knowledge_copy, tmp_path / "a", embeddings, shared).ok
    follower = tmp_path / "b"
    first = shared.sync(follower, model_id(embeddings), FORMAT_VERSION)
    area = knowledge_copy / "areas/kitami/area.yaml"
    area.write_text(area.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert publish(knowledge_copy, tmp_path / "a", embeddings, shared).ok
    caplog.set_level("INFO", logger="ingest.snapshots")
    other = SharedSnapshots.open(str(shared.url))  # another host: knows nothing this process published
    try:
        second = other.sync(follower, model_id(embeddings), FORMAT_VERSION)
    finally:
        other.dispose()
    assert second != first
    body = json.loads((follower / SNAPSHOTS_DIR / second / "snapshot.json").read_text())
    copied = next(r.getMessage() for r in caplog.records if "copied" in r.getMessage())
    # area.yaml and the records (their manifest) changed; the timetable and the rest did not
    assert "(2 of " in copied or "(1 of " in copied, copied
    assert len(body["objects"]) > 5
    assert (follower / SNAPSHOTS_DIR / second / "knowledge/areas/kitami/area.yaml").read_text().endswith("# edited\n")


def test_syncing_an_up_to_date_store_reads_one_row_and_copies_nothing(knowledge_copy, tmp_path, embeddings, shared):
    assert publish(knowledge_copy, tmp_path / "a", embeddings, shared).ok
    follower = tmp_path / "b"
    snap = shared.sync(follower, model_id(embeddings), FORMAT_VERSION)
    stamp = (follower / "manifest.json").stat().st_mtime_ns
    assert shared.sync(follower, model_id(embeddings), FORMAT_VERSION) == snap
    assert (follower / "manifest.json").stat().st_mtime_ns == stamp


def test_nothing_published_for_a_model_means_nothing_to_follow(tmp_path, shared):
    assert shared.sync(tmp_path / "b", "some-other-model", FORMAT_VERSION) is None
    assert read_manifest(tmp_path / "b") is None


def test_old_snapshots_and_their_unused_files_are_collected(knowledge_copy, tmp_path, embeddings, shared):
    from sqlalchemy import func, select

    from ingest.snapshots import KEEP_PUBLISHED, objects, snapshots

    area = knowledge_copy / "areas/kitami/area.yaml"
    for n in range(KEEP_PUBLISHED + 2):
        area.write_text(area.read_text(encoding="utf-8") + f"\n# edit {n}\n", encoding="utf-8")
        assert publish(knowledge_copy, tmp_path / "a", embeddings, shared).ok
    with shared.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(snapshots)).scalar() == KEEP_PUBLISHED
        used = set()
        for text in conn.execute(select(snapshots.c.body)).scalars():
            used.update(json.loads(text)["objects"].values())
        assert set(conn.execute(select(objects.c.id)).scalars()) == used


def test_an_engine_on_a_shared_database_serves_the_published_copy_and_follows_a_new_publish(
        knowledge_copy, tmp_path, embeddings):
    from dataclasses import replace

    from bot.config import Settings
    from bot.engine.contract import Question
    from bot.engine.engine import Engine, run_ingest
    from tests.conftest import at

    config = replace(Settings(knowledge=knowledge_copy, store=tmp_path / "store").engine_config(),
                     snapshot_url=f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    engine = Engine.open(config, embeddings=embeddings)
    assert engine.knowledge.root.parts[-3] == SNAPSHOTS_DIR  # the published copy, not the folder
    ask = lambda: engine.answer(Question("Wi-Fiのパスワードは？", "hakka-house", at("2026-12-01T10:00"))).text  # noqa: E731
    assert "mint-kitami-2026" in ask()
    for name in ("manual.en.md", "manual.ja.md"):
        page = knowledge_copy / "houses/hakka-house" / name
        page.write_text(page.read_text(encoding="utf-8").replace("mint-kitami-2026", "snow-kitami-2027"))
    assert run_ingest(config, embeddings).ok  # `concierge ingest` in another process
    assert engine.refresh() and "snow-kitami-2027" in ask()
    assert engine.health()["published_snapshot"] == {"following": True, "error": None}
    assert not engine.refresh()  # nothing new: nothing rebuilt
