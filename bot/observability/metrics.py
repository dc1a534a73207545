"""Prometheus metrics, served at ``/metrics`` (prometheus-client's text format).

What is counted, and where:

* ``concierge_answers_total{channel,intent,outcome}`` and the latency histogram
  ``concierge_answer_seconds{channel}``: every ``answer``/``briefing`` the channels ask of
  the engine (:class:`ObservedEngine` wraps it; the engine itself stays free of metrics).
  ``outcome`` is ``answered``, ``abstained`` (the concierge said it does not know),
  ``invalid`` (empty or over-long question), ``unavailable`` (a dependency is down) or
  ``error``.
* ``concierge_ingest_seconds{outcome}``: re-ingests run by this server (``/reload``, the
  staff console).
* ``concierge_line_delivery_retries_total{reason}``, ``..._failures_total{reason}``:
  counted by the LINE delivery code through :func:`delivery_retried`/:func:`delivery_failed`.
* Read when scraped (:class:`LiveCollector`): ``concierge_line_queue_depth`` (events
  acknowledged but not yet answered, from the durable queue: every process and host),
  ``concierge_snapshot_age_seconds`` (since the served snapshot was published) and
  ``concierge_dependency_up{dependency}`` (what ``/healthz`` reports: bot.health).

**Several gunicorn workers.** Each worker is its own process with its own counters, and a
scrape reaches one of them. ``concierge serve`` therefore runs prometheus-client in
multiprocess mode: it points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before the
workers start (``<data>/metrics``, emptied at each start), every worker writes its values
there, a scrape sums them (:func:`render`), and gunicorn's ``child_exit`` hook removes a dead
worker's live gauges (:mod:`bot.observability.multiproc`). Without that variable (tests, one process)
the ordinary in-process registry is used.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.observability.multiproc import MULTIPROC_ENV

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST

ANSWERS = Counter("concierge_answers", "Answers given, by channel, intent and outcome",
                  ["channel", "intent", "outcome"])
ANSWER_SECONDS = Histogram("concierge_answer_seconds", "Time to compute an answer", ["channel"],
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
INGEST_SECONDS = Histogram("concierge_ingest_seconds", "Duration of re-ingests run by this server", ["outcome"],
                           buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))
DELIVERY_RETRIES = Counter("concierge_line_delivery_retries", "LINE sends retried later, by reason", ["reason"])
DELIVERY_FAILURES = Counter("concierge_line_delivery_failures", "LINE events given up on, by reason", ["reason"])


def reason_of(status: int | None) -> str:
    """A retry's reason as a small set of label values: ``429``, ``5xx``, ``timeout``."""
    if status == 429:
        return "429"
    if status is not None and 500 <= status < 600:
        return "5xx"
    return "timeout" if status is None else str(status)


def delivery_retried(reason: str) -> None:
    DELIVERY_RETRIES.labels(reason=reason[:40]).inc()


def delivery_failed(reason: str) -> None:
    DELIVERY_FAILURES.labels(reason=reason[:40]).inc()


def outcome_of(answer: Any) -> str:
    if getattr(answer, "intent", "") == "invalid":
        return "invalid"
    if getattr(answer, "intent", "") == "unavailable" or (getattr(answer, "data", None) or {}).get("unavailable"):
        return "unavailable"
    return "abstained" if getattr(answer, "abstained", False) else "answered"


