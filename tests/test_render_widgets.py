"""The ipywidgets live view, inspected through its widget tree, fed synthetic and recorded streams."""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
from typing import Any

import pytest

from nbresponses import _exceptions as exc
from nbresponses._accumulator import ResponseAccumulator
from nbresponses.pricing.usage_stats import TurnStats
from nbresponses.render import OutcomeStatus, TurnOutcome, _theme, _widgets, outcome_bundle
from nbresponses.render._html import markdown_to_html
from nbresponses.render._markdown import answer_markdown
from nbresponses.render._widgets import LIVE_ALLOWANCE, LIVE_BYTES_PER_CHAR, WidgetView
from nbresponses.types.response import Response
from tests.recordings import iter_sse_payloads
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
    visible,
)

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def new_view(*, refresh_per_second: float = 0, **kwargs: Any) -> tuple[WidgetView, FakeDisplay]:
    display = FakeDisplay()
    view = WidgetView(refresh_per_second=refresh_per_second, display=display, **kwargs)
    view.start(model="gpt-test", thread="main")
    return view, display


STATS = TurnStats(model="gpt-test", input_tokens=1200, cached_tokens=1024, output_tokens=40, reasoning_tokens=16,
                  total_tokens=1240, cost_usd=0.0123, ttft_s=0.25, total_s=1.25)  # fmt: skip


# ----- display protocol and layout -----


def answer_html(view: WidgetView) -> str:
    """What the live answer shows: its finished pieces, then the part still growing (nothing before the widgets)."""
    if not view.built:
        return ""
    return "".join(p.value for p in view.answer.pieces) + view.answer.tail.value


def final(display: FakeDisplay, view: WidgetView) -> dict[str, str]:
    """The bundle that replaced the live output in place."""
    bundle, target = display.updates[-1]
    assert target == view.display_id and len(display.shown) == 1
    return bundle


def test_start_shows_a_header_line_and_the_widgets_come_with_the_first_text() -> None:
    view, display = new_view()
    [(bundle, display_id)] = display.shown
    assert WIDGET_MIME not in bundle and not view.built  # no widget is opened before there is text to show
    assert "final answer replaces it" in bundle["text/plain"]  # what a frontend without widgets shows
    assert display_id is not None and display_id == view.display_id
    assert visible(bundle["text/html"]) == "gpt-test · thread main · waiting for the first token…"
    feed(view, ResponseAccumulator(), events(*text_stream("Hello")))
    [(live, target)] = [update for update in display.updates if WIDGET_MIME in update[0]]
    assert target == view.display_id and "final answer replaces it" in live["text/plain"]
    assert live[WIDGET_MIME] == {"version_major": 2, "version_minor": 0, "model_id": view.box.model_id}
    # Only what shows: the header and the answer; reasoning, cards and approvals get their boxes when they come.
    assert list(view.box.children) == [view.header, view.answer.tail]
    assert visible(view.header.value) == "gpt-test · thread main · streaming…"
    assert view.reasoning_box is None and view.cards is None and view.approvals is None


def test_answer_streams_and_the_final_output_replaces_the_widget_in_place() -> None:
    view, display = new_view()
    acc = ResponseAccumulator()
    seen = []
    for event in events(*text_stream("Hello", ", **world**")):
        acc.add(event)
        view.on_event(event, acc.snapshot)
        seen.append(answer_html(view))
    assert seen[-2:] == [markdown_to_html("Hello"), markdown_to_html("Hello, **world**")]
    assert "streaming" in visible(view.header.value)

    outcome = TurnOutcome(response=response(message("Hello, **world**")), stats=STATS)
    view.finish(outcome)
    bundle = final(display, view)
    assert WIDGET_MIME not in bundle  # no saved notebook needs widget JavaScript to show the answer
    assert bundle == outcome_bundle(outcome, items=view.items, header="gpt-test · thread main")
    assert "<strong>world</strong>" in bundle["text/html"] and "**world**" in bundle["text/markdown"]
    assert bundle["text/plain"].startswith("gpt-test · thread main\n\nHello, world\n\n")
    assert view.box.comm is None and view.answer.tail.comm is None  # the widgets are closed


