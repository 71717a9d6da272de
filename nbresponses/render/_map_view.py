"""The progress of a map (one prompt over a table's rows), and its summary when it ends.

Live: a progress bar widget with done / failed / in flight, tokens, cost, rate and ETA (a Markdown output updated
in place without widgets; a line rewritten in place in a terminal). The caller refreshes it at its own pace (a
map ticks at most 10 times a second) and only what changed is sent. When the map ends the output is replaced in
place (by its display id) with a static summary (HTML, Markdown and plain text) and the widgets are closed, as
the turn views do: saved notebooks, nbconvert and GitHub show it without widget JavaScript. Model text in the
preview is escaped in every copy, and colours come from `_theme` (readable on light and dark themes).

The view reads a progress object's attributes (``total``, ``answered``, ``failed``, ``in_flight``, ``parts()``,
``finished``...), so it does not import the map engine.
"""

from __future__ import annotations

import html
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from . import _theme

__all__ = ["MapSummary", "MapView", "make_map_view", "map_summary", "summary_bundle"]

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_PREVIEW_CHARS = 80
_PREVIEW_ROWS = 5
_TEXT_EVERY = 1.0  # seconds between progress lines when the terminal cannot rewrite a line
_ERROR = _theme.ERROR
_WARN = _theme.WARN


@dataclass(frozen=True)
class MapSummary:
    """How a map ended, as handed to the view's ``finish``."""

    progress: Any
    title: str
    """What was mapped (``Mapped df (40 rows) with gpt-4.1-mini``)."""
    bound_to: str | None = None
    notes: Sequence[str] = ()
    """Stopped early, interrupted, batch status: said in the summary."""
    errors: Sequence[tuple[str, int]] = ()
    """Distinct row errors and how many rows got each."""
    preview: Sequence[tuple[str, str, str]] = field(default_factory=list)
    """A few rows: (index, status, output text)."""
    failed: bool = False
    """Colour the notes as errors (nothing could be answered)."""


def map_summary(
    result: Any, *, title: str, bound_to: str | None = None, notes: Sequence[str] = ()
) -> MapSummary:
    """The summary of a map's result (its rows and progress): what stopped it, errors by count, the first rows."""
    progress = result.progress
    said = list(notes)
    if progress.stopped:
        said.insert(0, f"Stopped sending: {progress.stopped}; {progress.not_sent} rows not sent.")
    if progress.interrupted:
        said.insert(0, f"Interrupted: {progress.answered} of {progress.total} rows answered and kept; "
                       f"{progress.total - progress.answered} left: run it again to send only those.")  # fmt: skip
    if getattr(progress, "log_error", None):
        said.append(f"The answers could not be recorded in the history ({progress.log_error}): they are in the "
                    "result, but running it again sends these rows again.")  # fmt: skip
    if not progress.stopped and not progress.interrupted and progress.failed:
        said.append(f"{progress.failed} rows failed (their error is in the error column): run it again to retry "
                    "only those.")  # fmt: skip
    errors = Counter(row.error for row in result.rows if row.error and row.status == "failed")
    preview = [
        (str(row.index), row.status, row.output_text or row.error or "")
        for row in result.rows[:_PREVIEW_ROWS]
    ]
    return MapSummary(progress, title, bound_to=bound_to, notes=said, errors=errors.most_common(3), preview=preview,
                      failed=progress.answered == 0 and progress.failed > 0)  # fmt: skip


def _md_cell(text: str) -> str:
    # The Markdown copy is rendered as trusted HTML by some frontends: escape markup, pipes, math and line breaks.
    escaped = html.escape(text, quote=False).replace("|", "\\|").replace("$", "\\$")
    return escaped.replace("\r", " ").replace("\n", " ")


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 1] + "…"


def _chips_html(parts: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f"<span style='margin-right:12px;white-space:nowrap'><span style='{_theme.MUTED}'>{html.escape(label)}"
        f"</span> <b>{html.escape(value)}</b></span>"
        for label, value in parts
    )


def _parts_markdown(parts: Sequence[tuple[str, str]]) -> str:
    return " · ".join(f"{_md_cell(label)} **{_md_cell(value)}**" for label, value in parts)


