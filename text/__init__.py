"""Text handling shared by ingest and answering: folding, English words, tokenisation,
language detection, the phrase catalogue and date formatting.

Why a package of its own: ingest must not import ``bot``, yet both sides must fold,
tokenise and word things identically. ``text`` imports nothing from ``bot``, ``ingest`` or
``skills`` (tests/test_architecture.py checks it).
"""
