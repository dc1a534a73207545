"""Limits every channel shares, each defined once."""

from __future__ import annotations

#: Longer questions get a polite request to shorten them (LINE allows 5,000 characters).
MAX_QUESTION_CHARS = 1000
