"""Views of a streaming response: ipywidgets, Markdown updated in place, or plain text.

The render layer never talks to the API: it is handed events and snapshots (``on_event``), tool-call progress
(``tool_started`` / ``tool_finished``) and the outcome (``finish``). ``make_view`` picks the best view for where
the code runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from ._base import Decision, LiveView, Throttle, TrailingRefresh, running_kernel
from ._bundle import (
    mark_bundle,
    outcome_bundle,
    outcome_html,
    outcome_markdown,
    outcome_text,
    response_html,
    response_markdown,
    sections_bundle,
    superseded_section,
)
from ._cards import LocalCall
from ._html import markdown_to_html, render_markdown
from ._map_view import MapSummary, MapView, make_map_view, map_summary, summary_bundle
from ._markdown import Section
from ._outcome import OutcomeStatus, TurnOutcome

__all__ = [
    "Decision",
    "LiveView",
    "LocalCall",
    "MapSummary",
    "MapView",
    "OutcomeStatus",
    "Section",
    "Throttle",
    "TrailingRefresh",
    "TurnOutcome",
    "ViewMode",
    "detect_mode",
    "interactive_frontend",
    "make_map_view",
    "make_view",
    "map_summary",
    "mark_bundle",
    "markdown_to_html",
    "outcome_bundle",
    "outcome_html",
    "outcome_markdown",
    "outcome_text",
    "render_markdown",
    "response_html",
    "response_markdown",
    "sections_bundle",
    "summary_bundle",
    "superseded_section",
]

ViewMode = Literal["auto", "widget", "markdown", "text"]


def interactive_frontend() -> bool:
    """Whether someone can answer a question in the running cell (False in nbclient, papermill, CI)."""
    kernel = running_kernel()
    return kernel is None or bool(getattr(kernel, "_allow_stdin", True))


def detect_mode(shell: Any = None) -> ViewMode:
    """Widgets in a Jupyter kernel, text in terminal IPython or a script, Markdown elsewhere."""
    if shell is None:
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:
            return "text"
    if shell is None:
        return "text"
    name = type(shell).__name__
    if name == "ZMQInteractiveShell":
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            return "markdown"
        return "widget"
    if name == "TerminalInteractiveShell":
        return "text"
    return "markdown"


def make_view(
    mode: str = "auto",
    *,
    refresh_per_second: float = 12.0,
    clock: Callable[[], float] = time.monotonic,
    display: Any = None,
) -> LiveView:
    """The live view for ``mode`` (``auto`` picks with `detect_mode`)."""
    chosen = detect_mode() if mode == "auto" else mode
    if chosen == "text":
        from ._display import TextView

        return TextView(clock=clock)
    kwargs: dict[str, Any] = {"refresh_per_second": refresh_per_second, "clock": clock}
    if display is not None:
        kwargs["display"] = display
    if chosen == "widget":
        from ._widgets import WidgetView

        return WidgetView(**kwargs)
    if chosen == "markdown":
        from ._display import MarkdownView

        return MarkdownView(**kwargs)
    raise ValueError(f"Unknown display mode {mode!r}: use auto, widget, markdown or text.")
