"""Tests of nbresponses.offline._words: content words in any script, for the stand-in model's matching."""

from __future__ import annotations

from nbresponses.offline._words import content_words, is_question, language, mostly_cjk, overlap, singular


def test_function_words_count_for_nothing() -> None:
    assert content_words("What is my name?") == {"name"}
    assert overlap("What is my name?", "My name is Ada") == 1
    assert content_words("The price is 3.50 and it's fine") >= {"price", "3.50", "fine"}


def test_cjk_splits_into_character_pairs_without_function_words() -> None:
    asked, said = content_words("我住在哪里？"), content_words("我住在上海")
    assert {"我住", "住在"} <= asked & said and "上海" in said
    assert overlap("北京的天气", "天气预报") == 1


def test_questions_in_several_languages() -> None:
    for text in ("Where is it?", "how does this work", "你叫什么名字", "¿Dónde está?", "Wie spät ist es"):
        assert is_question(text), text
    assert not is_question("Please summarise the report.")


def test_mostly_cjk() -> None:
    assert mostly_cjk("我住在上海") and mostly_cjk("我住在 Shanghai 上海市中心")
    assert not mostly_cjk("I live in 上海 with my family") and not mostly_cjk("")


def test_possessive_endings_are_dropped_and_plurals_made_singular_on_request() -> None:
    assert content_words("What's my dog's name?") == {"dog", "name"}
    assert overlap("What's my dog's name?", "My dog is called Rex.") == 1
    assert content_words("the boss’s tips and shapes") == {"boss", "tips", "shapes"}
    assert content_words("I'm sure it's theirs") == {"sure", "theirs"}
    assert [singular(w) for w in ("cities", "shares", "news", "glass", "bus", "analysis")] == [
        "city", "share", "new", "glass", "bus", "analysis",
    ]  # fmt: skip


def test_language_tells_japanese_and_korean_from_chinese() -> None:
    assert language("私の名前は何ですか？") == "ja" and language("我叫什么名字？") == "zh"
    assert language("제 이름이 뭐예요?") == "ko" and language("What is my name?") == "en"
    assert language("I live in 東京") == "en"
