"""Splitting a growing Markdown answer into finished blocks and the tail still being written (pure).

A live view that re-sent the whole answer at each refresh would send bytes in proportion to the square of its
length. `BlockSplitter` finds where finished blocks end, so a view renders and sends each of them once and
re-renders only the tail. A block is finished when the next one has started: a line at the left margin after a
blank line (or after a heading, or a closing code fence) that does not continue a list. Those splits do not
change how the answer renders.

A tail that grows past ``max_tail`` characters without such a split (one long paragraph, a long code block or
table) is cut anyway where the cut does the least harm: after a sentence or line whose inline markup is closed;
a code block or table goes on in the next piece under its opening fence or header again. Those cuts are marked
(`Chunk.exact` is False): only the live view shows them, the final output renders the answer whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["BlockSplitter", "Chunk", "GrowingMarkdown"]

T = TypeVar("T")

_LIST_MARKER = re.compile(r"([-+*]|\d{1,9}[.)])([ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"#{1,6}([ \t]|$)")
_TABLE_RULE = re.compile(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_SOFT_CUT = re.compile(r"(?<=[.!?:;])[ \t]+|\n")
_SPACE = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class Chunk:
    """A finished piece of the answer: its Markdown as rendered alone, and whether the split after it is exact."""

    source: str
    exact: bool = True


def _balanced(text: str) -> bool:
    """Whether inline markup opened in ``text`` is closed (code spans, math, emphasis, link brackets)."""
    return (
        text.count("`") % 2 == 0
        and text.count("$") % 2 == 0
        and text.count("*") % 2 == 0
        and text.count("~~") % 2 == 0
        and text.count("[") == text.count("]")
        and text.count("(") >= text.count(")")
    )


class BlockSplitter:
    """Finds the finished blocks of a text that only grows (call `feed` with the whole text each time)."""

    def __init__(self, max_tail: int = 2000) -> None:
        self.max_tail = max_tail
        self.done = 0
        """``text[:done]`` is in finished chunks."""
        self._scan = 0  # complete lines before this offset were examined
        self._fence: tuple[str, int, str] | None = None  # (char, length, opening line) of an open code fence
        self._boundary_next = True  # the next non-blank line at the margin starts a new block
        self._table_head = ""  # header and rule lines of a table being written
        self._last_line = ""
        # Whether the last block at the margin is a list (a list item after a blank line goes on with it).
        self._in_list = False
        self._reopen = (
            ""  # what the tail needs in front of it: a fence or table header cut off by a forced split
        )

    def tail(self, text: str) -> str:
        """The Markdown still being written (what a view re-renders at each refresh)."""
        return self._reopen + text[self.done :]

    def feed(self, text: str) -> list[Chunk]:
        """The chunks finished since the last call (``text`` is the whole text so far)."""
        chunks: list[Chunk] = []
        end = text.rfind("\n") + 1
        while self._scan < end:
            line_end = text.index("\n", self._scan) + 1
            line = text[self._scan : line_end - 1]
            if self._starts_block(line) and self._scan > self.done:
                chunks.append(Chunk(self._reopen + text[self.done : self._scan]))
                self.done, self._reopen = self._scan, ""
            self._scan = line_end
        if len(text) - self.done > self.max_tail:
            chunks += self._force(text)
        return chunks

    def _starts_block(self, line: str) -> bool:
        """Read one complete line; whether a new top-level block starts with it."""
        if self._fence is not None:
            char, length, _ = self._fence
            stripped = line.strip()
            indent = len(line) - len(line.lstrip(" "))
            if indent < 4 and len(stripped) >= length and set(stripped) == {char}:
                self._fence = None
                self._boundary_next = True
            return False
        if not line.strip():
            self._boundary_next = True
            self._table_head = self._last_line = ""
            return False
        at_margin = not line[0].isspace()
        fence = _FENCE.match(line)
        heading = at_margin and _HEADING.match(line)
        starts = at_margin and (self._boundary_next or bool(fence) or bool(heading))
        if at_margin:
            item = bool(_LIST_MARKER.match(line))
            starts = starts and not (item and self._in_list)
            self._in_list = item
        if fence:
            marker = fence.group(1)
            self._fence = (marker[0], len(marker), line)
        self._boundary_next = bool(heading)
        if not self._table_head and "|" in self._last_line and "-" in line and _TABLE_RULE.match(line):
            self._table_head = f"{self._last_line}\n{line}\n"
        self._last_line = line
        return starts

    def _force(self, text: str) -> list[Chunk]:
        """Cut a tail that grew too long without a block boundary."""
        end = text.rfind("\n", self.done, len(text)) + 1
        if self._fence is not None or self._table_head:
            if end <= self.done:
                return []
            reopen = self._fence[2] + "\n" if self._fence is not None else self._table_head
            chunk = Chunk(self._reopen + text[self.done : end], exact=False)
            self.done, self._reopen, self._scan = end, reopen, max(self._scan, end)
            return [chunk]
        floor = self.done + self.max_tail // 2
        for pattern in (_SOFT_CUT, _SPACE):  # after a sentence or line if there is one, else between words
            cuts = [m.end() for m in pattern.finditer(text, floor, len(text) - 1)]
            for cut in reversed(cuts):
                piece = text[self.done : cut]
                if _balanced(piece):
                    chunk = Chunk(self._reopen + piece, exact=False)
                    self.done, self._reopen = cut, ""
                    return [chunk]
        return []


def _batches(chunks: list[Chunk], size: int) -> list[Chunk]:
    """Consecutive chunks merged into pieces of about ``size`` characters (the last one may be smaller)."""
    merged: list[Chunk] = []
    group: list[Chunk] = []
    length = 0
    for chunk in chunks:
        group.append(chunk)
        length += len(chunk.source)
        if length >= size:
            merged.append(_merge(group))
            group, length = [], 0
    if group:
        merged.append(_merge(group))
    return merged


def _merge(group: list[Chunk]) -> Chunk:
    if len(group) == 1:
        return group[0]
    return Chunk("".join(c.source for c in group), exact=all(c.exact for c in group))


class GrowingMarkdown(Generic[T]):
    """A text that only grows, rendered piece by piece: each finished chunk once, the tail when asked.

    ``render`` turns a finished chunk's Markdown into what a view keeps (its HTML, or all three copies);
    ``render_tail`` the tail's into what a view shows while it grows. Should the text ever not continue what
    came before (a gateway that rewrites it), everything starts over (`restarted`).
    """

    def __init__(
        self,
        render: Callable[[str], T],
        render_tail: Callable[[str], str],
        *,
        max_tail: int = 2000,
        min_chunk: int = 0,
        max_batch: int = 2000,
    ) -> None:
        self._render, self._render_tail = render, render_tail
        self._max_tail, self._min_chunk, self._max_batch = max_tail, min_chunk, max_batch
        self._pending: list[Chunk] = []  # finished blocks gathered until they make a chunk of min_chunk
        self.text = ""
        self.chunks: list[tuple[Chunk, T]] = []
        """Finished chunks with their rendering."""
        self.restarted = False
        """Set when a text did not continue the previous one (the chunks were dropped); the view clears it."""
        self._splitter = BlockSplitter(max_tail)
        self._tail: tuple[str, str] = ("", "")

    def update(self, text: str, *, flush: bool = True) -> list[tuple[Chunk, T]]:
        """Take the whole text so far; the chunks it finished, rendered.

        Finished blocks are gathered into chunks of at least ``min_chunk`` characters (one render each: a parse
        costs a fixed overhead), and only given out when ``flush``; meanwhile they are part of the tail. Blocks that
        finished together are rendered in batches of about ``max_batch`` characters, not in one parse: a parse
        keeps thousands of tokens alive, and the garbage collector moves what it finds alive to its oldest
        generation, whose collections walk every object of the kernel.
        """
        if not text.startswith(self.text):
            self._splitter = BlockSplitter(self._max_tail)
            self.chunks, self.restarted, self._pending = [], True, []
        self.text = text
        self._pending += self._splitter.feed(text)
        size = sum(len(chunk.source) for chunk in self._pending)
        if not self._pending or not flush or (size < self._min_chunk and self._pending[-1].exact):
            return []
        new = [(chunk, self._render(chunk.source)) for chunk in _batches(self._pending, self._max_batch)]
        self._pending = []
        self.chunks += new
        return new

    @property
    def exact(self) -> bool:
        """Whether every cut so far was exact (the pieces render as the whole text would)."""
        return all(chunk.exact for chunk, _ in self.chunks) and all(c.exact for c in self._pending)

    def tail_source(self) -> str:
        """The Markdown not in a chunk yet: finished blocks being gathered, and the block still being written."""
        return "".join(c.source for c in self._pending) + self._splitter.tail(self.text)

    def tail(self) -> str:
        """The tail's rendering (rendered again only when it changed)."""
        source = self.tail_source()
        if source != self._tail[0]:
            self._tail = (source, self._render_tail(source) if source.strip() else "")
        return self._tail[1]
