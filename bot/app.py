"""The Flask app factory: one app serves LINE (/line/webhook), Alexa (/alexa), the staff
console (/staff/), /healthz and /metrics.

Nothing is read from the environment or loaded at import time; ``create_app`` wires the
settings, the engine and each channel's ``init_app``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from bot.config import Settings
from bot.engine.contract import ConciergeEngine
from bot.engine.outage import Outages
from bot.health import health_report
from bot.state import APP_EXTENSION as STATE_EXTENSION


def create_app(settings: Settings | None = None, engine: ConciergeEngine | None = None) -> Flask:
    """Build the app. Tests pass ``settings`` (and may pass a ready ``engine``)."""
    settings = settings or Settings.from_env()
    if engine is None:
        from bot.engine.engine import Engine

        engine = Engine.open(settings.engine_config())
        engine.start_following()  # serve what another worker or host publishes, within seconds
    from bot.observability.endpoint import init_app as init_metrics
    from bot.observability.endpoint import observed

    engine = observed(engine)  # answers counted and timed for /metrics
    app = Flask("stay_concierge")
    app.config["SETTINGS"] = settings
    app.extensions["concierge_engine"] = engine

    outages = Outages()

    @app.get("/healthz")
    def healthz() -> Any:
        """200 when every dependency is up, else 503 naming each one (bot.health)."""
        body, status = health_report(engine, app.extensions.get(STATE_EXTENSION), outages)
        return jsonify(body), status

    from bot.line.blueprint import init_app as init_line
    from bot.web.staff import init_app as init_staff
    from skills.alexa.adapter import init_app as init_alexa

    init_line(app, engine, settings)
    init_alexa(app, engine, settings)
    init_staff(app, engine, settings)  # after LINE: the console shares its state database
    init_metrics(app, engine)
    return app
