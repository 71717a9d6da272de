"""What the stand-in model remembers: names and facts stated earlier, in any language (pure).

It does not understand; it quotes. A prompt that asks about the conversation ("What is my name?", "What is the
code word?", 我叫什么名字？, "What did I tell you first?") is answered with the earlier message that shares the
most content words with it (or the first one, when asked about the start), quoted exactly as it was said, and a
name when one was given ("my name is ...", 我叫..., "je m'appelle ...", 私の名前は...です). Facts are what was
stated: an earlier question is not quoted back as one ("What is my dog's name?" told nothing), unless the prompt
asks what was asked. The answer is in the prompt's language where the stand-in has one (English, Chinese,
Japanese, Korean).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._words import content_words, is_question, language

__all__ = ["Recall", "recall"]

_ASKS_RECALL = re.compile(
    r"\b(earlier|before|first|previous(ly)?|remember|recall|did i (say|ask|tell|mention)|what did i|my name)\b|"
    r"记得|记住|之前|刚才|前面|说过|告诉过|我叫什么|名字|覚えて|さっき|前に",
    re.IGNORECASE,
)
_ASKS_FIRST = re.compile(r"\bfirst\b|第一|最初|最早", re.IGNORECASE)
_ASKS_NAME = re.compile(  # one's own name or oneself, not "my dog's name"
    r"\b(my name|what am i called|who am i|about me|mi nombre|c[oó]mo me llamo|mon nom|comment je m'appelle|"
    r"mein name|wie hei(ß|ss)e ich)\b|我的名字|我叫什么|我叫甚麼|我是谁|我是誰|关于我|關於我"
    r"|(私|僕|俺)の名前|私について|내 이름|제 이름",
    re.IGNORECASE,
)
_ASKS_ASKED = re.compile(r"\b(did i ask|what did i ask|i asked|my (first |last |previous )?question)\b|问过|問過|问了|"
                         r"問了|问题|問題|質問|聞いた", re.IGNORECASE)  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s*")
_NAMES = (
    re.compile(r"\bmy name is ([A-Z][\w\-]*)", re.IGNORECASE),
    re.compile(r"\bcall me ([A-Z][\w\-]*)", re.IGNORECASE),
    re.compile(
        r"\b(?:me llamo|je m'appelle|ich hei(?:ß|ss)e|mein name ist|mi chiamo) ([A-ZÀ-Ý][\w\-]*)",
        re.IGNORECASE,
    ),
    re.compile(r"(?:我叫|我的名字是|我的名字叫|我名叫)\s*([^\s，。,.！!？?、；;：:]{1,8})"),
    re.compile(r"(?:私の名前は|私は)\s*([^\s，。,.！!？?、]{1,10}?)(?:です|と申します)"),
)


@dataclass(frozen=True)
class Recall:
    """What to say back: the earlier message quoted, a name, how far back it was, in the prompt's language."""

    quote: str
    name: str | None
    ago: int
    last: str | None
    language: str = "en"
    asked: bool = False  # the quote is a question the prompt asked about

    def text(self) -> str:
        """The answer's sentences."""
        quote, asked = self.quote[:300], self.asked
        if self.language == "zh":
            said = f"你之前问过：“{quote}”" if asked else f"你之前说过：“{quote}”"
            return (f"你叫{self.name}。" if self.name else "") + said
        if self.language == "ja":
            said = f"先ほど「{quote}」とお尋ねでした。" if asked else f"先ほど「{quote}」とおっしゃいました。"
            return (f"あなたの名前は{self.name}です。" if self.name else "") + said
        if self.language == "ko":
            said = f"앞서 “{quote}”라고 물으셨습니다." if asked else f"앞서 “{quote}”라고 말씀하셨습니다."
            return (f"이름은 {self.name}입니다. " if self.name else "") + said
        parts = [f"Your name is {self.name}."] if self.name else []
        parts.append(f"Earlier you {'asked' if asked else 'said'}: “{quote}”.")
        if self.last is not None:
            parts.append(
                f"That was {self.ago} messages ago; the last one before this was “{self.last[:200]}”."
            )
        return " ".join(parts)


def statements(text: str) -> str:
    """The sentences of ``text`` that state something (its questions left out)."""
    return " ".join(s for s in _SENTENCE.split(text) if s.strip() and not is_question(s))


def _name(texts: list[str]) -> str | None:
    for text in reversed(texts):
        for pattern in _NAMES:
            found = pattern.findall(statements(text))
            if found:
                return str(found[-1]).strip()
    return None


def recall(prompt: str, earlier: list[str]) -> Recall | None:
    """What to recall from ``earlier`` user messages (oldest first) for ``prompt``, or None if it asks nothing."""
    explicit = bool(_ASKS_RECALL.search(prompt))
    if not earlier or (not explicit and not is_question(prompt)):
        return None
    about_questions = bool(_ASKS_ASKED.search(prompt))
    said = earlier if about_questions else [statements(text) for text in earlier]
    candidates = [i for i, text in enumerate(said) if text]
    if not candidates:
        return None
    asked = content_words(prompt)
    scores = {i: len(asked & content_words(said[i])) for i in candidates}
    best = max(candidates, key=lambda i: (scores[i], i))  # the latest of the best matches
    if _ASKS_FIRST.search(prompt) or (explicit and scores[best] == 0):
        best = candidates[0]
    elif scores[best] == 0:
        return None
    many = explicit and len(earlier) > 1
    return Recall(
        quote=earlier[best],
        name=_name(earlier) if _ASKS_NAME.search(prompt) else None,
        ago=len(earlier) - best,
        last=earlier[-1] if many else None,
        language=language(prompt),
        asked=about_questions and is_question(earlier[best]),
    )
