"""The progress of a map and its final summary: widget, in-place Markdown, terminal text; safe in every copy."""

from __future__ import annotations

import io
from types import SimpleNamespace

from nbresponses.render import make_map_view, map_summary, summary_bundle
from nbresponses.render._map_view import MapSummary, MarkdownMapView, TextMapView, WidgetMapView
from nbresponses.rowmap import MapProgress, RowResult
from tests.render_fakes import FakeDisplay, visible

WIDGET = "application/vnd.jupyter.widget-view+json"
HOSTILE = "<img src=x onerror=alert(1)> costs $5 and $10 | pipe"


def progress(**values: object) -> MapProgress:
    base = {"total": 10, "started": 1.0, "model": "gpt-4.1-mini"}
    return MapProgress(**{**base, **values})  # type: ignore[arg-type]


def result(rows: list[RowResult], **values: object) -> SimpleNamespace:
    return SimpleNamespace(rows=rows, progress=progress(finished=3.0, **values))


def test_the_summary_escapes_model_text_in_every_copy() -> None:
    rows = [
        RowResult("r0", HOSTILE, "completed"),
        RowResult("r1", None, "failed", error="HTTP 400 <b>bad</b>"),
    ]
    bundle = summary_bundle(
        map_summary(result(rows, done=1, failed=1), title="Mapped df (2 rows)", bound_to="_r")
    )
    assert set(bundle) == {"text/html", "text/markdown", "text/plain"}  # no widget: readable when saved
    assert "<img" not in bundle["text/html"] and "&lt;img" in bundle["text/html"]
    assert "<img" not in bundle["text/markdown"] and "&lt;img" in bundle["text/markdown"]
    assert "\\$5 and \\$10" in bundle["text/markdown"] and "\\| pipe" in bundle["text/markdown"]
    assert "1 × HTTP 400 &lt;b&gt;bad&lt;/b&gt;" in bundle["text/markdown"]
    assert (
        HOSTILE in bundle["text/plain"] and "tex2jax_ignore" in bundle["text/html"]
    )  # no math typeset in it
    assert "bound to `_r`" in bundle["text/markdown"] and "(bound to _r)" in bundle["text/plain"]
    assert "1 rows failed" in visible(bundle["text/html"])


def test_the_summary_says_why_a_map_stopped_or_was_interrupted() -> None:
    rows = [RowResult(i, "ok", "completed") for i in range(3)]
    stopped = map_summary(result(rows, done=3, not_sent=7, stopped="budget reached: $1.00"), title="t")
    assert stopped.notes[0] == "Stopped sending: budget reached: $1.00; 7 rows not sent."
    interrupted = map_summary(result(rows, done=3, not_sent=7, interrupted=True), title="t")
    assert interrupted.notes[0].startswith("Interrupted: 3 of 10 rows answered and kept; 7 left")
    failed = map_summary(result([RowResult(0, None, "failed", error="x")], failed=10), title="t")
    assert failed.failed and failed.errors == [("x", 1)]


def test_the_widget_view_updates_only_what_changed_and_ends_static() -> None:
    display = FakeDisplay()
    view = WidgetMapView(display)
    state = progress()
    view.start(state, title="Mapping df")
    bundle, display_id = display.shown[0]
    assert WIDGET in bundle and bundle["text/plain"].startswith("Mapping df: done 0/10") and display_id
    figures = view.figures.value
    view.update(state)  # nothing changed: nothing sent
    assert view.figures.value == figures
    state.done, state.in_flight = 4, 3
    view.update(state)
    assert view.bar.value == 4 and view.bar.max == 10 and "4/10" in visible(view.figures.value)
    state.failed = 1
    view.update(state)
    assert view.bar.bar_style == "warning"
    view.finish(MapSummary(state, "Mapped df"))
    final, replaced = display.updates[-1]  # the progress bar becomes the summary, in place
    assert replaced == display_id and len(display.shown) == 1
    assert WIDGET not in final and "Mapped df" in final["text/markdown"]
    assert view.box.comm is None  # the widgets are closed: nothing left for a saved notebook to need


def test_the_markdown_view_updates_in_place() -> None:
    display = FakeDisplay()
    view = MarkdownMapView(display)
    state = progress(done=2)
    view.start(state, title="Mapping df")
    assert "done **2/10**" in display.updates[-1][0]["text/markdown"]
    count = len(display.updates)
    view.update(state)
    assert len(display.updates) == count
    view.finish(MapSummary(state, "Mapped df"))
    assert "Mapped df" in display.updates[-1][0]["text/plain"] and len(display.shown) == 1


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_line_is_rewritten_in_place_and_the_summary_printed() -> None:
    out = Tty()
    view = TextMapView(out)
    state = progress(done=1)
    view.start(state, title="Mapping df")
    view.update(state)
    state.done = 5
    view.update(state)
    view.finish(MapSummary(state, "Mapped df"))
    text = out.getvalue()
    assert text.startswith("Mapping df\n\rdone 1/10") and "\rdone 5/10" in text and text.endswith("\n")
    assert "Mapped df" in text.split("\r")[-1]


def test_piped_output_gets_a_line_a_second_at_most() -> None:
    out = io.StringIO()
    now = [0.0]
    view = TextMapView(out, clock=lambda: now[0])
    state = progress()
    for done in range(1, 6):
        state.done = done
        view.update(state)
        now[0] += 0.3
    assert out.getvalue().count("done ") == 2 and "\r" not in out.getvalue()


def test_make_map_view_picks_by_mode() -> None:
    assert type(make_map_view("text")).__name__ == "TextMapView"
    assert type(make_map_view("markdown", display=FakeDisplay())).__name__ == "MarkdownMapView"
    assert type(make_map_view("quiet")).__name__ == "MapView"
