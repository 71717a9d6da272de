"""Safe HTML of untrusted Markdown (pure): model text as CommonMark with math kept whole.

Why HTML besides the Markdown copy: a frontend renders Markdown output of the running session as trusted, raw
HTML and scripts in it included (JupyterLab does), so a model or a web page it read could run JavaScript in the
notebook. Frontends prefer ``text/html`` over ``text/markdown``, and this HTML is made from the Markdown with
raw HTML escaped, links limited to safe schemes and remote images turned into links.

Math: ``$`` follows pandoc's rule (`_math`): ``$…$`` and ``$$…$$`` are written back with their delimiters,
escaped, so Markdown emphasis cannot break them and the frontend's typesetter (MathJax) renders them; every other
``$`` is a literal dollar in an element of its own, which MathJax never pairs with another one, so "$5 and $10"
stays text in JupyterLab too.

One parse gives all three copies of a text (`render_markdown`): this HTML, the safe Markdown copy and the plain
text (`_writers`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from ._math import dollar_plugin
from ._writers import block_tree, markdown_copy, plain_text

__all__ = ["DOLLAR_HTML", "Rendered", "join_rendered", "markdown_to_html", "render_markdown", "text_html"]

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_INLINE_IMAGE = re.compile(r"^data:image/(gif|png|jpeg|webp);", re.IGNORECASE)
_BIG_DATA_IMAGE = re.compile(r"(data:image/(?:gif|png|jpeg|webp);base64,)[A-Za-z0-9+/]{1024,}={0,2}")


class _UntrustedMarkdown(MarkdownIt):
    """CommonMark for text nobody vouches for (model output, tool results, web pages).

    Raw HTML is escaped; links only go to http(s), mailto or relative addresses (no ``javascript:``, ``data:``,
    ``file:`` or an app's custom scheme); links open in a new tab without a referrer; and images are inline only
    as data URLs: any other image becomes a link, since loading it would tell its server the address the model
    wrote (a prompt injection's way to send notebook data out).
    """

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": False, "linkify": False})
        self.enable(["table", "strikethrough"])
        self.use(dollar_plugin)
        self.add_render_rule("text", _render_text)
        self.add_render_rule("math_inline", _render_math)
        self.add_render_rule("math_display", _render_math)
        self.add_render_rule("link_open", _render_link_open)
        self.add_render_rule("image", _render_image)

    def validateLink(self, url: str) -> bool:
        scheme = _SCHEME.match(url.strip().lower())
        if scheme is None:
            return True
        return scheme.group(1) in _SAFE_SCHEMES or bool(_INLINE_IMAGE.match(url.strip()))


DOLLAR_HTML = "<span>$</span>"
"""A literal dollar in HTML: alone in its element, so MathJax (which pairs ``$`` within one text run) skips it."""


def text_html(text: str) -> str:
    """Plain text as HTML: escaped, and every ``$`` a literal dollar (see `DOLLAR_HTML`)."""
    return html.escape(text, quote=False).replace("$", DOLLAR_HTML)


def _render_text(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return text_html(tokens[idx].content)


def _render_math(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    content = token.content.strip() if token.markup == "$$" else token.content
    return f"{token.markup}{html.escape(content, quote=False)}{token.markup}"


def _render_link_open(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("target", "_blank")
    tokens[idx].attrSet("rel", "noopener noreferrer")
    return renderer.renderToken(tokens, idx, options, env)


def _render_image(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if _INLINE_IMAGE.match(src):
        return renderer.image(tokens, idx, options, env)
    alt = renderer.renderInlineAsText(token.children, options, env) or src
    href = html.escape(src, quote=True)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">🖼 {html.escape(alt)}</a>'


_MARKDOWN = _UntrustedMarkdown()


@dataclass(frozen=True)
class Rendered:
    """The three copies of one Markdown text: safe HTML, safe Markdown and plain text."""

    html: str
    markdown: str
    plain: str


def _parse(text: str) -> tuple[list[Token], dict[str, str]]:
    # markdown-it takes about a second per megabyte, so big data URLs (generated images) are set aside while
    # it parses and put back in its output; a placeholder is parsed exactly as the URL it stands for.
    images: dict[str, str] = {}

    def set_aside(match: re.Match[str]) -> str:
        placeholder = f"{match.group(1)}NBRIMAGE{len(images)}X"
        images[placeholder] = match.group(0)
        return placeholder

    return _MARKDOWN.parse(_BIG_DATA_IMAGE.sub(set_aside, text)), images


def _restore(text: str, images: Mapping[str, str]) -> str:
    for placeholder, url in images.items():
        text = text.replace(placeholder, url)
    return text


def markdown_to_html(text: str) -> str:
    """Markdown to HTML that is safe to show for untrusted text (see `_UntrustedMarkdown`)."""
    tokens, images = _parse(text)
    return _restore(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}), images)


def render_markdown(text: str) -> Rendered:
    """The HTML, Markdown and plain-text copies of ``text`` from one parse."""
    tokens, images = _parse(text)
    html_copy = _restore(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}), images)
    blocks = block_tree(tokens)  # built once for both writers
    return Rendered(html_copy, _restore(markdown_copy(blocks), images), _restore(plain_text(blocks), images))


def join_rendered(parts: Sequence[Rendered]) -> Rendered:
    """The copies of a text cut between top-level blocks, from the copies of its pieces."""
    return Rendered(
        "".join(p.html for p in parts),
        "\n\n".join(p.markdown for p in parts if p.markdown),
        "\n\n".join(p.plain for p in parts if p.plain),
    )
