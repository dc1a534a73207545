"""Mutated request bodies for fuzzing the LINE webhook and the Alexa endpoint.

Each body starts from a real shape (LINE's own SDK fixture payloads, an Alexa envelope)
and is broken in one way a client or an attacker could: a key dropped, a value of the
wrong type, a lone UTF-16 surrogate, deep nesting, huge strings, truncation, bytes that
are not UTF-8. The caller signs the result, so the mutation reaches the code behind the
signature check. Deterministic for a given ``random.Random``. No pytest dependency
(bench/ uses it too).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from fakes.alexa_envelope import envelope
from fakes.line_harness import PAYLOADS, adapt, group_mention

ODD_VALUES: list[Any] = [
    None, "", 0, -1, 2**63, 1e308, True, [], {}, "x" * 5000, "\ud800", "\udfff lone low", "🙂" * 50,
    "\u202eRTL", "\x00\x01", "１２３", "2026-02-30", "null", "<script>", {"type": "text"}, [None, {}],
    "Wi-Fi\ud83dのパスワード",
]
LINE_BASES = ("text-group", "text-mention", "text-user", "sticker", "image", "join", "leave", "follow",
              "member_joined", "postback", "unsend", "unknown", "webhook-redelivery", "location")
ALEXA_INTENTS: list[tuple[str | None, dict[str, str]]] = [
    (None, {}), ("AMAZON.HelpIntent", {}), ("AskQuestionIntent", {"query": "Wi-Fiのパスワード"}),
    ("GarbageDayIntent", {"date": "2026-12-04"}), ("SortingIntent", {"item": "電池"}),
    ("NextBusIntent", {"destination": "空港"}), ("MorningBriefingIntent", {}), ("AMAZON.StopIntent", {}),
]


def line_body(rng: random.Random) -> bytes:
    """A mutated LINE webhook body (one or a few events)."""
    base = rng.choice(LINE_BASES)
    if base == "text-mention":
        event = group_mention(rng.choice(["Wi-Fiのパスワードは？", "明日のごみは？", "次のバスは？"]))
    else:
        event = json.loads((PAYLOADS / "java-sdk-callback" / f"{base}.json").read_text())["events"][0]
        if rng.random() < 0.5:
            event = adapt(event)
    payload: Any = {"destination": "Uab012345678901234567890123456789", "events": [event]}
    return _mutate(payload, rng)


def alexa_body(rng: random.Random, now: datetime, skill_id: str) -> bytes:
    """A mutated Alexa request envelope (fresh timestamp, so a valid signature gets through)."""
    intent, slots = rng.choice(ALEXA_INTENTS)
    env = envelope(intent, locale=rng.choice(["ja-JP", "en-US"]), slots=dict(slots), now=now, skill_id=skill_id)
    return _mutate(env, rng)


def _mutate(payload: Any, rng: random.Random) -> bytes:
    kind = rng.choices(list(_MUTATIONS), weights=[w for w, _ in _MUTATIONS.values()])[0]
    return _MUTATIONS[kind][1](copy.deepcopy(payload), rng)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key/index path inside a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _parent(payload: Any, path: tuple[Any, ...]) -> Any:
    node = payload
    for step in path[:-1]:
        node = node[step]
    return node


def _dump(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=True).encode()


def _drop_key(payload: Any, rng: random.Random) -> bytes:
    paths = [p for p in _paths(payload) if isinstance(_parent(payload, p), dict)]
    if paths:
        path = rng.choice(paths)
        del _parent(payload, path)[path[-1]]
    return _dump(payload)


def _odd_value(payload: Any, rng: random.Random) -> bytes:
    paths = list(_paths(payload))
    for _ in range(rng.randint(1, 3)):
        if paths:
            path = rng.choice(paths)
            try:
                _parent(payload, path)[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
            except (KeyError, IndexError, TypeError):
                pass
            paths = list(_paths(payload))
    return _dump(payload)


def _deep(payload: Any, rng: random.Random) -> bytes:
    """A value nested hundreds or thousands of levels deep (spliced in as text: the json
    module cannot even write what it would refuse to read)."""
    paths = list(_paths(payload))
    sentinel = "__deep_value__"
    if paths:
        path = rng.choice(paths)
        try:
            _parent(payload, path)[path[-1]] = sentinel
        except (KeyError, IndexError, TypeError):
            pass
    depth = rng.choice([40, 200, 900, 3000, 20000])
    opener, closer = ("[", "]") if rng.random() < 0.5 else ('{"n":', "}")
    deep = opener * depth + '"deep"' + closer * depth
    return _dump(payload).replace(f'"{sentinel}"'.encode(), deep.encode(), 1)


def _many_events(payload: Any, rng: random.Random) -> bytes:
    if isinstance(payload, dict) and isinstance(payload.get("events"), list) and payload["events"]:
        payload["events"] = payload["events"] * rng.choice([2, 30, 200])
    return _dump(payload)


def _surrogate_text(payload: Any, rng: random.Random) -> bytes:
    text = _dump(payload).decode()
    return text.replace("\\u", "\\ud800\\u", 1).encode() if rng.random() < 0.5 else \
        text.replace('"', '"\\udc00', 1).encode()


def _truncate(payload: Any, rng: random.Random) -> bytes:
    raw = _dump(payload)
    return raw[: rng.randrange(0, max(1, len(raw)))]


def _bad_bytes(payload: Any, rng: random.Random) -> bytes:
    raw = bytearray(_dump(payload))
    for _ in range(rng.randint(1, 4)):
        raw.insert(rng.randrange(0, len(raw) + 1), rng.choice([0xFF, 0xC0, 0x80, 0xED, 0x00]))
    return bytes(raw)


def _flip(payload: Any, rng: random.Random) -> bytes:
    raw = bytearray(_dump(payload))
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(raw))
        raw[i] = rng.randrange(32, 127)
    return bytes(raw)


def _huge(payload: Any, rng: random.Random) -> bytes:
    if isinstance(payload, dict):
        payload["padding"] = "あ" * rng.choice([10_000, 300_000, 1_500_000])
    return _dump(payload)


def _other_json(payload: Any, rng: random.Random) -> bytes:
    return rng.choice([b"", b"null", b"[]", b"{}", b'"text"', b"123", b"NaN", b"{\"events\": null}",
                       b"{\"events\": {}}", b"{\"request\": []}", b"\xef\xbb\xbf{}"])


def _unchanged(payload: Any, rng: random.Random) -> bytes:
    return _dump(payload)


_MUTATIONS: dict[str, tuple[int, Callable[[Any, random.Random], bytes]]] = {
    "unchanged": (1, _unchanged),
    "drop_key": (4, _drop_key),
    "odd_value": (6, _odd_value),
    "deep": (2, _deep),
    "many_events": (1, _many_events),
    "surrogate": (2, _surrogate_text),
    "truncate": (2, _truncate),
    "bad_bytes": (2, _bad_bytes),
    "flip": (2, _flip),
    "huge": (1, _huge),
    "other_json": (1, _other_json),
}