def test_usage_line_shows_tokens_cost_timings_and_how_many_requests() -> None:
    view, display = new_view()
    stats = TurnStats(**{**STATS.__dict__, "requests": 3})
    view.finish(TurnOutcome(response=response(message("ok")), stats=stats))
    bundle = final(display, view)
    shown = visible(bundle["text/html"])
    for label, value in stats.parts():
        assert f"{label} {value}" in shown
    assert "sum of 3 requests" in shown and "cached 1,024" in shown and "$0.0123" in shown
    assert bundle["text/plain"].endswith(stats.line()) and stats.line().startswith(
        "sum of 3 requests · input"
    )
    bare, display = new_view()
    bare.finish(TurnOutcome(response=response(message("ok"))))
    assert "input" not in visible(final(display, bare)["text/html"])


def test_reasoning_box_opens_only_when_there_is_reasoning() -> None:
    view, _ = new_view()
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": []}
    acc = ResponseAccumulator()
    feed(view, acc, events({"type": "response.output_item.added", "output_index": 0, "item": reasoning}))
    assert not view.built and view.reasoning_box is None  # nothing to show yet but the header line
    feed(view, acc, events(
        {"type": "response.reasoning_summary_part.added", "output_index": 0, "item_id": "rs_1",
         "summary_index": 0, "part": {"type": "summary_text", "text": ""}},
        {"type": "response.reasoning_summary_text.delta", "output_index": 0, "item_id": "rs_1",
         "summary_index": 0, "delta": "**Weighing** options"},
    ))  # fmt: skip
    assert view.reasoning_box is not None and view.reasoning is not None
    assert list(view.box.children) == [view.header, view.reasoning_box, view.answer.tail]
    assert (
        view.reasoning_box.get_title(0) == "Reasoning summary" and view.reasoning_box.selected_index is None
    )
    assert "<strong>Weighing</strong> options" in view.reasoning.tail.value
    assert view.cards is None  # reasoning is no card


@pytest.mark.parametrize(
    ("status", "reason", "shown"),
    [("incomplete", "max_output_tokens", "Raise --max-output-tokens"),
     ("incomplete", "content_filter", "(content_filter)"),
     ("interrupted", None, "Interrupted")],
)  # fmt: skip
def test_notice_of_an_unfinished_answer(status: Any, reason: str | None, shown: str) -> None:
    view, display = new_view()
    details = {"incomplete_details": {"reason": reason}} if reason else {}
    partial = response(message("Half an ans"), status="incomplete" if reason else "in_progress", **details)
    view.finish(TurnOutcome(response=partial, status=status))
    page = final(display, view)["text/html"]
    assert shown in visible(page) and "Half an ans" in visible(page)
    assert f"<div style='{_theme.WARN}'>" in page  # amber: a notice, not an error


def test_an_api_error_is_a_short_red_message() -> None:
    view, display = new_view()
    error = exc.RateLimitError("Rate limit reached for gpt-test.", status=429, code="rate_limit_exceeded",
                               request_id="req_42")  # fmt: skip
    view.finish(TurnOutcome(response=None, status="error", error=error))
    bundle = final(display, view)
    shown = visible(bundle["text/html"])
    assert "RateLimitError (HTTP 429, code rate_limit_exceeded, request req_42)" in shown
    assert "Rate limit reached for gpt-test." in shown and error.hint in shown
    assert f"<div style='{_theme.ERROR}'>" in bundle["text/html"] and "Traceback" not in shown
    assert "RateLimitError" in bundle["text/plain"]


def test_outcome_notice_is_shown() -> None:
    view, display = new_view()
    view.finish(TurnOutcome(response=response(message("{")), notice="The JSON did not parse."))
    assert "The JSON did not parse." in final(display, view)["text/plain"]


