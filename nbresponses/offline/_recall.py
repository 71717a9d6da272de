"""What the stand-in model remembers: names and facts stated earlier, in any language (pure).

It does not understand; it quotes. A prompt that asks about the conversation ("What is my name?", "What is the
code word?", 我叫什么名字？, "What did I tell you first?") is answered with the earlier message that shares the
most content words with it (or the first one, when asked about the start), quoted exactly as it was said, and a
name when one was given ("my name is ...", 我叫..., "je m'appelle ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._words import content_words, is_question, mostly_cjk

__all__ = ["Recall", "recall"]

_ASKS_RECALL = re.compile(
    r"\b(earlier|before|first|previous(ly)?|remember|recall|did i (say|ask|tell|mention)|what did i|my name)\b|"
    r"记得|记住|之前|刚才|前面|说过|告诉过|我叫什么|名字|覚えて|さっき|前に",
    re.IGNORECASE,
)
_ASKS_FIRST = re.compile(r"\bfirst\b|第一|最初|最早", re.IGNORECASE)
_ASKS_NAME = re.compile(r"\bname\b|名字|叫什么|我是谁|名前|nombre|\bnom\b|\bName\b", re.IGNORECASE)
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
    """What to say back: the earlier message quoted, a name, and how far back it was."""

    quote: str
    name: str | None
    ago: int
    last: str | None
    chinese: bool

    def text(self) -> str:
        """The answer's sentences."""
        if self.chinese:
            parts = [f"你叫{self.name}。"] if self.name else []
            parts.append(f"你之前说过：“{self.quote[:300]}”")
            return "".join(parts)
        parts = [f"Your name is {self.name}."] if self.name else []
        parts.append(f"Earlier you said: “{self.quote[:300]}”.")
        if self.last is not None:
            parts.append(
                f"That was {self.ago} messages ago; the last one before this was “{self.last[:200]}”."
            )
        return " ".join(parts)


def _name(texts: list[str]) -> str | None:
    for text in reversed(texts):
        for pattern in _NAMES:
            found = pattern.findall(text)
            if found:
                return str(found[-1]).strip()
    return None


def recall(prompt: str, earlier: list[str]) -> Recall | None:
    """What to recall from ``earlier`` user messages (oldest first) for ``prompt``, or None if it asks nothing."""
    if not earlier:
        return None
    explicit = bool(_ASKS_RECALL.search(prompt))
    if not explicit and not is_question(prompt):
        return None
    asked = content_words(prompt)
    scores = [len(asked & content_words(text)) for text in earlier]
    best = max(range(len(earlier)), key=lambda i: (scores[i], i))  # the latest of the best matches
    if _ASKS_FIRST.search(prompt) or (explicit and scores[best] == 0):
        best = 0
    elif scores[best] == 0:
        return None
    name = _name(earlier) if _ASKS_NAME.search(prompt) or explicit else None
    many = explicit and len(earlier) > 1
    return Recall(
        quote=earlier[best],
        name=name,
        ago=len(earlier) - best,
        last=earlier[-1] if many else None,
        chinese=mostly_cjk(prompt),
    )
