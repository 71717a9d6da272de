"""The static output of a turn: one bundle of safe HTML, safe Markdown and plain text that every frontend shows.

JupyterLab, Notebook 7 and VS Code show the HTML, GitHub and Markdown-only renderers the Markdown, terminal
IPython and ``nbconvert --to markdown/text`` the plain text: none of them needs widget JavaScript. Each part of
a turn (`Section`) is parsed once and written three ways (`render_markdown`), inside our own wrappers: a card's
border, the colours of notices and errors (`_theme`), the collapsed reasoning, the small usage line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _theme
from ._cards import LocalCall
from ._html import Rendered, render_markdown, text_html
from ._markdown import Section, outcome_sections

if TYPE_CHECKING:
    from nbresponses.types.response import Response

    from ._outcome import TurnOutcome

__all__ = [
    "mark_bundle",
    "outcome_bundle",
    "outcome_html",
    "outcome_markdown",
    "outcome_text",
    "response_bundle",
    "response_html",
    "response_markdown",
    "sections_bundle",
    "superseded_section",
]


def _escaped_line(text: str) -> str:
    """A line of our own plain text for the Markdown copy: ``$`` and ``<`` cannot become math or HTML."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("<", "\\<").replace("*", "\\*")


def _chip(label: str, value: str) -> str:
    name = f"<span style='{_theme.MUTED}'>{text_html(label)}</span> " if label else ""
    return f"<span style='margin-right:12px;white-space:nowrap'>{name}<b>{text_html(value)}</b></span>"


def _quoted(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.split("\n"))


def section_rendered(section: Section, known: Mapping[str, Rendered]) -> Rendered:
    """One section's three copies, in the wrappers of its kind."""
    kind = section.kind
    if kind in ("stats", "header"):
        line = section.markdown
        shown = (
            "".join(_chip(label, value) for label, value in section.parts)
            if section.parts
            else text_html(line)
        )
        style = (
            _theme.SMALL_MUTED if kind == "header" else "font-size:0.85em"
        )  # a chip's label is muted itself
        return Rendered(
            f"<div class='nbresponses-{kind}' style='{style};margin:2px 0'>{shown}</div>",
            f"<sub>{_escaped_line(line)}</sub>",
            line,
        )
    copy = known.get(section.markdown) or render_markdown(section.markdown)
    if kind == "reasoning":
        summary = "<summary>Reasoning summary</summary>"
        return Rendered(
            f"<details>{summary}{copy.html}</details>",
            f"<details>{summary}\n\n{copy.markdown}\n\n</details>",
            "Reasoning summary\n" + _quoted(copy.plain, "│ "),
        )
    if kind == "card":
        return Rendered(f"<div style='{_theme.CARD}'>{copy.html}</div>", copy.markdown, copy.plain)
    if kind in ("notice", "superseded"):
        return Rendered(f"<div style='{_theme.WARN}'>{copy.html}</div>", copy.markdown, copy.plain)
    if kind == "error":
        return Rendered(f"<div style='{_theme.ERROR}'>{copy.html}</div>", copy.markdown, copy.plain)
    if kind == "note":
        return Rendered(f"<blockquote>{copy.html}</blockquote>", _quoted(copy.markdown, "> "), copy.plain)
    return copy


def sections_bundle(
    sections: Sequence[Section], *, known: Mapping[str, Rendered] | None = None
) -> dict[str, str]:
    """The ``text/html``, ``text/markdown`` and ``text/plain`` of rendered sections.

    ``known`` maps Markdown already rendered to its copies (a live view's answer, rendered block by block).
    """
    rendered = [section_rendered(s, known or {}) for s in sections if s.markdown]
    return {
        "text/html": "<div class='nbresponses'>" + "".join(r.html for r in rendered) + "</div>",
        "text/markdown": "\n\n".join(r.markdown for r in rendered if r.markdown),
        "text/plain": "\n\n".join(r.plain for r in rendered if r.plain),
    }


def superseded_section(cell: str, turn: int | None = None) -> Section:
    """The mark on an answer whose turn a re-run took out of the thread."""
    which = f" (turn {turn})" if turn is not None else ""
    return Section(
        "superseded",
        f"⤴ **Superseded** by the re-run of cell `{cell}`{which}: this answer is no longer part of the thread.",
    )


def mark_bundle(bundle: Mapping[str, str], cell: str, turn: int | None = None) -> dict[str, str]:
    """A static output with the superseded mark on top (see `superseded_section`)."""
    mark = section_rendered(superseded_section(cell, turn), {})
    head = "<div class='nbresponses'>"
    page = bundle.get("text/html", "")
    page = head + mark.html + page.removeprefix(head) if page.startswith(head) else mark.html + page
    return {
        **bundle,
        "text/html": page,
        "text/markdown": mark.markdown + "\n\n" + bundle.get("text/markdown", ""),
        "text/plain": mark.plain + "\n\n" + bundle.get("text/plain", ""),
    }


def outcome_bundle(
    outcome: TurnOutcome,
    *,
    items: Sequence[dict[str, Any]] | None = None,
    calls: Sequence[LocalCall] = (),
    runs_tools: bool = False,
    known: Mapping[str, Rendered] | None = None,
    header: str = "",
) -> dict[str, str]:
    """The static bundle of a turn (see `outcome_sections` for the arguments); ``header`` is its first line."""
    sections = outcome_sections(outcome, items=items, calls=calls, runs_tools=runs_tools)
    if header:
        sections.insert(0, Section("header", header))
    return sections_bundle(sections, known=known)


def outcome_html(outcome: TurnOutcome, **kwargs: Any) -> str:
    """The whole turn as safe HTML."""
    return outcome_bundle(outcome, **kwargs)["text/html"]


def outcome_markdown(outcome: TurnOutcome, **kwargs: Any) -> str:
    """The whole turn as safe Markdown: reasoning (collapsed), tool cards, the answer, notices, error and usage."""
    return outcome_bundle(outcome, **kwargs)["text/markdown"]


def outcome_text(outcome: TurnOutcome, **kwargs: Any) -> str:
    """The whole turn as plain text (a saved cell's ``text/plain``, the terminal)."""
    return outcome_bundle(outcome, **kwargs)["text/plain"]


def response_bundle(response: Response) -> dict[str, str]:
    """How a `Response` shows itself when displayed later in a notebook (HTML, Markdown, plain text)."""
    from nbresponses.types.response import end_status

    from ._outcome import TurnOutcome

    return outcome_bundle(TurnOutcome(response=response, status=end_status(response.status)))


def response_html(response: Response) -> str:
    """How a `Response` shows itself as HTML."""
    return response_bundle(response)["text/html"]


def response_markdown(response: Response) -> str:
    """How a `Response` shows itself as Markdown."""
    return response_bundle(response)["text/markdown"]