def test_a_long_answer_is_sent_block_by_block_within_the_byte_budget() -> None:
    clock = SteppingClock(0.0001)  # a stream of about 7 s
    view, display = new_view(refresh_per_second=12, clock=clock)
    acc = ResponseAccumulator()
    paragraph = " ".join(f"word{n}" for n in range(60)) + "."
    text = "\n\n".join(f"Paragraph {p}: {paragraph}" for p in range(200))
    deltas = re.findall(r"\s*\S+|\s+", text)  # a word per delta, as models stream
    feed(view, acc, events(*text_stream(*deltas)))
    text = acc.snapshot().output_text
    assert len(view.answer.pieces) >= 3  # finished blocks went into pieces (at most two a second), sent once
    assert len(view.answer.tail.value) < len(text) / 3  # only what came since the last piece is sent again
    assert view.sent <= LIVE_BYTES_PER_CHAR * len(text) + LIVE_ALLOWANCE + 5000
    shown = visible(answer_html(view))
    assert len(shown) > len(text) / 2 and visible(markdown_to_html(text)).startswith(shown.rstrip("\n"))
    view.finish(TurnOutcome(response=acc.snapshot()))
    assert visible(final(display, view)["text/html"]).endswith(visible(markdown_to_html(text)))


def test_a_slow_stream_still_shows_its_tail_and_stays_within_the_floors_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = SteppingClock(0.01)  # a model's pace: a stream of about 140 s
    view, _ = new_view(refresh_per_second=10, clock=clock)
    tail_updates: list[float] = []
    update = _widgets._GrowingText.update

    def counted(self: Any, text: str, may_send: Any) -> int:
        before = self.tail.value
        sent = update(self, text, may_send)
        if self.tail.value != before:
            tail_updates.append(clock.now)
        return sent

    monkeypatch.setattr(_widgets._GrowingText, "update", counted)
    acc = ResponseAccumulator()
    paragraph = " ".join(f"word{n}" for n in range(60)) + "."
    text = "\n\n".join(f"Paragraph {p}: {paragraph}" for p in range(200))
    feed(view, acc, events(*text_stream(*re.findall(r"\s*\S+|\s+", text))))
    # Re-sending the growing block every second, whatever it cost, came to about 5 bytes a character here.
    assert view.sent <= 4 * len(text)
    gaps = [b - a for a, b in itertools.pairwise(tail_updates)]
    assert (
        len(tail_updates) > clock.now / 3 and max(gaps) < 5
    )  # the text still moves, every few seconds at most


def test_a_function_call_has_one_card_that_moves_through_its_states() -> None:
    view, display = new_view()
    view.runs_tools = True
    call = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
            "arguments": '{"city": "Paris"}', "status": "completed"}  # fmt: skip
    feed(
        view,
        ResponseAccumulator(),
        events({"type": "response.output_item.done", "output_index": 0, "item": call}),
    )
    [card] = view.cards.children
    assert "get_weather — queued" in visible(card.value) and "completed" not in visible(card.value)
    view.tool_waiting("call_1", "get_weather", '{"city": "Paris"}')
    assert "— waiting for approval" in visible(card.value)
    view.tool_started("call_1", "get_weather", '{"city": "Paris"}')
    assert view.cards.children == (card,) and "— running…" in visible(card.value)
    assert "running get_weather…" in visible(view.header.value)
    view.tool_finished("call_1", result='{"temp": 21}', error=None, seconds=0.5)
    assert view.cards.children == (card,)
    shown = visible(card.value)
    assert "— done in 0.50 s" in shown and shown.count("Paris") == 1 and shown.count("temp") == 1
    view.finish(TurnOutcome(response=None))
    page = visible(final(display, view)["text/html"])
    assert page.count("🔧 function call") == 1 and page.count("Paris") == 1 and "done in 0.50 s" in page


