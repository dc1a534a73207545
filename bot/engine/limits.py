"""Limits every channel shares, each defined once."""

from __future__ import annotations

from typing import Any

#: Longer questions get a polite request to shorten them (LINE allows 5,000 characters).
MAX_QUESTION_CHARS = 1000

#: Parsed JSON nested deeper than this is refused (400) by the LINE webhook and /alexa
#: before anything reads it: no real payload comes near it, and deep nesting is how junk
#: reaches a RecursionError.
MAX_JSON_DEPTH = 32


def json_depth_ok(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON ``value`` nests no deeper than ``limit``, checked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True
