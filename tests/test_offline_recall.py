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
    assert found is not None and found.language == "zh" and found.name == "小明"
    assert found.text().startswith("你叫小明。你之前说过：“我叫小明")


def test_questions_are_not_facts_unless_what_was_asked_is_asked() -> None:
    earlier = ["What is my favourite colour and my dog's name?", "My dog is called Rex. What's yours called?"]
    found = recall("What's my dog's name?", earlier)
    assert found is not None and found.quote == earlier[1] and found.name is None
    assert recall("What's my dog's name?", earlier[:1]) is None  # only a question: nothing was told
    asked = recall("What did I ask first?", earlier)
    assert asked is not None and asked.quote == earlier[0]
    assert asked.text().startswith("Earlier you asked: “What is my favourite colour")
    chinese = recall("我之前问过什么问题？", ["北京有多少人？"])
    assert chinese is not None and chinese.text() == "你之前问过：“北京有多少人？”"


def test_a_name_is_given_for_ones_own_name_only() -> None:
    earlier = ["My name is Zed.", "My dog is called Rex."]
    own = recall("Do you remember my name?", earlier)
    assert own is not None and own.name == "Zed"
    about = recall("What do you remember about me?", earlier)
    assert about is not None and about.name == "Zed"
    pet = recall("Do you remember my dog's name?", earlier)
    assert pet is not None and pet.name is None and pet.quote == "My dog is called Rex."
    assert recall("私の名前は？", ["私の名前は何ですか？"]) is None  # a question names no one


def test_japanese_and_korean_are_answered_in_their_language() -> None:
    japanese = recall("私の名前は何ですか？", ["私の名前は田中です。"])
    assert japanese is not None and japanese.language == "ja"
    assert japanese.text() == "あなたの名前は田中です。先ほど「私の名前は田中です。」とおっしゃいました。"
    korean = recall("제 이름 기억나요?", ["안녕하세요", "제 이름은 민수예요."])
    assert korean is not None and korean.language == "ko" and korean.text().endswith("라고 말씀하셨습니다.")
