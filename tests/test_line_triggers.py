"""When the bot is addressed in a group, and which texts are commands (pure functions)."""

from __future__ import annotations

from bot.line.triggers import Command, Span, addressed_text, is_bare_bind, parse_command

NAMES = ["concierge", "コンシェルジュ", "Stay Concierge"]


def test_a_self_mention_is_removed_from_the_question() -> None:
    assert addressed_text("@Stay Concierge Wi-Fi?", [Span(0, 15, True)], NAMES) == "Wi-Fi?"


def test_mention_positions_are_counted_in_utf16_like_line_does() -> None:
    text = "🍎🍎 @Stay Concierge ごみの日は？"
    assert addressed_text(text, [Span(5, 15, True)], NAMES) == "🍎🍎  ごみの日は？".strip()


def test_a_mention_of_another_member_does_not_address_the_bot() -> None:
    assert addressed_text("@Brown Wi-Fi?", [Span(0, 6, False)], NAMES) is None


def test_half_and_full_width_question_marks_address_the_bot() -> None:
    assert addressed_text("?wifi", [], NAMES) == "wifi"
    assert addressed_text("？ ごみの日は？", [], NAMES) == "ごみの日は？"


def test_a_leading_bot_name_addresses_the_bot_but_a_longer_word_does_not() -> None:
    assert addressed_text("コンシェルジュ、バスは？", [], NAMES) == "バスは？"
    assert addressed_text("＠Stay Concierge: bus?", [], NAMES) == "bus?"
    assert addressed_text("Conciergerie is closed", [], NAMES) is None


def test_ordinary_chat_is_not_addressed() -> None:
    assert addressed_text("明日のごみ当番だれ？", [], NAMES) is None


def test_commands_are_recognised_in_half_and_full_width() -> None:
    assert parse_command("bind abcd-2345") == Command("bind", "ABCD2345")
    assert parse_command("ｂｉｎｄ　ＡＢＣＤ２３４５") == Command("bind", "ABCD2345")
    assert parse_command("bind") == Command("bind", "")
    assert parse_command("morning on") == Command("morning", "on")
    assert parse_command("朝のお知らせ オフ") == Command("morning", "off")
    assert parse_command("/unanswered") == Command("unanswered")
    assert parse_command("bindings are hard") is None
    assert parse_command("Wi-Fi password?") is None


def test_only_a_complete_bind_message_counts_without_a_mention() -> None:
    assert is_bare_bind("bind ABCD-2345")
    assert not is_bare_bind("bind me to the mast")