def summary_bundle(summary: MapSummary) -> dict[str, str]:
    """The final output: HTML, Markdown and plain text of the same summary."""
    progress = summary.progress
    parts = progress.parts()
    bound = f" · bound to `{summary.bound_to}`" if summary.bound_to else ""
    bound_html = f" · bound to <code>{html.escape(summary.bound_to)}</code>" if summary.bound_to else ""
    color = _ERROR if summary.failed else _WARN
    errors = [f"{count} × {message}" for message, count in summary.errors]
    markdown = [f"**{_md_cell(summary.title)}**{bound}", _parts_markdown(parts)]
    markdown += [f"> {_md_cell(note)}" for note in summary.notes]
    if errors:
        markdown.append("Errors:\n" + "\n".join(f"- {_md_cell(e)}" for e in errors))
    markup = [
        f"<div><b>{html.escape(summary.title)}</b>{bound_html}</div>",
        f"<div style='font-size:0.85em;margin:2px 0'>{_chips_html(parts)}</div>",
    ]
    markup += [f"<div style='{color}'>{html.escape(note)}</div>" for note in summary.notes]
    if errors:
        items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
        markup.append(f"<div style='{_ERROR}'>Errors:<ul style='margin:0'>{items}</ul></div>")
    plain = [summary.title + (f" (bound to {summary.bound_to})" if summary.bound_to else ""), progress.line()]
    plain += summary.notes
    plain += [f"error: {e}" for e in errors]
    if summary.preview:
        rows = [(index, status, _short(text)) for index, status, text in summary.preview]
        markdown.append("| row | status | output_text |\n|---|---|---|\n" + "\n".join(
            f"| {_md_cell(i)} | {_md_cell(s)} | {_md_cell(t)} |" for i, s, t in rows))  # fmt: skip
        left = "style='text-align:left'"
        cells = "".join(
            f"<tr><td>{html.escape(i)}</td><td>{html.escape(s)}</td><td {left}>{html.escape(t)}</td></tr>"
            for i, s, t in rows
        )
        markup.append(
            "<table style='font-size:0.85em'><thead><tr><th>row</th><th>status</th>"
            f"<th style='text-align:left'>output_text</th></tr></thead><tbody>{cells}</tbody></table>"
        )
        width = max(len(i) for i, _, _ in rows)
        plain += [f"  {i:>{width}}  {s:<10} {t}" for i, s, t in rows]
    return {
        # tex2jax_ignore (MathJax 2) and mathjax_ignore (MathJax 3): JupyterLab and nbconvert must not typeset
        # "$5 … $10" in rows or costs as math.
        "text/html": "<div class='nbresponses nbresponses-map tex2jax_ignore mathjax_ignore'>"
        + "".join(markup)
        + "</div>",
        "text/markdown": "\n\n".join(markdown),
        "text/plain": "\n".join(plain),
    }


class MapView:
    """A map's live progress; subclasses draw it."""

    def start(self, progress: Any, *, title: str) -> None:
        """Show the view for a map that starts."""

    def update(self, progress: Any) -> None:
        """Show the latest progress (called at most 10 times a second)."""

    def finish(self, summary: MapSummary) -> None:
        """Replace the live view with the final summary."""


def _state(progress: Any) -> tuple[Any, ...]:
    # What a refresh shows, to the second: an unchanged state sends nothing to the frontend.
    return (progress.answered, progress.failed, progress.in_flight, progress.not_sent, progress.input_tokens,
            progress.output_tokens, progress.waiting, int(progress.elapsed()))  # fmt: skip


