"""``concierge serve``: the Flask app (``bot.app:create_app``) under gunicorn.

Gunicorn is embedded (``BaseApplication``) so one command starts production serving with
the project's settings; the README's equivalent is
``gunicorn -k gthread --threads 4 'bot.app:create_app()'``.

The index is checked (and rebuilt if missing or stale) once, in a spawned child, before any
worker starts, so workers open a ready store instead of racing to ingest. The app is not preloaded:
each worker builds its own app after the fork, because the engine, the LINE worker pool and
the morning scheduler hold threads and handles that do not survive a fork.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from bot.config import ConfigError, Settings

log = logging.getLogger(__name__)

#: Request threads per process. Answering is CPU work under one GIL: more runnable threads
#: only queue for it and stretch every answer. 20 clients mixing LINE and Alexa, one worker
#: on 2 cores (bench/bench_delivery.py): 8 threads 103 answers/s, LINE reply p95 639 ms;
#: 4 threads 98 answers/s, p95 481 ms. Slow I/O (weather) has its own deadline.
DEFAULT_THREADS = 4


class EmbeddedGunicorn(BaseApplication):  # type: ignore[misc]
    """Gunicorn with options from code instead of its command line."""

    def __init__(self, load_app: Callable[[], Any], options: dict[str, Any]):
        self._load_app = load_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._load_app()


def gunicorn_options(host: str, port: int, workers: int, threads: int, access_log: bool,
                     log_format: str = "text", log_level: str = "info") -> dict[str, Any]:
    from bot.observability.logs import gunicorn_logconfig
    from bot.observability.multiproc import worker_exited

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options: dict[str, Any] = {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,  # a worker may load an embedding model on start
        "graceful_timeout": 30,  # lets queued LINE answers finish on shutdown
        "keepalive": 5,
        "loglevel": "info",
        # gunicorn's control socket is one fixed path per user: two servers would clash
        "control_socket_disable": True,
        "child_exit": worker_exited,  # a dead worker's live metric gauges are dropped
        "logconfig_dict": gunicorn_logconfig(log_format, log_level),  # gunicorn's lines in our format
    }
    if access_log:
        options["accesslog"] = "-"
    return options


def prepare_index(settings: Settings) -> None:
    """Open the engine once, which ingests when the store is missing or stale.

    Runs in a *spawned* child process: loading the embedding model starts native thread
    pools, and a gunicorn master holding those would fork workers that deadlock on them.
    """
    from bot.engine.engine import Engine
    from bot.observability.logs import configure_logging
    from ingest.problems import KnowledgeError

    configure_logging(settings.log_format, settings.log_level)
    try:
        Engine.open(settings.engine_config())
    except KnowledgeError as exc:
        print(f"the knowledge folder cannot be served:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None


def prepare_state(settings: Settings) -> None:
    """Migrate the state database once, in the master, before workers start (they would
    wait for each other's migration lock otherwise); the engine is closed before forking."""
    from bot.state import StateError, database_for

    try:
        database_for(settings).dispose()
    except StateError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes; each loads its own engine (memory!).")
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 256),
              help="Request threads per process.")
@click.option("--access-log/--no-access-log", default=False, show_default=True)
def serve(host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    """Serve /line/webhook, /alexa, /staff/, /healthz and /metrics under gunicorn (ingesting first
    if needed)."""
    from bot.observability.logs import configure_logging
    from bot.observability.multiproc import MULTIPROC_ENV, prepare_multiprocess

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    configure_logging(settings.log_format, settings.log_level)
    # Before anything imports prometheus-client: the workers' metrics go to shared files.
    prepare_multiprocess(Path(os.environ.get(MULTIPROC_ENV) or settings.data_dir / "metrics"))
    prepare_state(settings)
    child = multiprocessing.get_context("spawn").Process(target=prepare_index, args=(settings,),
                                                          name="concierge-ingest")
    child.start()
    child.join()
    if child.exitcode != 0:
        raise click.ClickException(f"could not prepare the index (exit code {child.exitcode}); see above")

    def load_app() -> Any:
        from bot.app import create_app

        return create_app(settings)

    log.info("serving on http://%s:%d (%d worker(s) x %d threads)", host, port, workers, threads)
    options = gunicorn_options(host, port, workers, threads, access_log, settings.log_format, settings.log_level)
    EmbeddedGunicorn(load_app, options).run()
