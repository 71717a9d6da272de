"""What the stand-in model knows across languages: the words of what tools do, and names in CJK text (pure).

A tool is described in one language and asked about in another: "Get the current weather for a city" and
北京天气怎么样？ share nothing letter by letter. `concepts` adds, for each glossary term a text contains, its English
word (天气, 天氣, 天気 → weather), so both sides meet on the same words. The glossary is small and about what
tools do (weather, prices, distances, search, mail...), not a dictionary.

Chinese and Japanese are written without spaces, so the names a question is about (北京, 東京, 苹果) are what is left
of a run of characters once the words around them are taken out: question words (怎么样, 什么), time words
(今天), requests (帮我查一下), particles (的, 了, and Japanese hiragana), and the glossary's terms (天气): the names
are never those. `cjk_segments` gives those names in order, `cjk_list` the ones written as a list (北京和上海).
"""

from __future__ import annotations

import functools
import re

from ._words import CJK, content_words, singular

__all__ = ["GLOSSARY", "cjk_list", "cjk_segments", "concepts"]

GLOSSARY: dict[str, tuple[str, ...]] = {
    "weather": ("天气", "天氣", "天気", "气象", "氣象", "날씨"),
    "temperature": ("温度", "气温", "氣溫", "気温", "기온"),
    "forecast": ("预报", "預報", "予報", "예보"),
    "rain": ("下雨", "降雨", "雨天"),
    "distance": ("距离", "距離", "多远", "多遠", "거리"),
    "travel": ("旅行", "出行", "行程", "路程", "여행"),
    "route": ("路线", "路線", "ルート", "导航", "導航"),
    "time": ("时间", "時間", "几点", "幾點", "시간"),
    "timezone": ("时区", "時區", "時差"),
    "date": ("日期", "日付", "날짜"),
    "calendar": ("日历", "日曆", "日程", "カレンダー", "予定"),
    "price": ("价格", "價格", "価格", "多少钱", "多少錢", "股价", "股價", "株価", "가격"),
    "stock": ("股票", "股价", "股價", "株価", "株式", "주식"),
    "exchange": ("汇率", "匯率", "為替", "환율"),
    "currency": ("货币", "貨幣", "通貨", "汇率", "匯率"),
    "convert": ("换算", "換算", "转换", "轉換", "変換"),
    "translate": ("翻译", "翻譯", "翻訳", "번역"),
    "search": ("搜索", "搜尋", "检索", "檢索", "検索", "查找", "검색"),
    "news": ("新闻", "新聞", "ニュース", "뉴스"),
    "email": ("邮件", "郵件", "电邮", "電郵", "メール", "이메일"),
    "send": ("发送", "發送", "送信"),
    "flight": ("航班", "机票", "機票", "フライト", "항공편"),
    "hotel": ("酒店", "宾馆", "賓館", "旅馆", "ホテル", "호텔"),
    "restaurant": ("餐厅", "餐廳", "饭店", "飯店", "レストラン", "식당"),
    "booking": ("预订", "預訂", "预约", "預約", "予約", "예약"),
    "order": ("订单", "訂單", "注文", "주문"),
    "population": ("人口", "인구"),
    "location": ("位置", "地点", "地點", "所在地", "위치"),
    "map": ("地图", "地圖", "地図", "지도"),
    "calculate": ("计算", "計算", "算一下", "계산"),
    "reminder": ("提醒", "リマインダー", "알림"),
    "music": ("音乐", "音樂", "音楽", "음악"),
    "user": ("用户", "用戶", "ユーザー", "사용자"),
    "file": ("文件", "档案", "檔案", "ファイル", "파일"),
    "document": ("文档", "文檔", "ドキュメント", "문서"),
}
"""English word → the terms that mean it in Chinese (simplified, traditional), Japanese and Korean."""
RELATED: dict[str, frozenset[str]] = {  # word lists read best as text
    "weather": frozenset("rain raining rainy snow snowing sunny cloudy wind windy forecast".split()),  # noqa: SIM905
    "distance": frozenset("far km kilometer mile travel route".split()),  # noqa: SIM905
    "stock": frozenset("ticker share nasdaq".split()),  # noqa: SIM905
    "email": frozenset("mail inbox".split()),  # noqa: SIM905
}
"""A topic → words that are about it: "Is it raining in Oslo?" is about the weather."""

