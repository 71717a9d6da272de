"""Tests of nbresponses.offline._lexicon: tool words across languages, and the names in CJK text."""

from __future__ import annotations

from nbresponses.offline._lexicon import cjk_list, cjk_segments, concepts


def test_glossary_terms_meet_their_english_words() -> None:
    assert "weather" in concepts("北京天气怎么样？") and "weather" in concepts("東京の天気は？")
    assert "weather" in concepts("台北天氣如何") and "weather" in concepts("서울 날씨")
    assert {"distance", "population"} <= concepts("距离和人口") and "weather" in concepts(
        "What's the weather?"
    )
    assert concepts("苹果和香蕉有什么区别？").isdisjoint({"weather", "price", "distance"})
    assert "weather" in concepts("Is it raining in Oslo?") and "weather" in concepts("明天会下雨吗")
    assert "distance" in concepts("How far is Lyon from Nice?")


def test_the_names_a_cjk_text_is_about() -> None:
    assert cjk_segments("北京天气怎么样？") == ["北京"]
    assert cjk_segments("東京の天気はどうですか？") == ["東京"]  # hiragana are particles and endings
    assert cjk_segments("从北京到上海的距离是多少") == ["北京", "上海"]
    assert cjk_segments("中国的人口是多少？") == ["中国"]
    assert cjk_segments("What is the weather in Paris?") == []


def test_cjk_lists() -> None:
    assert cjk_list("北京和上海的天气怎么样？") == ["北京", "上海"]
    assert cjk_list("帮我查一下北京、上海和广州的天气") == ["北京", "上海", "广州"]
    assert cjk_list("苹果和香蕉有什么区别？") == ["苹果", "香蕉"]
    assert cjk_list("北京天气怎么样？") == [] and cjk_list("我叫小明，我住在上海") == []
    assert cjk_list("大阪と京都の天気を教えて") == ["大阪", "京都"]  # Japanese と between names joins them
    assert cjk_list("成都和西安明天会下雨吗？") == ["成都", "西安"]
