"""The Markdown copy and the plain text written back from the safe parse (nbresponses/render/_writers.py)."""

from __future__ import annotations

import random
import re

import pytest
from markdown_it import MarkdownIt

from nbresponses.render import render_markdown
from nbresponses.render._writers import display_width, plain_table

ATTACKS = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<iframe src=https://evil.example>",
    '<a href="javascript:alert(1)">x</a>', "<style>body{display:none}</style>", "<!-- hidden -->",
]  # fmt: skip
LINKS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=",
         "file:///etc/passwd"]  # fmt: skip


def trusting_render(markdown: str) -> str:
    """How a frontend that trusts the Markdown copy renders it: raw HTML on, every link scheme allowed."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md.render(markdown)


@pytest.mark.parametrize("attack", ATTACKS)
def test_raw_html_in_the_markdown_copy_is_escaped(attack: str) -> None:
    copy = render_markdown(f"Look: {attack}\n\n{attack}\n\n- {attack}").markdown
    shown = trusting_render(copy)
    assert not re.search(r"<(script|img|iframe|style|a |!--)", shown), shown
    assert shown.count(attack.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")) == 3


@pytest.mark.parametrize("link", LINKS)
def test_unsafe_links_in_the_markdown_copy_are_text(link: str) -> None:
    for markdown in (f"[click]({link})", f"[click][r]\n\n[r]: {link}", f"<{link}>", f"![x]({link})"):
        shown = trusting_render(render_markdown(markdown).markdown)
        assert "href" not in shown and "<img" not in shown, (markdown, shown)


def test_remote_images_are_links_in_the_markdown_copy_and_data_images_stay() -> None:
    copy = render_markdown(
        "![chart](https://evil.example/p.png?nb=secret) ![dot](data:image/png;base64,iVBORw0KGgo=)"
    )
    shown = trusting_render(copy.markdown)
    assert '<a href="https://evil.example/p.png?nb=secret">🖼 chart</a>' in shown
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot" />' in shown


def test_safe_markdown_survives_the_copy() -> None:
    text = (
        "# Title\n\n**bold** _it_ `code $5` ~~gone~~ [docs](https://a.example/x_(y)) <https://b.example>\n\n"
    )
    text += "1. one\n2. two\n   - nested\n\n> quote\n\n| a | b |\n|:--|--:|\n| `x|y` | $3 |\n\n```py\nprint('<b>')\n```"
    copy = render_markdown(text)
    assert render_markdown(copy.markdown).html == copy.html  # the copy renders as the text it came from


def markdown_answer(words: int, seed: int) -> str:
    r = random.Random(seed)
    vocab = "the model *kernel* notebook_cell cell `x()` $5 $x^2$ <b> [a](https://a.example) 2*3 # | \\ _ & &amp;".split()
    blocks = []
    for _ in range(words // 40):
        kind = r.random()
        sentence = " ".join(r.choice(vocab) for _ in range(40))
        if kind < 0.5:
            blocks.append(sentence)
        elif kind < 0.7:
            blocks.append("\n".join(f"{n + 1}. {sentence[:60]}" for n in range(3)))
        elif kind < 0.85:
            blocks.append("| a | b |\n|---|---|\n| " + sentence[:30].replace("|", "/") + " | 1 |")
        else:
            blocks.append("```\n" + sentence + "\n```")
    return "\n\n".join(blocks)


@pytest.mark.parametrize("seed", range(5))
def test_the_copy_renders_like_the_original(seed: int) -> None:
    text = markdown_answer(2000, seed)
    copy = render_markdown(text)
    assert render_markdown(copy.markdown).html == copy.html


def test_plain_text_has_no_markdown_markup() -> None:
    plain = render_markdown(
        "## Steps\n\n1. **Install** `pip`\n2. Read [the docs](https://docs.example)\n\n> **Note:** be careful\n\n"
        "| name | cost |\n|---|--:|\n| tea | $5 |\n| coffee | $10.50 |\n\n```python\nx = 1\n```"
    ).plain
    assert plain == (
        "Steps\n─────\n\n1. Install pip\n2. Read the docs <https://docs.example>\n\n│ Note: be careful\n\n"
        "name      cost\n──────  ──────\ntea         $5\ncoffee  $10.50\n\n    x = 1"
    )


def test_tables_align_wide_characters() -> None:
    table = plain_table(["名前", "n"], [["東京", "1"], ["Paris", "22"]], aligns=["", "right"])
    assert table.split("\n") == ["名前    n", "─────  ──", "東京    1", "Paris  22"]
    assert display_width("東京") == 4 and display_width("é") == 1
