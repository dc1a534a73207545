"""Logging for every `concierge` command and the server: text or one JSON object per line.

``CONCIERGE_LOG_FORMAT=json`` makes each record one JSON line (time, level, logger,
message, pid, and the traceback as ``exc`` when there is one) for log collectors;
``text`` (default) is the usual human line. Libraries that log every HTTP request or
start-up step at INFO (httpx, chromadb, urllib3, alembic...) are held at WARNING unless
``CONCIERGE_LOG_LEVEL=debug``. Messages are logged as they are: the code never logs
request bodies, user ids or display names, so a JSON line carries none either.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Loggers that are chatty at INFO; quiet unless the level is DEBUG.
NOISY = ("httpx", "httpcore", "chromadb", "urllib3", "alembic", "posthog", "opentelemetry", "backoff",
         "sentence_transformers", "filelock", "werkzeug")
#: Libraries whose warnings are about a file we already report ourselves ("path:0: cannot
#: read PDF: ..."): errors only, so a damaged upload gives one message, not three.
REPORTED_BY_US = ("pypdf",)
FORMATS = ("text", "json")
LEVELS = ("debug", "info", "warning", "error")


class JsonFormatter(logging.Formatter):
    """One JSON object per record; gunicorn's own loggers use it too (see bot.serve)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False)


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(fmt: str = "text", level: str = "info", *, stream: Any = None) -> None:
    """Root handler on stderr in ``fmt``, at ``level``; noisy libraries at WARNING."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = getattr(logging, level.upper(), logging.INFO)
    root.setLevel(numeric)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.WARNING)
    for name in REPORTED_BY_US:
        logging.getLogger(name).setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.ERROR)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def gunicorn_logconfig(fmt: str, level: str) -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its error and access logs in the same format as ours."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"concierge": {"()": f"{__name__}.{JsonFormatter.__name__}"} if fmt == "json"
                       else {"format": TEXT_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "concierge",
                                "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
    }
