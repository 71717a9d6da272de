"""The fallback views: Markdown replaced in place through a display id, and plain text streamed to a terminal."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from nbresponses import _exceptions as exc
from nbresponses._accumulator import ResponseAccumulator
from nbresponses.pricing.usage_stats import TurnStats
from nbresponses.render import TurnOutcome, make_view, outcome_bundle, render_markdown
from nbresponses.render._display import MARKDOWN_BYTES_PER_CHAR, MarkdownView, TextView
from nbresponses.render._markdown import answer_markdown, item_markdown
from nbresponses.types.response import Response
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


def test_markdown_view_starts_with_a_header_and_updates_one_output_in_place() -> None:
    view, display = new_markdown_view()
    [(first, live_id)] = display.shown
    assert live_id is not None
    assert "<b>gpt-test</b> · thread <code>main</code> · waiting for the first token…" in first["text/html"]
    assert first["text/plain"] == "(streaming…)"


def test_markdown_view_refreshes_reasoning_cards_and_answer_in_place() -> None:
    view, display = new_markdown_view()
    acc = ResponseAccumulator()
    feed(view, acc, events(
        {"type": "response.output_item.done", "output_index": 0, "item": REASONING},
        {"type": "response.output_item.done", "output_index": 1, "item": SEARCH},
        *text_stream("Mount ", "Columbia.", index=2),
    ))  # fmt: skip
    live_id = display.shown[0][1]
    assert {target for _, target in display.updates} == {live_id} and len(display.shown) == 1
    page = display.updates[-1][0]["text/html"]
    order = ["· streaming…", "<details><summary>Reasoning summary</summary>", "Look it up.", "web search",
             "Mount Columbia."]  # fmt: skip
    positions = [page.index(part) for part in order]
    assert positions == sorted(positions)
    assert any("Mount</p>" in u["text/html"] for u, _ in display.updates)  # each delta shown (no throttle)


def test_markdown_view_final_state_replaces_the_live_output_in_place() -> None:
    view, display = new_markdown_view()
    acc = ResponseAccumulator()
    feed(view, acc, events(*text_stream("Hi")))
    view.tool_started("call_1", "f", "{}")
    view.tool_finished("call_1", result="42", error=None, seconds=0.2)
    final = response(message("Hi there."))
    outcome = TurnOutcome(response=final, stats=STATS)
    view.finish(outcome)
    live_id = display.shown[0][1]
    assert len(display.shown) == 1  # no second output: the live one became the final one
    bundle, target = display.updates[-1]
    assert target == live_id and bundle == view.final_bundle
    assert bundle == outcome_bundle(
        outcome, items=view.items, calls=view.local_calls, header="gpt-test · thread main"
    )
    assert set(bundle) == {"text/html", "text/markdown", "text/plain"}
    assert "**🔧 function call** `f` — done in 0.20 s" in bundle["text/markdown"]
    assert STATS.line() in bundle["text/plain"] and "Hi there." in bundle["text/plain"]


def test_markdown_view_sends_bytes_in_proportion_to_the_answer() -> None:
    view, display = new_markdown_view()
    acc = ResponseAccumulator()
    words = [f"word{n} " + ("\n\n" if n % 40 == 39 else "") for n in range(6000)]
    feed(view, acc, events(*text_stream(*words)))
    sent = sum(len(json.dumps(u)) for u, _ in display.updates)
    assert sent <= MARKDOWN_BYTES_PER_CHAR * 1.2 * len("".join(words)) + 10_000


def test_markdown_view_counts_the_page_it_sends_not_only_the_text() -> None:
    view, display = new_markdown_view()
    acc = ResponseAccumulator()
    # A table: its HTML is several times its Markdown, so the text's length alone underestimates each page.
    rows = ["| name | value | cost |\n", "|---|---:|---:|\n"] + [
        f"| row{n} | {n} | {n % 7} |\n" for n in range(2000)
    ]
    feed(view, acc, events(*text_stream(*rows)))
    assert view.sent <= MARKDOWN_BYTES_PER_CHAR * len("".join(rows)) + 8_000
    assert view.sent == sum(len(update["text/html"]) for update, _ in display.updates)


def test_markdown_view_shows_errors_without_a_traceback() -> None:
    view, display = new_markdown_view()
    error = exc.AuthenticationError("Incorrect API key provided: sk-proj-abcdefghijklmnop.", status=401)
    view.finish(TurnOutcome(response=None, status="error", error=error))
    bundle = display.updates[-1][0]
    assert "AuthenticationError" in bundle["text/markdown"] and error.hint in bundle["text/markdown"]
    assert "sk-proj-abcdefghijklmnop" not in json.dumps(bundle) and "Traceback" not in json.dumps(bundle)


def test_markdown_view_throttles_but_ends_exact() -> None:
    view, display = new_markdown_view(refresh_per_second=10, clock=SteppingClock(0.01))
    acc = ResponseAccumulator()
    feed(view, acc, events(*text_stream(*(f"w{n} " for n in range(60)))))
    final = acc.snapshot()
    view.finish(TurnOutcome(response=final))
    assert view.events == 62 and view.refreshes < 20
    assert final.output_text == "".join(f"w{n} " for n in range(60))
    assert display.updates[-1][0]["text/plain"] == "gpt-test · thread main\n\n" + final.output_text.strip()


def test_make_view_builds_each_mode_with_the_given_display() -> None:
    display = FakeDisplay()
    markdown = make_view("markdown", refresh_per_second=0, display=display)
    assert isinstance(markdown, MarkdownView)
    markdown.start(model="m")
    assert [d for _, d in display.shown] == ["display-1"]
    assert isinstance(make_view("text"), TextView)
    with pytest.raises(ValueError, match="Unknown display mode"):
        make_view("hologram")


# ----- TextView -----


def new_text_view() -> tuple[TextView, io.StringIO]:
    out = io.StringIO()
    view = TextView(stream=out)
    view.start(model="gpt-test", thread="main")
    return view, out


def test_text_view_prints_each_block_as_plain_text_once_it_is_finished() -> None:
    view, out = new_text_view()
    acc = ResponseAccumulator()
    seen = []
    for event in events(
        *text_stream("## Plan\n\n", "Costs **$5** and `$10`.", "\n\n- one\n- two", "\n\nEnd")
    ):
        acc.add(event)
        view.on_event(event, acc.snapshot)
        seen.append(out.getvalue())
    assert "Plan" not in seen[3]  # a block shows once the next one has started
    assert "Plan\n────" in seen[4] and "Costs $5 and $10." in seen[4] and "• one" not in seen[4]
    view.finish(TurnOutcome(response=response(message("## Plan\n\nCosts **$5** and `$10`.\n\n- one\n- two\n\nEnd")),
                            stats=STATS))  # fmt: skip
    assert out.getvalue() == (
        f"[gpt-test · thread main]\nPlan\n────\n\nCosts $5 and $10.\n\n• one\n• two\n\nEnd\n\n{STATS.line()}\n"
    )
    assert "**" not in out.getvalue() and "`" not in out.getvalue()


def test_text_view_prints_one_card_per_tool_call() -> None:
    view, out = new_text_view()
    view.runs_tools = True
    acc = ResponseAccumulator()
    call = {"type": "function_call", "id": "fc_1", "call_id": "call_7", "name": "f", "arguments": '{"x": 1}',
            "status": "completed"}  # fmt: skip
    feed(view, acc, events({"type": "response.output_item.done", "output_index": 0, "item": SEARCH},
                           {"type": "response.output_item.done", "output_index": 1, "item": call}))  # fmt: skip
    assert "🌐 web search — done" in out.getvalue() and "function call" not in out.getvalue()
    view.tool_started("call_7", "f", '{"x": 1}')
    assert "function call" not in out.getvalue()  # printed once it finished
    view.tool_finished("call_7", result="ok", error=None, seconds=0.25)
    view.tool_finished("call_7", result="ok", error=None, seconds=0.25)
    printed = out.getvalue()
    assert printed.count("🔧 function call f — done in 0.25 s") == 1 and printed.count('"x": 1') == 1


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
    assert printed.startswith("[gpt-test · thread main]\nCut o\n\nSources: A <https://a.example>")
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
        view.finish(TurnOutcome(response=finals[-1]))
        final = display.updates[-1][0]
        items = [i.to_dict() for f in finals for i in f.output]
        for item in items:
            card = item_markdown(item)
            if card:
                assert render_markdown(card).markdown in final["text/markdown"], (name, item["type"])
        answer = answer_markdown(items)
        assert render_markdown(answer).markdown in final["text/markdown"], name


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
        for text in streamed.values():  # each message as plain text, whole
            assert render_markdown(text).plain.strip() in printed, name
        done = [e.item.to_dict() for events_ in segments(recording) for e in events_
                if e.type == "response.output_item.done"]  # fmt: skip
        for item in done:  # a terminal prints each item once, as its ``output_item.done`` had it
            card = item_markdown(item)
            if card:
                assert render_markdown(card).plain in printed, (name, item["type"])
        assert printed.endswith("\n"), name
