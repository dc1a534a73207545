"""``GET /metrics``: the Prometheus text format, summed over gunicorn workers.

Meant for the monitoring host only: like ``/healthz`` it carries no personal data, but the
reverse proxy in front of the bot should not publish it (see README, Observability).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from bot.observability.metrics import CONTENT_TYPE, LiveCollector, ObservedEngine, render


def observed(engine: Any) -> ObservedEngine:
    """The engine the channels get: every answer counted and timed."""
    return engine if isinstance(engine, ObservedEngine) else ObservedEngine(engine)


def init_app(app: Flask, engine: Any) -> None:
    """Register ``/metrics``; call after the channels (it reads the LINE queue's depth)."""

    def queue_depth() -> int | None:
        queue = getattr(app.extensions.get("line"), "queue", None)
        pending = getattr(queue, "pending", None)
        return int(pending()) if callable(pending) else None

    def health() -> dict[str, Any]:
        """/healthz's own report (bot.health), so both say the same about each dependency."""
        view = app.view_functions.get("healthz")
        if view is None:
            return dict(engine.health())
        returned: Any = view()  # (body, status) from bot.health
        body = app.make_response(returned).get_json(silent=True)
        return body if isinstance(body, dict) else {}

    live = LiveCollector(engine, queue_depth, health)

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(render(live), mimetype=CONTENT_TYPE)