def test_local_tool_calls_without_an_item_get_a_card_too() -> None:
    view, _ = new_view()
    view.tool_started("call_1", "get_weather", '{"city": "Paris"}')
    [card] = view.cards.children
    assert "get_weather" in visible(card.value) and "running…" in visible(card.value)
    view.tool_started("call_2", "broken", "{}")
    view.tool_finished("call_2", result=None, error="ValueError: no", seconds=0.1)
    assert len(view.cards.children) == 2 and "ValueError: no" in visible(view.cards.children[1].value)


def test_next_round_keeps_earlier_cards_above_the_new_ones() -> None:
    view, _ = new_view()
    call = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f", "arguments": "{}",
            "status": "completed"}  # fmt: skip
    acc = ResponseAccumulator()
    feed(view, acc, events({"type": "response.output_item.done", "output_index": 0, "item": call}))
    [first] = view.cards.children
    view.next_round(acc.snapshot())
    second = ResponseAccumulator()
    feed(view, second, events(*text_stream("Done.")))
    assert view.cards.children == (first,) and "Done." in answer_html(view)
    view.finish(TurnOutcome(response=response(message("Done."))))
    assert [i["type"] for i in view.items] == ["function_call", "message"]


def test_unchanged_cards_are_not_rendered_again() -> None:
    view, _ = new_view()
    acc = ResponseAccumulator()
    search = {"type": "web_search_call", "id": "ws_1", "status": "in_progress"}
    feed(view, acc, events({"type": "response.output_item.added", "output_index": 0, "item": search}))
    [card] = view.cards.children
    changes: list[str] = []
    card.observe(lambda change: changes.append(change["new"]), names="value")
    feed(view, acc, events(*text_stream("a", "b", "c", item_id="msg_1", index=1)))
    assert changes == []  # three refreshes, the search card untouched
    feed(
        view,
        acc,
        events({"type": "response.web_search_call.searching", "output_index": 0, "item_id": "ws_1"}),
    )
    assert len(changes) == 1 and "searching" in visible(changes[0])


def test_partial_images_show_while_the_image_is_generated() -> None:
    partial = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"partial" * 10).decode()
    final = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"final" * 10).decode()
    item = {"type": "image_generation_call", "id": "ig_1", "status": "in_progress"}
    view, _ = new_view()
    acc = ResponseAccumulator()
    feed(view, acc, events(
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.image_generation_call.generating", "output_index": 0, "item_id": "ig_1"},
    ))  # fmt: skip
    [card] = view.cards.children
    assert "<img" not in card.value and "generating" in visible(card.value)
    feed(view, acc, events({"type": "response.image_generation_call.partial_image", "output_index": 0,
                            "item_id": "ig_1", "partial_image_index": 0, "partial_image_b64": partial}))  # fmt: skip
    assert f'<img src="data:image/png;base64,{partial}" alt="partial image"' in card.value
    done = {**item, "status": "completed", "result": final, "output_format": "png"}
    feed(view, acc, events({"type": "response.output_item.done", "output_index": 0, "item": done}))
    assert f'<img src="data:image/png;base64,{final}" alt="generated image"' in card.value
    assert partial not in card.value


# ----- untrusted text -----


def test_tool_results_in_cards_are_escaped_too() -> None:
    view, _ = new_view()
    call = {"type": "mcp_call", "id": "mcp_1", "server_label": "<b>srv</b>", "name": "fetch", "arguments": "{}",
            "output": "<img src=x onerror=alert(1)> ![t](https://evil.example/t.png)"}  # fmt: skip
    feed(
        view,
        ResponseAccumulator(),
        events({"type": "response.output_item.done", "output_index": 0, "item": call}),
    )
    [card] = view.cards.children
    assert "<img" not in card.value and "<b>" not in card.value
    assert "<img src=x onerror=alert(1)>" in visible(card.value) and "<b>srv</b>" in visible(card.value)


# ----- recorded streams with hosted tools -----

_NOT_CARDS = ("message", "reasoning")


def card_items(view: WidgetView) -> list[dict[str, Any]]:
    return [i for i in view.items if i.get("type") not in _NOT_CARDS]


