"""Finished blocks and the growing tail of a streamed answer (nbresponses/render/_blocks.py)."""

from __future__ import annotations

import random

import pytest

from nbresponses.render._blocks import BlockSplitter, GrowingMarkdown
from nbresponses.render._html import markdown_to_html
from tests.test_render_writers import markdown_answer


def stream(text: str, splitter: BlockSplitter, seed: int = 0) -> list[str]:
    r = random.Random(seed)
    chunks, pos = [], 0
    while pos < len(text):
        pos = min(len(text), pos + r.randint(1, 12))
        chunks += [c.source for c in splitter.feed(text[:pos])]
    return chunks


@pytest.mark.parametrize("seed", range(4))
def test_exact_pieces_render_as_the_whole_answer(seed: int) -> None:
    text = markdown_answer(3000, seed) + "\n\n- a\n\n- b\n\nafter the loose list\n# Heading\nText"
    splitter = BlockSplitter()
    chunks = stream(text, splitter, seed)
    assert len(chunks) > 10
    assert "".join(chunks) + splitter.tail(text) == text
    assert "".join(markdown_to_html(c) for c in chunks) + markdown_to_html(splitter.tail(text)) == (
        markdown_to_html(text)
    )


def test_a_loose_list_and_a_code_fence_with_blank_lines_stay_whole() -> None:
    splitter = BlockSplitter()
    chunks = stream("- a\n\n- b\n\n```\ncode\n\nmore\n```\nAfter.\n\nEnd", splitter)
    assert chunks == ["- a\n\n- b\n\n", "```\ncode\n\nmore\n```\n"]


def test_a_long_paragraph_is_cut_between_sentences_and_a_long_fence_reopens() -> None:
    text = " ".join("The quick brown fox jumps." for _ in range(400))
    splitter = BlockSplitter(max_tail=500)
    chunks = stream(text, splitter)
    assert len(chunks) > 10 and all(c.endswith("jumps. ") for c in chunks)
    assert "".join(chunks) + splitter.tail(text) == text
    code = "```python\n" + "\n".join(f"x{i} = {i}" for i in range(300)) + "\n```\n\nDone."
    splitter = BlockSplitter(max_tail=500)
    chunks = stream(code, splitter)
    assert len(chunks) > 3 and all(c.startswith("```python\n") for c in chunks)
    assert splitter.tail(code).startswith("```python\nx") and splitter.tail(code).endswith("```\n\nDone.")


def test_growing_markdown_renders_each_chunk_once_and_starts_over_on_a_rewrite() -> None:
    renders: list[str] = []

    def render(text: str) -> str:
        renders.append(text)
        return text.upper()

    growing = GrowingMarkdown(render, str.upper, min_chunk=10)
    growing.update("one paragraph\n\ntwo")
    assert [r for _, r in growing.chunks] == []  # not a chunk until the next block has a whole line
    growing.update("one paragraph\n\ntwo paragraphs\n\nthree")
    assert [r for _, r in growing.chunks] == ["ONE PARAGRAPH\n\n"] and growing.exact
    assert growing.tail() == "TWO PARAGRAPHS\n\nTHREE" and renders == ["one paragraph\n\n"]
    growing.update("rewritten")
    assert growing.restarted and growing.chunks == [] and growing.tail() == "REWRITTEN"
