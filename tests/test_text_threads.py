"""Tokenisation is safe when the LINE worker, the webhook and Alexa answer at the same time.

A SudachiPy tokenizer raises "Tokenizer is already in use" when two threads call it at
once; ``text.sudachi`` therefore gives each thread its own tokenizer over one shared
dictionary. Every call from many threads must succeed and equal the single-threaded result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.garbage.matcher import reading_of
from text.segment import nouns
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


def _hammer(fn: Callable[[str], object], texts: tuple[str, ...] = TEXTS) -> None:
    expected = {text: fn(text) for text in texts}
    failures: list[str] = []
    mismatches: list[str] = []
    start = threading.Barrier(THREADS)

    def work(offset: int) -> None:
        start.wait()
        for i in range(ROUNDS):
            text = texts[(i + offset) % len(texts)]
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


#: Chinese and Korean questions (text.segment: jieba and Kiwi, loaded once per process)
FOREIGN = {
    "附近有没有中餐馆？想吃中国菜": "zh",
    "钥匙盒的密码是多少？": "zh",
    "晚上热水器出问题了，应该打给谁？": "zh",
    "역 근처에 환전소가 있어요?": "ko",
    "와이파이 비밀번호가 뭐예요?": "ko",
    "정원에서 바베큐 해도 돼요?": "ko",
}


def test_chinese_and_korean_nouns_from_many_threads() -> None:
    _hammer(lambda text: nouns(text, FOREIGN[text]), tuple(FOREIGN))
