"""One rule for ``$`` in everything we render: pandoc's, so that math is typeset and prices are not.

Pandoc's rule (``tex_math_dollars``): ``$…$`` is inline math when the opening ``$`` has a non-space character
right after it and the closing ``$`` a non-space character right before it and no digit right after it;
``$$…$$`` is display math. So "Costs are $5 and $10" stays text and ``$x^2$`` is math. Every other ``$`` is a
literal dollar, and each copy we write marks it as one (see `dollar_plugin`): the HTML wraps it in an element of
its own, which MathJax never pairs with another ``$``; the Markdown copy escapes it as ``\\$``.

The rule is a markdown-it inline rule, so it runs where markdown-it finds inline text: never inside code spans
or code blocks, and never across table cells or blank lines.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

__all__ = ["DOLLAR", "dollar_plugin", "inline_math_end"]

DOLLAR = 0x24


def _escaped(src: str, pos: int) -> bool:
    """Whether the character at ``pos`` is backslash-escaped (an odd run of backslashes before it)."""
    run = 0
    while pos - run - 1 >= 0 and src[pos - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def inline_math_end(src: str, start: int, end: int | None = None) -> int | None:
    """Where the inline math opened by the ``$`` at ``start`` closes (the closing ``$``'s index), or None.

    As pandoc reads it: the first unescaped ``$`` after the opening one closes the span, and the span is math
    only if that ``$`` follows a non-space character and no digit follows it. ``src[start]`` must be ``$``;
    ``end`` bounds the search (default: the end of ``src``).
    """
    end = len(src) if end is None else end
    if start + 1 >= end or src[start + 1].isspace() or src[start + 1] == "$":
        return None
    pos = start + 1
    while True:
        pos = src.find("$", pos, end)
        if pos < 0:
            return None
        if not _escaped(src, pos):
            break
        pos += 1
    after = src[pos + 1] if pos + 1 < end else ""
    return None if src[pos - 1].isspace() or after.isdigit() else pos


def _display_math_end(src: str, start: int, end: int) -> int | None:
    """Where the ``$$`` opened at ``start`` closes (the index of the closing ``$$``), or None."""
    pos = src.find("$$", start + 2, end)
    return pos if pos > start + 2 and src[start + 2 : pos].strip() else None


def _dollar_rule(state: StateInline, silent: bool) -> bool:
    src, start, end = state.src, state.pos, state.posMax
    if src[start] != "$":
        return False
    if src.startswith("$$", start):
        close = _display_math_end(src, start, end)
        if close is not None:
            if not silent:
                token = state.push("math_display", "math", 0)
                token.content, token.markup = src[start + 2 : close], "$$"
            state.pos = close + 2
            return True
    else:
        close = inline_math_end(src, start, end)
        if close is not None:
            if not silent:
                token = state.push("math_inline", "math", 0)
                token.content, token.markup = src[start + 1 : close], "$"
            state.pos = close + 1
            return True
    # A literal dollar: it joins the surrounding text, whose renderers mark every "$" as literal.
    if not silent:
        state.pending += "$"
    state.pos = start + 1
    return True


def dollar_plugin(md: MarkdownIt) -> None:
    """Parse ``$`` with pandoc's rule: ``math_inline`` / ``math_display`` tokens, or text (a literal dollar)."""
    md.inline.ruler.before("escape", "dollar", _dollar_rule)
