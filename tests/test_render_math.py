"""Pandoc's rule for ``$`` (nbresponses/render/_math.py): math is typeset, prices are not."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from nbresponses.render._math import dollar_plugin, inline_math_end


@pytest.mark.parametrize(
    ("text", "end"),
    [("$x^2$", 4), ("$5 and $10", None), ("$ x$", None), ("$x $", None), ("$x$5", None), ("$a\\$b$", 5),
     ("$$", None), ("$x", None), ("$20,000 and $30,000", None)],
)  # fmt: skip
def test_inline_math_end(text: str, end: int | None) -> None:
    assert inline_math_end(text, 0) == end


def tokens(text: str) -> list[tuple[str, str]]:
    md = MarkdownIt("commonmark").use(dollar_plugin)
    inline = [t for t in md.parse(text) if t.type == "inline"]
    return [(c.type, c.content) for t in inline for c in t.children or ()]


def test_math_and_literal_dollars_are_told_apart() -> None:
    assert tokens("Costs are $5 and $10; $x^2$ and $$\\sum_i x_i$$.") == [
        ("text", "Costs are $5 and $10; "), ("math_inline", "x^2"), ("text", " and "),
        ("math_display", "\\sum_i x_i"), ("text", "."),
    ]  # fmt: skip


def test_code_and_table_cells_keep_their_dollars_apart() -> None:
    assert tokens("`$x$` and $y$") == [("code_inline", "$x$"), ("text", " and "), ("math_inline", "y")]
    assert ("math_inline", "0 | 12 | ") not in tokens("| a | b |\n|---|---|\n| $0 | 12 | $0 |")