_TERMS = {term: word for word, terms in GLOSSARY.items() for term in terms}
_FILLERS = frozenset(  # a word list reads best as text: questions, time, requests, particles and pronouns
    """怎么样 怎麼樣 怎样 怎樣 如何 什么 什麼 多少 哪里 哪裡 哪儿 哪个 哪個 为什么 為什麼 是否
    有没有 有沒有 是不是 どう 何
    今天 明天 后天 後天 昨天 现在 現在 目前 最近 本周 这周 這週 今年 今日 明日
    请问 請問 请 請 帮我 幫我 帮忙 幫忙 给我 給我 告诉我 告訴我 我想知道 想知道 查询 查詢 查一下 查查 看一下 看看 一下
    比较 比較 对比 對比 区别 區別 不同 分别 分別 之间 之間 以及 还有 還有
    的 得 在 呢 吗 嗎 吧 啊 了 是 有 也 我 你 们 們 这 這 那 个 個 从 從 到 去 查 算 会 會 能 要 将 將
    可以""".split()  # noqa: SIM905
)
_SEPARATORS = "和与與及或跟、，,"
_FILLER = re.compile(
    "|".join(re.escape(t) for t in sorted({*_FILLERS, *_TERMS}, key=len, reverse=True)) + "|[\u3040-\u309f]+"
)  # hiragana: Japanese particles and endings, never a name written in kanji or katakana
_JAPANESE_AND = re.compile(
    "(?<=[\u30a0-\u30ff\u4e00-\u9fff])[とや](?=[\u30a0-\u30ff\u4e00-\u9fff])"
)  # 大阪と京都
_CJK_RUN = re.compile(f"[{CJK}{_SEPARATORS}]+")
_SEGMENT = re.compile(f"[^\0{_SEPARATORS}]+")
_LIST = re.compile(f"[^\0{_SEPARATORS}]+(?:[{_SEPARATORS}]+[^\0{_SEPARATORS}]+)+")


@functools.lru_cache(maxsize=1024)
def concepts(text: str) -> frozenset[str]:
    """`content_words` of ``text``, the English words of the glossary terms it contains, and their topics."""
    words = {singular(w) for w in content_words(text)} | {
        word for term, word in _TERMS.items() if term in text
    }
    return frozenset(words | {topic for topic, related in RELATED.items() if words & related})


def _masked(text: str) -> list[str]:
    """Each CJK run of ``text`` with what is not a name replaced by NUL (list separators kept)."""
    runs = (_JAPANESE_AND.sub("、", run) for run in _CJK_RUN.findall(text))
    return [_FILLER.sub("\0", run) for run in runs]


def _named(segment: str) -> bool:
    return len(segment) > 1 or bool(re.fullmatch("[\u30a0-\u30ff]", segment))


def cjk_segments(text: str) -> list[str]:
    """The names a CJK text is about, in order: 北京天气怎么样？ → [北京]; 東京の天気は？ → [東京]."""
    found: list[str] = []
    for run in _masked(text):
        found += [s for s in _SEGMENT.findall(run) if _named(s) and s not in found]
    return found


def cjk_list(text: str) -> list[str]:
    """The names of the first CJK list in ``text``: 北京和上海的天气怎么样？ → [北京, 上海]; else []."""
    for run in _masked(text):
        for listed in _LIST.findall(run):
            names = [s for s in re.split(f"[{_SEPARATORS}]+", listed) if _named(s)]
            if len(names) > 1:
                return names
    return []
