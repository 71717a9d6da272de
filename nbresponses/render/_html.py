"""Safe HTML of a turn (pure): model text as CommonMark with math kept whole, and our own wrappers around it.

Why HTML besides the Markdown copy: a frontend renders Markdown output of the running session as trusted, raw
HTML and scripts in it included (JupyterLab does), so a model or a web page it read could run JavaScript in the
notebook. Frontends prefer ``text/html`` over ``text/markdown``, and this HTML is made from the Markdown with
raw HTML escaped, links limited to safe schemes and remote images turned into links.

Math: ``$…$`` and ``$$…$$`` are parsed as math (pandoc's rules: no space inside the delimiters, no digit after
the closing one, so "$5 and $10" stays text) and written back with their delimiters, escaped, so Markdown
emphasis cannot break them and the frontend's typesetter (MathJax) renders them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin

from ._markdown import Section, outcome_sections

if TYPE_CHECKING:
    from nbresponses.types.response import Response

    from ._outcome import TurnOutcome

__all__ = ["CARD_STYLE", "markdown_to_html", "outcome_html", "response_html", "sections_html"]

CARD_STYLE = "border:1px solid #d0d7de;border-radius:6px;padding:4px 10px;margin:4px 0;font-size:0.92em"
"""The inline style of a tool-call card (inline: output HTML cannot rely on a stylesheet)."""

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
        self.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False,
                 double_inline=True, renderer=_render_math)  # fmt: skip
        self.add_render_rule("link_open", _render_link_open)
        self.add_render_rule("image", _render_image)

    def validateLink(self, url: str) -> bool:
        scheme = _SCHEME.match(url.strip().lower())
        if scheme is None:
            return True
        return scheme.group(1) in _SAFE_SCHEMES or bool(_INLINE_IMAGE.match(url.strip()))


def _render_math(content: str, options: dict[str, Any]) -> str:
    delimiter = "$$" if options.get("display_mode") else "$"
    return f"{delimiter}{html.escape(content, quote=False)}{delimiter}"


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


def markdown_to_html(text: str) -> str:
    """Markdown to HTML that is safe to show for untrusted text (see `_UntrustedMarkdown`)."""
    # markdown-it takes about a second per megabyte, so big data URLs (generated images) are set aside while
    # it parses and put back in its output; a placeholder is parsed exactly as the URL it stands for.
    images: dict[str, str] = {}

    def set_aside(match: re.Match[str]) -> str:
        placeholder = f"{match.group(1)}NBRIMAGE{len(images)}X"
        images[placeholder] = match.group(0)
        return placeholder

    rendered: str = _MARKDOWN.render(_BIG_DATA_IMAGE.sub(set_aside, text))
    for placeholder, url in images.items():
        rendered = rendered.replace(placeholder, url)
    return rendered


def _section_html(section: Section, known: Mapping[str, str]) -> str:
    body = (
        "" if section.kind == "stats" else known.get(section.markdown) or markdown_to_html(section.markdown)
    )
    if section.kind == "reasoning":
        return f"<details><summary>Reasoning summary</summary>{body}</details>"
    if section.kind == "card":
        return f"<div style='{CARD_STYLE}'>{body}</div>"
    if section.kind == "notice":
        return f"<div style='color:#9a6700'>{body}</div>"
    if section.kind == "error":
        return f"<div style='color:#b42318'>{body}</div>"
    if section.kind == "note":
        return f"<blockquote>{body}</blockquote>"
    if section.kind == "stats":
        return f"<div style='font-size:0.85em;opacity:.8'>{html.escape(section.markdown)}</div>"
    return body


def sections_html(sections: Sequence[Section], *, known: Mapping[str, str] | None = None) -> str:
    """The HTML of rendered sections, in one block; ``known`` maps Markdown already rendered to its HTML."""
    return "<div class='nbresponses'>" + "".join(_section_html(s, known or {}) for s in sections) + "</div>"


def outcome_html(
    outcome: TurnOutcome,
    *,
    items: Sequence[dict[str, Any]] | None = None,
    local_cards: Sequence[str] = (),
    known: Mapping[str, str] | None = None,
) -> str:
    """The whole turn as safe HTML (the same parts as `outcome_markdown`).

    ``known`` maps Markdown already rendered to its HTML (a live view's answer: a long one costs milliseconds).
    """
    return sections_html(outcome_sections(outcome, items=items, local_cards=local_cards), known=known)


def response_html(response: Response) -> str:
    """How a `Response` shows itself as HTML when displayed later in a notebook."""
    from ._outcome import TurnOutcome

    incomplete = response.status == "incomplete"
    return outcome_html(TurnOutcome(response=response, status="incomplete" if incomplete else "completed"))
