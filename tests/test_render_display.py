"""The fallback views: Markdown replaced in place through a display id, and plain text streamed to a terminal."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from nbresponses import _exceptions as exc
from nbresponses._accumulator import ResponseAccumulator
from nbresponses.render import TurnOutcome, make_view, outcome_markdown, outcome_text
from nbresponses.render._display import MarkdownView, TextView
from nbresponses.render._html import outcome_html
from nbresponses.render._markdown import answer_markdown, item_markdown
from nbresponses.types.response import Response
from nbresponses.usage_stats import TurnStats
from tests.render_fakes import (
    FakeDisplay,
    SteppingClock,
    events,
    feed,
    message,
    recorded_streams,
    response,
    segments,
    text_stream,
)

SEARCH = {"type": "web_search_call", "id": "ws_1", "status": "completed",
          "action": {"type": "search", "queries": ["tallest mountain in Alberta"]}}  # fmt: skip
REASONING = {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Look it up."}]}
STATS = TurnStats(model="gpt-test", input_tokens=10, cached_tokens=0, output_tokens=5, reasoning_tokens=None,
                  total_tokens=15, cost_usd=None, ttft_s=0.1, total_s=0.6)  # fmt: skip


# ----- MarkdownView -----


def new_markdown_view(**kwargs: Any) -> tuple[MarkdownView, FakeDisplay]:
    display = FakeDisplay()
    view = MarkdownView(display=display, **{"refresh_per_second": 0, **kwargs})
    view.start(model="gpt-test", thread="main")
    return view, display


def test_markdown_view_starts_blank_then_shows_a_header_in_place() -> None:
    view, display = new_markdown_view()
    [(first, live_id)] = display.shown
    assert first == {"text/plain": ""} and live_id is not None
    [(header, target)] = display.updates
    assert target == live_id
    assert header["text/markdown"] == "<sub>**gpt-test** · thread `main` · waiting for the first token…</sub>"
    assert header["text/plain"] == ""
    assert "<b>gpt-test</b> · thread <code>main</code> · waiting for the first token…" in header["text/html"]


def test_markdown_view_refreshes_reasoning_cards_and_answer_in_place() -> None:
    view, display = new_markdown_view()
    acc = ResponseAccumulator()
    feed(view, acc, events(
        {"type": "response.output_item.done", "output_index": 0, "item": REASONING},
        {"type": "response.output_item.done", "output_index": 1, "item": SEARCH},
        *text_stream("Mount ", "Columbia.", index=2),
    ))  # fmt: skip
    live_id = display.shown[0][1]
    assert {target for _, target in display.updates} == {live_id}
    latest = display.updates[-1][0]
    markdown = latest["text/markdown"]
    order = ["· streaming…", "<details><summary>Reasoning summary</summary>", "Look it up.",
             item_markdown(SEARCH), "Mount Columbia."]  # fmt: skip
    positions = [markdown.index(part) for part in order]
    assert positions == sorted(positions)
    assert latest["text/plain"] == "Mount Columbia."
    answers = [u["text/plain"] for u, _ in display.updates]
    assert "Mount " in answers  # each delta was shown (refresh_per_second=0)


def test_markdown_view_final_state_is_a_new_output() -> None:
    view, display = new_markdown_view()
    acc = ResponseAccumulator()
    feed(view, acc, events(*text_stream("Hi")))
    view.tool_started("call_1", "f", "{}")
    view.tool_finished("call_1", result="42", error=None, seconds=0.2)
    final = response(message("Hi there."))
    outcome = TurnOutcome(response=final, stats=STATS)
    view.finish(outcome)
    live_id = display.shown[0][1]
    assert display.updates[-1] == ({"text/plain": ""}, live_id)
    bundle, display_id = display.shown[-1]
    assert display_id is None and len(display.shown) == 2
    local = [c.markdown() for c in view.local_calls]
    assert bundle == {"text/html": outcome_html(outcome, items=view.items, local_cards=local),
                      "text/markdown": outcome_markdown(outcome, items=view.items, local_cards=local),
                      "text/plain": outcome_text(outcome, items=view.items)}  # fmt: skip
    assert "**▶ ran** `f({})`" in bundle["text/markdown"] and STATS.line() in bundle["text/markdown"]


def test_markdown_view_shows_errors_without_a_traceback() -> None:
    view, display = new_markdown_view()
    error = exc.AuthenticationError("Incorrect API key provided: sk-proj-abcdefghijklmnop.", status=401)
    view.finish(TurnOutcome(response=None, status="error", error=error))
    bundle = display.shown[-1][0]
    assert "AuthenticationError" in bundle["text/markdown"] and error.hint in bundle["text/markdown"]
    assert "sk-proj-abcdefghijklmnop" not in json.dumps(bundle) and "Traceback" not in json.dumps(bundle)


def test_markdown_view_throttles_but_ends_exact() -> None:
    view, display = new_markdown_view(refresh_per_second=10, clock=SteppingClock(0.01))
    acc = ResponseAccumulator()
    feed(view, acc, events(*text_stream(*(f"w{n} " for n in range(60)))))
    final = acc.snapshot()
    view.finish(TurnOutcome(response=final))
    assert view.events == 62 and view.refreshes < 20
    assert display.shown[-1][0]["text/plain"] == final.output_text == "".join(f"w{n} " for n in range(60))


def test_make_view_builds_each_mode_with_the_given_display() -> None:
    display = FakeDisplay()
    markdown = make_view("markdown", refresh_per_second=0, display=display)
    assert isinstance(markdown, MarkdownView)
    markdown.start(model="m")
    assert display.shown == [({"text/plain": ""}, "display-1")]
    assert isinstance(make_view("text"), TextView)
    with pytest.raises(ValueError, match="Unknown display mode"):
        make_view("hologram")


# ----- TextView -----


def new_text_view() -> tuple[TextView, io.StringIO]:
    out = io.StringIO()
    view = TextView(stream=out)
    view.start(model="gpt-test", thread="main")
    return view, out


def test_text_view_prints_deltas_as_they_arrive_then_the_usage_line() -> None:
    view, out = new_text_view()
    acc = ResponseAccumulator()
    seen = []
    for event in events(*text_stream("Hello", ", world.")):
        acc.add(event)
        view.on_event(event, acc.snapshot)
        seen.append(out.getvalue())
    assert seen[-2:] == ["[gpt-test · thread main]\nHello", "[gpt-test · thread main]\nHello, world."]
    view.finish(TurnOutcome(response=response(message("Hello, world.")), stats=STATS))
    assert out.getvalue() == f"[gpt-test · thread main]\nHello, world.\n\n{STATS.line()}\n"


def test_text_view_prints_tool_cards_and_local_calls() -> None:
    view, out = new_text_view()
    acc = ResponseAccumulator()
    feed(view, acc, events({"type": "response.output_item.done", "output_index": 0, "item": SEARCH}))
    assert out.getvalue().endswith(item_markdown(SEARCH) + "\n")
    view.tool_started("call_7", "f", "{}")
    assert "call_7" not in out.getvalue()  # printed once it finished
    view.tool_finished("call_7", result="ok", error=None, seconds=0.25)
    view.tool_finished("call_7", result="ok", error=None, seconds=0.25)
    assert out.getvalue().count("[call_7]") == 1


def test_text_view_writes_an_answer_that_was_not_streamed() -> None:
    view, out = new_text_view()
    view.finish(TurnOutcome(response=response(message('{"a": 1}'))))
    assert out.getvalue() == '[gpt-test · thread main]\n{"a": 1}\n'


def test_text_view_adds_sources_and_notices_after_the_streamed_text() -> None:
    view, out = new_text_view()
    acc = ResponseAccumulator()
    feed(view, acc, events(*text_stream("Cut o")))
    cited = message("Cut o")
    cited["content"][0]["annotations"] = [{"type": "url_citation", "url": "https://a.example", "title": "A",
                                           "start_index": 0, "end_index": 3}]  # fmt: skip
    partial = response(cited, status="incomplete", incomplete_details={"reason": "max_output_tokens"})
    view.finish(TurnOutcome(response=partial, status="incomplete"))
    printed = out.getvalue()
    assert printed.startswith("[gpt-test · thread main]\nCut o\n\nSources: [A](https://a.example)")
    assert "Incomplete" in printed and printed.count("Cut o") == 1


def test_text_view_writes_an_unstreamed_answer_after_a_card() -> None:
    view, out = new_text_view()
    acc = ResponseAccumulator()
    feed(view, acc, events(
        {"type": "response.output_item.done", "output_index": 0, "item": SEARCH},
        {"type": "response.output_item.done", "output_index": 1, "item": message("The answer.")},
    ))  # fmt: skip
    view.finish(TurnOutcome(response=acc.snapshot()))
    assert "The answer." in out.getvalue()


# ----- recorded streams -----


def replay(recording: dict[str, Any], view: Any) -> list[Response]:
    finals: list[Response] = []
    for events_ in segments(recording):
        if finals:
            view.next_round(finals[-1])
        acc = ResponseAccumulator()
        for event in events_:
            acc.add(event)
            view.on_event(event, acc.snapshot)
        finals.append(acc.snapshot())
    return finals


@pytest.mark.conformance
def test_recorded_streams_render_as_markdown_with_every_card() -> None:
    for recording in recorded_streams():
        view, display = new_markdown_view()
        finals = replay(recording, view)
        name = recording["name"]
        updates = [u["text/markdown"] for u, _ in display.updates if "text/markdown" in u]
        assert len(updates) == view.events + 1, name  # the header, then one refresh per event
        view.finish(TurnOutcome(response=finals[-1]))
        final = display.shown[-1][0]["text/markdown"]
        items = [i.to_dict() for f in finals for i in f.output]
        for item in items:
            card = item_markdown(item)
            assert card in final and card in updates[-1], (name, item["type"])
        assert answer_markdown(items) in final, name


@pytest.mark.conformance
def test_recorded_streams_print_as_text() -> None:
    for recording in recorded_streams():
        view, out = new_text_view()
        finals = replay(recording, view)
        view.finish(TurnOutcome(response=finals[-1]))
        printed = out.getvalue()
        name = recording["name"]
        streamed: dict[str, str] = {}
        for event in (e for events_ in segments(recording) for e in events_):
            if event.type == "response.output_text.delta":
                streamed[event.item_id] = streamed.get(event.item_id, "") + event.delta
        for text in streamed.values():
            assert text in printed, name  # each message's deltas, in order and unbroken
        done = [e.item.to_dict() for events_ in segments(recording) for e in events_
                if e.type == "response.output_item.done"]  # fmt: skip
        for item in done:  # a terminal prints each item once, as its ``output_item.done`` had it
            assert item_markdown(item) in printed, (name, item["type"])
        assert printed.endswith("\n"), name