class WidgetMapView(MapView):
    """A progress bar and a line of figures, as ipywidgets."""

    def __init__(self, display: Any) -> None:
        import ipywidgets as widgets

        self._display = display
        self.bar = widgets.IntProgress(value=0, min=0, max=1, bar_style="info")
        self.bar.layout.width = "min(100%, 480px)"
        self.title = widgets.HTML()
        self.figures = widgets.HTML()
        self.box = widgets.VBox([self.title, self.bar, self.figures])
        self._display_id: str | None = None
        self._last: tuple[Any, ...] | None = None

    def start(self, progress: Any, *, title: str) -> None:
        self.title.value = f"<div style='{_theme.SMALL_MUTED}'>{html.escape(title)}</div>"
        self.bar.max = max(1, progress.total)
        view = {"version_major": 2, "version_minor": 0, "model_id": self.box.model_id}
        bundle = {_WIDGET_MIME: view, "text/plain": f"{title}: {progress.line()}"}
        handle = self._display.display(bundle, raw=True, display_id=True)
        self._display_id = getattr(handle, "display_id", None)
        self.update(progress)

    def update(self, progress: Any) -> None:
        state = _state(progress)
        if state == self._last:
            return
        self._last = state
        self.bar.value = progress.answered + progress.failed + progress.not_sent
        if progress.failed and self.bar.bar_style != "warning":
            self.bar.bar_style = "warning"
        waiting = f"<span style='{_WARN}'>{html.escape(progress.waiting)}</span>" if progress.waiting else ""
        self.figures.value = f"<div style='font-size:0.85em'>{_chips_html(progress.parts())}{waiting}</div>"

    def finish(self, summary: MapSummary) -> None:
        bundle = summary_bundle(summary)
        if self._display_id is not None:  # the progress bar becomes the summary, in place
            self._display.update_display(bundle, raw=True, display_id=self._display_id)
        else:
            self._display.display(bundle, raw=True)
        for widget in (self.box, self.title, self.bar, self.figures):
            widget.close()


class MarkdownMapView(MapView):
    """The figures as an output updated in place (frontends without widgets, headless runs)."""

    def __init__(self, display: Any) -> None:
        self._display = display
        self._display_id: str | None = None
        self._title = ""
        self._last: tuple[Any, ...] | None = None

    def start(self, progress: Any, *, title: str) -> None:
        self._title = title
        handle = self._display.display({"text/plain": f"{title}: …"}, raw=True, display_id=True)
        self._display_id = getattr(handle, "display_id", None)
        self.update(progress)

    def update(self, progress: Any) -> None:
        state = _state(progress)
        if state == self._last or self._display_id is None:
            return
        self._last = state
        parts = progress.parts()
        title = html.escape(self._title)
        bundle = {
            "text/html": f"<div class='tex2jax_ignore mathjax_ignore' style='{_theme.SMALL_MUTED}'><b>{title}</b><br>"
            f"{_chips_html(parts)}</div>",
            "text/markdown": f"**{_md_cell(self._title)}**\n\n{_parts_markdown(parts)}",
            "text/plain": progress.line(),
        }
        self._display.update_display(bundle, raw=True, display_id=self._display_id)

    def finish(self, summary: MapSummary) -> None:
        bundle = summary_bundle(summary)
        if self._display_id is not None:
            self._display.update_display(bundle, raw=True, display_id=self._display_id)
        else:
            self._display.display(bundle, raw=True)


class TextMapView(MapView):
    """Plain text: one line rewritten in place on a terminal, else a line a second; the summary at the end."""

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._last_line = ""
        self._last_time = -1e9

    @property
    def out(self) -> TextIO:
        return self._stream or sys.stdout

    def start(self, progress: Any, *, title: str) -> None:
        self.out.write(title + "\n")
        self.out.flush()

    def update(self, progress: Any) -> None:
        line = progress.line()
        if line == self._last_line:
            return
        isatty = getattr(self.out, "isatty", lambda: False)()
        if isatty:
            padding = " " * max(0, len(self._last_line) - len(line))
            self.out.write(f"\r{line}{padding}")
        elif self._clock() - self._last_time >= _TEXT_EVERY:
            self.out.write(line + "\n")
            self._last_time = self._clock()
        else:
            return
        self._last_line = line
        self.out.flush()

    def finish(self, summary: MapSummary) -> None:
        if self._last_line and getattr(self.out, "isatty", lambda: False)():
            self.out.write("\r" + " " * len(self._last_line) + "\r")
        self.out.write(summary_bundle(summary)["text/plain"] + "\n")
        self.out.flush()


def make_map_view(mode: str = "auto", *, display: Any = None, stream: TextIO | None = None) -> MapView:
    """The map progress view for ``mode`` (``auto``, ``widget``, ``markdown``, ``text``) or ``quiet``."""
    from . import detect_mode

    chosen = detect_mode() if mode == "auto" else mode
    if chosen == "quiet":
        return MapView()
    if chosen == "text":
        return TextMapView(stream)
    if display is None:
        from IPython import display as ipy_display

        display = ipy_display
    if chosen == "widget":
        return WidgetMapView(display)
    if chosen == "markdown":
        return MarkdownMapView(display)
    raise ValueError(f"Unknown display mode {mode!r}: use auto, widget, markdown or text.")
