"""Tests of nbresponses.offline._recall: the stand-in quotes the earlier message a question is about, and names."""

from __future__ import annotations

from nbresponses.offline._recall import recall


def test_a_name_and_the_message_it_was_given_in() -> None:
    found = recall("What is my name?", ["Hello!", "My name is Ada and I write compilers."])
    assert found is not None and found.name == "Ada" and found.quote.startswith("My name is Ada")
    assert found.text().startswith("Your name is Ada. Earlier you said: “My name is Ada")
    assert "messages ago" in found.text()  # an explicit question about the conversation says where


def test_the_first_message_and_the_best_match() -> None:
    earlier = ["The code word is heron.", "I like tea.", "Tea is better hot."]
    first = recall("What did I tell you first?", earlier)
    assert first is not None and first.quote == earlier[0] and first.ago == 3
    tea = recall("Which tea do I like?", earlier)
    assert tea is not None and tea.quote == "Tea is better hot."  # the latest of the best matches
    assert recall("Summarise photosynthesis.", earlier) is None  # asks nothing about them
    assert recall("What is my name?", []) is None


def test_chinese_questions_are_answered_in_chinese() -> None:
    found = recall("我叫什么名字？", ["你好", "我叫小明，我住在上海"])
    assert found is not None and found.chinese and found.name == "小明"
    assert found.text().startswith("你叫小明。你之前说过：“我叫小明")
