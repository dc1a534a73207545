"""Tokenisation is safe when the LINE worker, the webhook and Alexa answer at the same time.

A SudachiPy tokenizer raises "Tokenizer is already in use" when two threads call it at
once; ``text.sudachi`` therefore gives each thread its own tokenizer over one shared
dictionary. Every call from many threads must succeed and equal the single-threaded result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.garbage.matcher import reading_of
from text.tokenize import index_tokens, tokenize

THREADS = 8
ROUNDS = 150
TEXTS = (
    "Wi-Fiのパスワードを教えてください",
    "明日のごみは何ですか？燃やせるごみの日ですか",
    "ぱすわーどおしえて",
    "ペットボトルのキャップはどうやって捨てればいいですか",
    "次の女満別空港行きのバスは何時に出ますか",
    "How do I use the washing machine in the house?",
    "灯油ポリタンク（空のもの）と割りばし、乾電池",
    "チェックアウトは何時までですか。鍵はどこに返しますか",
)


def _hammer(fn: Callable[[str], object]) -> None:
    expected = {text: fn(text) for text in TEXTS}
    failures: list[str] = []
    mismatches: list[str] = []
    start = threading.Barrier(THREADS)

    def work(offset: int) -> None:
        start.wait()
        for i in range(ROUNDS):
            text = TEXTS[(i + offset) % len(TEXTS)]
            try:
                got = fn(text)
            except Exception as exc:  # noqa: BLE001 - every failure is counted, not raised
                failures.append(f"{text!r}: {exc}")
                continue
            if got != expected[text]:
                mismatches.append(f"{text!r}: {got!r} != {expected[text]!r}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [], f"{len(failures)} of {THREADS * ROUNDS} calls failed, e.g. {failures[:3]}"
    assert mismatches == [], mismatches[:3]


def test_retrieval_tokenisation_from_many_threads() -> None:
    _hammer(tokenize)


def test_index_tokens_from_many_threads() -> None:
    _hammer(index_tokens)


def test_sorting_readings_from_many_threads() -> None:
    _hammer(reading_of)
