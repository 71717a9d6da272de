"""Words of a text in any script, for the stand-in model's matching (pure).

Alphabetic scripts (Latin, Cyrillic, Greek, ...) split into words; Chinese, Japanese and Korean, written without
spaces, into overlapping character pairs. Function words count for nothing, so "What is my name?" and "My name is
Ada" share *name*, and 我住在哪里？ and 我住在上海 share 我住 and 住在. A possessive ending is dropped, so "my dog's
name" and "My dog is Rex" meet (plurals are kept apart: recall quotes what was said about the very thing asked;
tool matching makes them singular, `singular`).
"""

from __future__ import annotations

import functools
import re

__all__ = ["CJK", "content_words", "is_question", "language", "mostly_cjk", "overlap", "singular"]

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
"""Kana, CJK ideographs and Hangul: scripts written without spaces between words."""
_CJK_RUN = re.compile(f"[{CJK}]+")
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af]")
_POSSESSIVE = re.compile("['’]s$")
_WORD = re.compile(rf"(?:[^\W\d_{CJK}]|['’-])+|\d+(?:[.,]\d+)?")
_CJK_FUNCTION = frozenset(
    "的了吗呢吧啊呀是在有和与及或也都就还又很太我你他她它们这那哪谁什么怎几个请问说过吗么之其被把给"
)
_STOP = frozenset(  # a word list reads best as text
    """a an the and or but if of to in on at by for with from as is are was were be been being am do does did
    have has had i me my mine you your yours he him his she her it its we us our they them their this that these
    those what which who whom whose when where why how there here not no yes so than then too very can could will
    would should shall may might must just also only about into over under again please tell say said give show
    let know think want like use using call run get set make reply answer question word words one thing things
    i'm i've i'll i'd you're you've we're they're don't doesn't didn't can't won't isn't aren't
    le la les un une des de du et ou est sont je tu il elle nous vous ils elles que qui quoi mon ma mes ton ta
    el los las y o es son yo mi mis su sus der die das und oder ist sind ich mein meine du dein wie was wer""".split()  # noqa: SIM905
)
_QUESTION = re.compile(
    r"[?？]|^\s*(what|who|when|where|which|why|how|whose|is|are|do|does|did|can|could|was|were|qu[eé]|qui|"
    r"wann|wo|wer|wie|was|c[oó]mo|cu[aá]ndo|d[oó]nde)\b|什么|谁|哪|几|吗|呢|多少|怎么|何|誰|どこ|いつ|무엇|누구",
    re.IGNORECASE,
)


def _word(raw: str) -> str | None:
    """A word as matching compares it: lower case, no possessive ending; None for a function word."""
    word = _POSSESSIVE.sub("", raw.lower().strip("'’-")).strip("'’-")
    return None if len(word) < 2 or word in _STOP else word


def singular(word: str) -> str:
    """``word`` without an English plural ending (cities → city, shares → share), for matching tool words."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and len(word) > 3 and not word.endswith(("ss", "us", "is")) and word.isalpha():
        return word[:-1]
    return word


def _pairs(run: str) -> list[str]:
    if len(run) == 1:
        return [run] if run not in _CJK_FUNCTION else []
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    return [p for p in pairs if not all(ch in _CJK_FUNCTION for ch in p)]


@functools.lru_cache(maxsize=4096)  # a long thread asks about the same earlier messages turn after turn
def content_words(text: str) -> frozenset[str]:
    """The words that carry meaning (lower-cased; CJK as character pairs), function words left out."""
    found = {w for w in map(_word, _WORD.findall(text)) if w is not None}
    for run in _CJK_RUN.findall(text):
        found.update(_pairs(run))
    return frozenset(found)


def overlap(a: str, b: str) -> int:
    """How many content words two texts share."""
    return len(content_words(a) & content_words(b))


def is_question(text: str) -> bool:
    """Whether ``text`` asks something (a question mark in any script, or a question word first)."""
    return bool(_QUESTION.search(text))


def language(text: str) -> str:
    """The language a stand-in answers ``text`` in: ``"ja"`` (kana), ``"ko"`` (Hangul), ``"zh"`` when most of it is
    CJK otherwise, else ``"en"`` (the stand-in speaks no other language)."""
    if not mostly_cjk(text):
        return "en"
    if _KANA.search(text):
        return "ja"
    return "ko" if _HANGUL.search(text) else "zh"


def mostly_cjk(text: str) -> bool:
    """Whether most letters of ``text`` are CJK (the stand-in then answers in that language: `language`)."""
    cjk = sum(len(run) for run in _CJK_RUN.findall(text))
    letters = sum(1 for ch in text if ch.isalpha())
    return cjk > 0 and cjk * 2 >= letters
