"""What sharing the published snapshot through PostgreSQL costs (not a test).

Starts a real PostgreSQL (tests/pgserver.py) and a real `chroma run` (tests/chromaserver.py)
on loopback, then for each corpus: host A ingests and publishes; host B (an empty store)
copies the snapshot; one file changes and is published again; B follows. Reports the
publish step (files, bytes, seconds), B's first copy and its incremental copy, the cost of
the once-a-second head check, and publish -> B's engine serving the new snapshot.

Usage:  .venv/bin/python bench/bench_snapshot.py [--sections 1000] [--json bench/out/snapshot.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from chromaserver import ChromaServer  # noqa: E402 - tests/ is put on the path above
from pgserver import PostgresServer, find_bindir  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.engine.engine import Engine, run_ingest  # noqa: E402
from ingest.retrieval.embeddings import make_embeddings, model_id  # noqa: E402
from ingest.retrieval.store import FORMAT_VERSION  # noqa: E402
from ingest.snapshots import SharedSnapshots, channel_of  # noqa: E402


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_corpus(name: str, knowledge: Path, pg: PostgresServer, chroma: ChromaServer, emb: Any,
               work: Path) -> dict[str, Any]:
    url = pg.url(pg.create_database(f"bench_{name}"))
    base = dict(chroma_host="127.0.0.1", chroma_port=chroma.port, state_url=url)
    a = Settings(knowledge=knowledge, store=work / f"{name}-a", **base)
    b = Settings(knowledge=work / "empty", store=work / f"{name}-b", **base)
    (work / "empty").mkdir(exist_ok=True)
    out: dict[str, Any] = {"corpus": name}

    t0 = time.perf_counter()
    report = run_ingest(a.engine_config(), emb)
    assert report.ok, report.problems
    out["first_ingest_and_publish_s"] = time.perf_counter() - t0
    out["sections"] = report.sections

    shared = SharedSnapshots.open(url)
    channel = channel_of(model_id(emb), FORMAT_VERSION)
    t0 = time.perf_counter()
    snap = shared.sync(b.store_dir, model_id(emb), FORMAT_VERSION)
    out["follower_first_copy_s"] = time.perf_counter() - t0
    out["snapshot_bytes"] = folder_bytes(b.store_dir / "snapshots" / str(snap))
    polls = []
    for _ in range(200):
        t = time.perf_counter()
        shared.sync(b.store_dir, model_id(emb), FORMAT_VERSION)
        polls.append((time.perf_counter() - t) * 1000)
    out["head_check_ms"] = {"p50": statistics.median(polls), "max": max(polls)}

    follower = Engine.open(b.engine_config(), embeddings=emb)
    t0 = time.perf_counter()
    follower._loaded = follower._load()
    out["follower_engine_load_s"] = time.perf_counter() - t0

    # one file changes on A: publish, then B follows as its once-a-second loop would
    page = next(p for p in sorted(knowledge.rglob("*.md")) if "houses" in p.parts)
    page.write_text(page.read_text(encoding="utf-8") + "\n\n## 追記\n\n- 新しい注意書きです。\n", encoding="utf-8")
    t0 = time.perf_counter()
    report = run_ingest(a.engine_config(), emb)
    assert report.ok, report.problems
    published = time.perf_counter()
    out["changed_ingest_and_publish_s"] = published - t0
    with shared.engine.connect() as conn:
        from sqlalchemy import func, select

        from ingest.snapshots import objects
        out["database_objects"] = conn.execute(select(func.count()).select_from(objects)).scalar()
    t0 = time.perf_counter()
    assert follower.refresh()
    out["follower_copy_and_reload_after_change_s"] = time.perf_counter() - t0
    out["publish_to_served_worst_case_s"] = 1.0 + out["follower_copy_and_reload_after_change_s"]
    out["head"] = shared.head(channel)
    shared.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", type=int, default=1000, help="size of the synthetic corpus (0: skip it)")
    parser.add_argument("--json", dest="json_out", default="")
    args = parser.parse_args(argv)
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    work = Path(tempfile.mkdtemp(prefix="bench-snapshot-"))
    emb = make_embeddings("use")
    results = []
    try:
        with PostgresServer(bindir) as pg, ChromaServer() as chroma:
            sample = work / "sample"
            shutil.copytree(ROOT / "knowledge", sample)
            results.append(run_corpus("sample", sample, pg, chroma, emb, work))
            if args.sections:
                from run import synthetic_corpus

                synth = work / f"synthetic-{args.sections}"
                synthetic_corpus(synth, args.sections)
                results.append(run_corpus(f"synthetic{args.sections}", synth, pg, chroma, emb, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for r in results:
        print(f"{r['corpus']}: {r['sections']} sections, snapshot {r['snapshot_bytes'] / 1e6:.1f} MB")
        print(f"  first ingest+publish {r['first_ingest_and_publish_s']:.1f} s; follower first copy "
              f"{r['follower_first_copy_s']:.2f} s; engine load {r['follower_engine_load_s']:.2f} s")
        print(f"  head check p50 {r['head_check_ms']['p50']:.2f} ms (max {r['head_check_ms']['max']:.1f})")
        print(f"  one file changed: ingest+publish {r['changed_ingest_and_publish_s']:.2f} s; follower copy+reload "
              f"{r['follower_copy_and_reload_after_change_s']:.2f} s; publish -> served <= "
              f"{r['publish_to_served_worst_case_s']:.1f} s (1 s poll)")
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