def joined(value: Any) -> str:
    return " ".join(str(value).split())


def expected_texts(item: dict[str, Any]) -> list[str]:
    """What the card of a finished item must show, read from the item itself."""
    kind = item["type"]
    out: list[str] = []
    if kind == "web_search_call":
        action = item.get("action") or {}
        out += [joined(q) for q in action.get("queries") or [action.get("query")] if q]
        out += [action["pattern"]] if action.get("pattern") else []
    elif kind == "file_search_call":
        out += [joined(q) for q in item.get("queries") or ()]
        out += [r["filename"] for r in item.get("results") or () if r.get("filename")]
    elif kind == "code_interpreter_call":
        out += [item["code"].rstrip()] if item.get("code") else []
        out += [o["logs"].rstrip() for o in item.get("outputs") or () if o.get("type") == "logs"]
    elif kind in ("mcp_call", "mcp_approval_request", "function_call"):
        out += [item.get("server_label") or "", item["name"]]
        arguments = json.loads(item["arguments"] or "{}")
        out += [
            f'"{key}": {json.dumps(value, ensure_ascii=False)}'
            if not isinstance(value, dict | list)
            else f'"{key}":'
            for key, value in arguments.items()
        ]
        out += [str(item["output"])] if item.get("output") else []
        if isinstance(item.get("error"), dict):
            out += [str(item["error"]["type"]), str(item["error"]["code"]), "failed"]
        if kind == "mcp_approval_request":
            out += [item["id"], "approval"]
    elif kind == "custom_tool_call":
        out += [item["name"], item["input"].rstrip()]
    elif kind == "mcp_list_tools":
        out += [item["server_label"], *(t["name"] for t in item.get("tools") or ())]
    elif kind == "tool_search_output":
        out += [t["name"] for t in item.get("tools") or ()]
    elif kind == "tool_search_call":
        out += [json.dumps(item.get("arguments"), indent=2)]
    elif kind == "image_generation_call":
        out += [joined(item["revised_prompt"])] if item.get("revised_prompt") else []
    else:
        out += [v for v in (item.get("call_id"), item.get("name")) if v]
    return [s for s in out if s]


def expected_html(item: dict[str, Any]) -> list[str]:
    """Links and images the rendered card must contain."""
    if item["type"] == "web_search_call":
        action = item.get("action") or {}
        urls = [s["url"] for s in action.get("sources") or () if s.get("url")] + [action.get("url")]
        return [f'href="{html.escape(u)}"' for u in urls if u]
    if item["type"] == "image_generation_call" and item.get("result"):
        kind = {"jpg": "jpeg"}.get(item.get("output_format") or "png", item.get("output_format") or "png")
        return [f'<img src="data:image/{kind};base64,{item["result"]}" alt="generated image"']
    return []


def replay(recording: dict[str, Any], view: WidgetView, *, check: bool) -> list[Response]:
    """Feed every response of ``recording`` through ``view`` as the magic does; with ``check``, assert after
    each event that the cards follow the stream."""
    finals: list[Response] = []
    for events_ in segments(recording):
        if finals:
            view.next_round(finals[-1])
        acc = ResponseAccumulator()
        code: dict[str, str] = {}
        for event in events_:
            acc.add(event)
            view.on_event(event, acc.snapshot)
            if check:
                check_mid_stream(view, event, code)
        finals.append(acc.snapshot())
    return finals


def cards(view: WidgetView) -> tuple[Any, ...]:
    """The view's cards (none before its first card: the box is made then)."""
    return view.cards.children if view.cards is not None else ()


def card_of(view: WidgetView, item_id: str) -> str:
    items = card_items(view)
    assert len(items) == len(cards(view))
    [card] = [c.value for i, c in zip(items, cards(view), strict=True) if i.get("id") == item_id]
    return card