class ObservedEngine:
    """The engine as channels see it, with each answer counted and timed.

    Everything else (houses, health, reload, …) passes through, so it is a drop-in
    :class:`~bot.engine.contract.ConciergeEngine`."""

    def __init__(self, engine: Any):
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    @property
    def wrapped(self) -> Any:
        return self._engine

    def answer(self, question: Any) -> Any:
        return self._timed(getattr(question, "channel", "") or "unknown", lambda: self._engine.answer(question))

    def briefing(self, house_id: str | None, now: datetime, lang: str, *args: Any, **kw: Any) -> Any:
        return self._timed("briefing", lambda: self._engine.briefing(house_id, now, lang, *args, **kw),
                           intent="briefing")

    def reload(self, *args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        outcome = "error"
        try:
            report = self._engine.reload(*args, **kw)
            outcome = "ok" if getattr(report, "ok", True) else "refused"
            return report
        finally:
            INGEST_SECONDS.labels(outcome=outcome).observe(time.perf_counter() - t0)

    def _timed(self, channel: str, call: Callable[[], Any], intent: str | None = None) -> Any:
        t0 = time.perf_counter()
        try:
            got = call()
        except Exception:
            ANSWERS.labels(channel=channel, intent=intent or "unknown", outcome="error").inc()
            ANSWER_SECONDS.labels(channel=channel).observe(time.perf_counter() - t0)
            raise
        ANSWER_SECONDS.labels(channel=channel).observe(time.perf_counter() - t0)
        ANSWERS.labels(channel=channel, intent=intent or str(getattr(got, "intent", "unknown")),
                       outcome=outcome_of(got)).inc()
        return got


class LiveCollector(Collector):
    """Values read at scrape time: the queue's depth, the snapshot's age, dependencies."""

    def __init__(self, engine: Any, queue_depth: Callable[[], int | None] | None = None,
                 health: Callable[[], dict[str, Any]] | None = None):
        self.engine = engine
        self.queue_depth = queue_depth
        self.health = health or engine.health  # /healthz's report when the app gives it

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.queue_depth is not None:
            try:
                depth = self.queue_depth()
            except Exception as exc:  # the state database is down: say nothing rather than 0
                log.debug("queue depth unavailable: %s", exc)
                depth = None
            if depth is not None:
                yield GaugeMetricFamily("concierge_line_queue_depth",
                                        "LINE events acknowledged and not yet answered (all processes)", value=depth)
        age = snapshot_age(self.engine)
        if age is not None:
            yield GaugeMetricFamily("concierge_snapshot_age_seconds",
                                    "Seconds since the served snapshot was published", value=age)
        deps = dependencies(self.health)
        if deps:
            up = GaugeMetricFamily("concierge_dependency_up", "1 when the dependency answers, else 0",
                                   labels=["dependency"])
            for name, ok in sorted(deps.items()):
                up.add_metric([name], 1.0 if ok else 0.0)
            yield up


def snapshot_age(engine: Any) -> float | None:
    manifest = getattr(getattr(engine, "_loaded", None), "manifest", None)
    if manifest is None:
        inner = getattr(engine, "wrapped", None)
        manifest = getattr(getattr(inner, "_loaded", None), "manifest", None)
    updated = getattr(manifest, "updated", "") or ""
    try:
        return max(0.0, time.time() - datetime.fromisoformat(updated).timestamp())
    except (TypeError, ValueError):
        return None


def dependencies(report: Callable[[], dict[str, Any]]) -> dict[str, bool]:
    """``{name: up}`` from a health report's ``dependencies`` entry (the same as /healthz)."""
    try:
        health = report()
    except Exception:
        return {}
    deps = health.get("dependencies") if isinstance(health, dict) else None
    out: dict[str, bool] = {}
    if isinstance(deps, dict):
        for name, value in deps.items():
            if isinstance(value, dict):
                out[str(name)] = bool(value.get("ok", value.get("up", False)))
            else:
                out[str(name)] = value is True or value in ("ok", "up")
    return out


def render(live: LiveCollector | None = None) -> bytes:
    """The text exposition of every metric: summed over workers in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        summed: Callable[[CollectorRegistry], object] = multiprocess.MultiProcessCollector  # untyped upstream
        summed(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    if live is not None:
        registry.register(live)
    return generate_latest(registry)


class _Forward(Collector):
    """The in-process registry's metrics, inside a per-scrape registry."""

    def __init__(self, inner: CollectorRegistry):
        self.inner = inner

    def collect(self) -> Iterator[Any]:
        yield from self.inner.collect()
