"""Failures that say what they are: a dependency that is down gives an honest answer.

Why: when the Chroma server stopped, stayers used to be told "I don't know, call the
caretaker" about things the house manual does answer, `/healthz` said ok, nothing was
logged, and the staff group filled with "unanswered" questions. Now:

* an exception that names a ``dependency`` (``StoreUnavailable`` from the vector store,
  or any error class with a ``dependency`` attribute) becomes an :class:`Answer` with
  intent ``unavailable``: "I cannot look this up right now; try again or call <contact>",
  in the stayer's language. Channels do not file it as unanswered;
* :class:`Outages` logs one error when a dependency goes down and one line when it is
  back (not one per question), and tells ``/healthz`` what is up;
* nothing here retries: the vector store reconnects on its next call by itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.engine.contract import Answer
from ingest.knowledge import House
from text.phrases import phrase, register

log = logging.getLogger(__name__)

#: The intent of an answer given while a dependency is down (channels skip logging it).
UNAVAILABLE = "unavailable"

VECTOR_STORE = "vector_store"
SNAPSHOT = "snapshot"

register({
    "unavailable": {
        "ja": "すみません、ただいまシステムの不具合でお調べできません。"
              "少し時間をおいてもう一度お試しいただくか、{who}にお電話ください。",
        "en": "Sorry, I can't look this up right now because of a system problem. "
              "Please try again in a few minutes, or call {who}.",
        "zh": "抱歉，系统出现故障，现在无法查询。请稍后再试，或致电{who}。",
        "ko": "죄송합니다. 시스템 문제로 지금은 조회할 수 없습니다. 잠시 후 다시 시도하시거나 {who}에게 전화해 주세요.",
    },
    "unavailable_caretaker": {"ja": "管理人", "en": "the caretaker", "zh": "管理员", "ko": "관리인"},
}, namespace="engine")


def dependency_of(exc: BaseException) -> str | None:
    """The dependency an exception says is down, or None for any other error (a bug)."""
    name = getattr(exc, "dependency", None)
    return name if isinstance(name, str) and name else None


def unavailable_answer(house: House | None, lang: str) -> Answer:
    """"Cannot look this up right now; try again or call the house's first contact"."""
    who = phrase("engine.unavailable_caretaker", lang)
    if house is not None and house.contacts:
        contact = house.contacts[0]
        who = f"{contact.label_in(lang)} ({contact.phone})" if lang != "ja" else \
            f"{contact.label_in(lang)}（{contact.phone}）"
    return Answer(phrase("engine.unavailable", lang, who=who), lang, UNAVAILABLE, 0.0)


@dataclass
class _Down:
    since: float
    reason: str


class Outages:
    """Which dependencies are down now, logging each outage once (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._down: dict[str, _Down] = {}
        self._lock = threading.Lock()

    def failed(self, dependency: str, reason: str) -> None:
        with self._lock:
            if dependency in self._down:
                return
            self._down[dependency] = _Down(self._clock(), reason)
        log.error("%s is unavailable: %s (answering \"cannot look this up right now\" until it is back)",
                  dependency, reason)

    def ok(self, dependency: str) -> None:
        if dependency not in self._down:  # the common case, without the lock
            return
        with self._lock:
            down = self._down.pop(dependency, None)
        if down is not None:
            log.warning("%s is available again after %.0f s", dependency, self._clock() - down.since)

    def is_down(self, dependency: str) -> bool:
        return dependency in self._down

    def status(self, dependency: str) -> dict[str, Any]:
        """``{"up": bool}`` plus, when down, since when and why (for /healthz)."""
        down = self._down.get(dependency)
        if down is None:
            return {"up": True}
        return {"up": False, "reason": down.reason,
                "since": datetime.fromtimestamp(down.since, UTC).isoformat(timespec="seconds")}
