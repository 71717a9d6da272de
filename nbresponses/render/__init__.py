"""Views of a streaming response: ipywidgets, Markdown updated in place, or plain text.

The render layer never talks to the API: it is handed events and snapshots (``on_event``), tool-call progress
(``tool_started`` / ``tool_finished``) and the outcome (``finish``). ``make_view`` picks the best view for where
the code runs. `register_display` (called by ``%load_ext nbresponses``) registers how a `Response` shows itself
in IPython (the types never import this layer). Submodules load on first use of one of their names, so that
loading the extension stays cheap.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ._base import Decision, LiveView, Throttle, TrailingRefresh
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
    from ._formatters import register_display, unregister_display
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
    "in_ipython",
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
    "register_display",
    "render_markdown",
    "response_html",
    "response_markdown",
    "sections_bundle",
    "summary_bundle",
    "superseded_section",
    "unregister_display",
]

_LAZY = {
    "Decision": "._base",
    "LiveView": "._base",
    "Throttle": "._base",
    "TrailingRefresh": "._base",
    "running_kernel": "._base",
    "mark_bundle": "._bundle",
    "outcome_bundle": "._bundle",
    "outcome_html": "._bundle",
    "outcome_markdown": "._bundle",
    "outcome_text": "._bundle",
    "response_html": "._bundle",
    "response_markdown": "._bundle",
    "sections_bundle": "._bundle",
    "superseded_section": "._bundle",
    "LocalCall": "._cards",
    "markdown_to_html": "._html",
    "render_markdown": "._html",
    "MapSummary": "._map_view",
    "MapView": "._map_view",
    "make_map_view": "._map_view",
    "map_summary": "._map_view",
    "summary_bundle": "._map_view",
    "Section": "._markdown",
    "TurnOutcome": "._outcome",
    "OutcomeStatus": "._outcome",
    "register_display": "._formatters",
    "unregister_display": "._formatters",
}
"""Which submodule defines each name (imported on first use)."""


ViewMode = Literal["auto", "widget", "markdown", "text"]


def interactive_frontend() -> bool:
    """Whether someone can answer a question in the running cell (False in nbclient, papermill, CI)."""
    from ._base import running_kernel

    kernel = running_kernel()
    return kernel is None or bool(getattr(kernel, "_allow_stdin", True))


def in_ipython() -> bool:
    """Whether this code runs in an IPython shell (a kernel or terminal IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


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
    refresh_per_second: float = 10.0,
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nbresponses.render' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