def check_mid_stream(view: WidgetView, event: Any, streamed: dict[str, str]) -> None:
    kind = event.type
    if kind in ("response.code_interpreter_call_code.delta", "response.mcp_call_arguments.delta"):
        streamed[event.item_id] = streamed.get(event.item_id, "") + event.delta
        so_far = streamed[event.item_id]
        try:
            so_far = json.dumps(json.loads(so_far), indent=2)
        except ValueError:
            pass
        assert so_far.rstrip() in visible(card_of(view, event.item_id))
    elif kind.endswith((".in_progress", ".searching", ".interpreting", ".generating")) and getattr(
        event, "item_id", None
    ):
        word = {"in_progress": "running", "interpreting": "running"}.get(
            kind.rsplit(".", 1)[1], kind.rsplit(".", 1)[1]
        )
        assert word in visible(card_of(view, event.item_id))
    elif kind == "response.image_generation_call.partial_image":
        assert f";base64,{event.partial_image_b64}" in card_of(view, event.item_id)


@pytest.mark.conformance
def test_there_are_recorded_streams_with_hosted_tools() -> None:
    hosted = {"web_search_call", "file_search_call", "code_interpreter_call", "image_generation_call", "mcp_call",
              "mcp_list_tools", "mcp_approval_request", "tool_search_call"}  # fmt: skip
    seen = {
        json.loads(d).get("item", {}).get("type") for r in recorded_streams() for d in iter_sse_payloads(r)
    }
    assert hosted <= seen


@pytest.mark.conformance
def test_recorded_streams_render_every_tool_item_on_a_card() -> None:
    checked: dict[str, int] = {}
    for recording in recorded_streams():
        view, display = new_view()
        finals = replay(recording, view, check=True)
        items = [i.to_dict() for final in finals for i in final.output if i.type not in _NOT_CARDS]
        assert len(cards(view)) == len(items), recording["name"]
        for item, card in zip(items, cards(view), strict=True):
            for expected in expected_texts(item):
                assert expected in visible(card.value), (recording["name"], item["type"], expected)
            for expected in expected_html(item):
                assert expected in card.value, (recording["name"], item["type"], expected)
        last = finals[-1]
        status: OutcomeStatus = "failed" if last.status == "failed" else "completed"
        if last.status == "incomplete":
            status = "incomplete"
        outcome = TurnOutcome(response=last, status=status)
        view.finish(outcome)
        name = recording["name"]

        items = [i.to_dict() for final in finals for i in final.output if i.type not in _NOT_CARDS]
        static = display.updates[-1][0]
        static_html = static["text/html"]
        for item in items:
            for expected in expected_texts(item):
                assert expected in visible(static_html), (name, item["type"], expected)
                assert expected in visible(markdown_to_html(static["text/markdown"])), (name, item["type"])
            for expected in expected_html(item):
                assert expected in static_html, (name, item["type"], expected)
            checked[item["type"]] = checked.get(item["type"], 0) + 1
        answer = answer_markdown(view.items)
        assert (markdown_to_html(answer) if answer else "") in static_html, name
        if any(i.type == "reasoning" and i.summary for f in finals for i in f.output):
            assert "Reasoning summary" in static_html, name
    assert checked.keys() >= {"web_search_call", "file_search_call", "code_interpreter_call",
                              "image_generation_call", "mcp_call", "mcp_list_tools", "mcp_approval_request",
                              "tool_search_call", "tool_search_output"}  # fmt: skip


@pytest.mark.conformance
def test_throttled_refreshes_end_in_the_same_widgets() -> None:
    for recording in recorded_streams():
        exact, exact_display = new_view()
        finals = replay(recording, exact, check=False)
        throttled, throttled_display = new_view(refresh_per_second=12, clock=SteppingClock(0.02))
        replay(recording, throttled, check=False)
        outcome = TurnOutcome(response=finals[-1])
        exact.finish(outcome)
        throttled.finish(outcome)
        name = recording["name"]
        assert final(throttled_display, throttled) == final(exact_display, exact), name
        if throttled.events > 40:
            assert throttled.refreshes < throttled.events / 2, name
