"""The pure Markdown and text renderings: answers and sources, reasoning, tool cards, notices, errors, outcomes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from markdown_it import MarkdownIt

from nbresponses import _exceptions as exc
from nbresponses.pricing.usage_stats import TurnStats
from nbresponses.render import LocalCall, TurnOutcome, outcome_markdown, outcome_text, response_markdown
from nbresponses.render._markdown import (
    answer_markdown,
    card_sections,
    error_markdown,
    item_markdown,
    notice_markdown,
    reasoning_text,
)
from nbresponses.types.response import Response
from tests.recordings import json_body, load_recordings, require_recordings

COMMONMARK = MarkdownIt("commonmark")


def message(*parts: dict[str, Any], id: str = "msg_1") -> dict[str, Any]:
    return {"type": "message", "id": id, "role": "assistant", "status": "completed", "content": list(parts)}


def text(value: str, *annotations: dict[str, Any]) -> dict[str, Any]:
    return {"type": "output_text", "text": value, "annotations": list(annotations)}


def cite(url: str, title: str | None = None) -> dict[str, Any]:
    note: dict[str, Any] = {"type": "url_citation", "url": url, "start_index": 0, "end_index": 1}
    if title is not None:
        note["title"] = title
    return note


def response(*output: dict[str, Any], status: str = "completed", **extra: Any) -> Response:
    return Response.model_validate(
        {
            "id": "resp_1",
            "object": "response",
            "status": status,
            "model": "m",
            "output": list(output),
            **extra,
        }
    )


def links(markdown: str) -> list[tuple[str, str]]:
    """(text, href) of every link CommonMark finds in ``markdown``."""
    found = []
    for block in COMMONMARK.parse(markdown):
        children = block.children or []
        for index, token in enumerate(children):
            if token.type == "link_open":
                closing = next(i for i in range(index, len(children)) if children[i].type == "link_close")
                label = "".join(t.content for t in children[index + 1 : closing] if t.type == "text")
                found.append((label, str(token.attrGet("href"))))
    return found


def images(markdown: str) -> list[str]:
    return [
        str(token.attrGet("src"))
        for block in COMMONMARK.parse(markdown)
        for token in block.children or []
        if token.type == "image"
    ]


def fences(markdown: str) -> list[tuple[str, str]]:
    """(info, content) of every fenced code block."""
    return [(t.info, t.content) for t in COMMONMARK.parse(markdown) if t.type == "fence"]


def plain(markdown: str) -> str:
    """The text a reader sees (inline text and code), markup gone."""
    out = []
    for token in COMMONMARK.parse(markdown):
        if token.type in ("fence", "code_block"):
            out.append(token.content)
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                out.append(child.content)
    return " ".join(out)


# ----- answer_markdown -----


def test_answer_lists_each_cited_url_once_after_the_text() -> None:
    part = text(
        "Mount Columbia is the highest.",
        cite("https://britannica.example/columbia", "Mount Columbia | Britannica"),
        cite("https://britannica.example/columbia", "Mount Columbia | Britannica"),
        cite("https://peakbagger.example/p?id=1&x=2"),
    )
    answer = answer_markdown([message(part)])
    assert answer.startswith("Mount Columbia is the highest.")
    assert links(answer) == [
        ("Mount Columbia | Britannica", "https://britannica.example/columbia"),
        ("https://peakbagger.example/p?id=1&x=2", "https://peakbagger.example/p?id=1&x=2"),
    ]
    assert answer.count("Sources:") == 1


def test_citation_titles_and_urls_cannot_break_the_link() -> None:
    part = text("x", cite("https://a.example/wiki/Foo_(bar) baz", "[evil](javascript:alert(1)) <b>t</b>"))
    [(label, href)] = links(answer_markdown([message(part)]))
    assert label == "[evil](javascript:alert(1)) <b>t</b>"  # the title stays text
    assert href == "https://a.example/wiki/Foo_(bar)%20baz"


def test_file_citations_name_the_file() -> None:
    part = text(
        "Paris.",
        {"type": "file_citation", "file_id": "file-1", "filename": "notes.txt", "index": 5},
        {"type": "container_file_citation", "file_id": "cfile_2", "container_id": "c", "start_index": 0,
         "end_index": 1},
    )  # fmt: skip
    answer = answer_markdown([message(part)])
    assert "Sources: `notes.txt` · `cfile_2`" in answer


def test_refusals_and_several_messages_in_order() -> None:
    items = [
        message(text("First."), id="m1"),
        {"type": "function_call", "id": "fc", "call_id": "c", "name": "f", "arguments": "{}"},
        message({"type": "refusal", "refusal": "I can't help with that.\nNot at all."}, id="m2"),
        message(text(""), text("Third."), id="m3"),
    ]
    answer = answer_markdown(items)
    assert answer == "First.\n\n> 🚫 **Refused:** I can't help with that.\n> Not at all.\n\nThird."
    quote = [t for t in COMMONMARK.parse(answer) if t.type == "blockquote_open"]
    assert len(quote) == 1  # both lines of the refusal inside one quote


def test_answer_of_no_messages_is_empty() -> None:
    assert answer_markdown([]) == ""
    assert answer_markdown([{"type": "web_search_call", "id": "ws", "status": "completed"}]) == ""


# ----- reasoning_text -----


def test_reasoning_summaries_joined_and_raw_text_when_an_item_has_no_summary() -> None:
    items = [
        {"type": "reasoning", "id": "rs1", "summary": [{"type": "summary_text", "text": "**Plan**"},
                                                     {"type": "summary_text", "text": "Then act."}]},
        message(text("answer")),
        {"type": "reasoning", "id": "rs2", "summary": [],
         "content": [{"type": "reasoning_text", "text": "raw thoughts"}]},
        {"type": "reasoning", "id": "rs3", "summary": [], "encrypted_content": "gAAA"},
    ]  # fmt: skip
    assert reasoning_text(items) == "**Plan**\n\nThen act.\n\nraw thoughts"
    assert reasoning_text([message(text("no reasoning"))]) == ""


# ----- item_markdown -----


def test_function_call_card_shows_name_status_and_pretty_arguments() -> None:
    card = item_markdown(
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
         "arguments": '{"city":"Paris","unit":"celsius"}', "status": "completed"}
    )  # fmt: skip
    # "completed" is the model's word for "finished writing the call": the card says what the notebook did.
    assert card.startswith("**🔧 function call** `get_weather` — not run here")
    assert fences(card) == [("json", '{\n  "city": "Paris",\n  "unit": "celsius"\n}\n')]


def test_one_card_per_function_call_moves_through_its_states() -> None:
    item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f",
            "arguments": '{"x": 1}', "status": "completed"}  # fmt: skip
    call = LocalCall("call_1", "f", '{"x": 1}')
    assert "— queued" in item_markdown(item, call=call, runs_tools=True)
    call.state = "waiting"
    waiting = item_markdown(item, call=call, runs_tools=True)
    assert "— waiting for approval" in waiting and "completed" not in waiting
    call.state = "running"
    assert "— running…" in item_markdown(item, call=call, runs_tools=True)
    call.finish(result="42", error=None, seconds=0.25, ran=True)
    done = item_markdown(item, call=call, runs_tools=True)
    assert done.startswith("**🔧 function call** `f` — done in 0.25 s")
    assert done.count('"x": 1') == 1 and done.count("42") == 1  # the arguments once, the result once
    call.finish(result=None, error="f raised ValueError: bad", seconds=0.5, ran=True)
    failed = item_markdown(item, call=call, runs_tools=True)
    assert "— failed after 0.50 s" in failed and "⚠️ f raised ValueError: bad" in failed
    call.finish(
        result="The user declined to run f.", error="The user declined to run f.", seconds=0.0, ran=False
    )
    denied = item_markdown(item, call=call, runs_tools=True)
    assert "— not run" in denied and denied.count("declined") == 1 and "⛔" in denied


def test_card_sections_merge_each_call_with_its_item() -> None:
    items = [{"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f", "arguments": "{}",
              "status": "completed"}]  # fmt: skip
    calls = [LocalCall("call_1", "f", "{}", state="done", result="ok", seconds=0.1),
             LocalCall("call_2", "g", "{}", state="running")]  # fmt: skip
    cards = card_sections(items, calls, runs_tools=True)
    assert [c.markdown.split("\n")[0] for c in cards] == [
        "**🔧 function call** `f` — done in 0.10 s",
        "**🔧 function call** `g` — running…",
    ]


def test_arguments_still_streaming_are_shown_as_they_are() -> None:
    card = item_markdown({"type": "function_call", "id": "fc", "name": "f", "arguments": '{"city": "Par'})
    assert fences(card) == [("json", '{"city": "Par\n')]


@pytest.mark.parametrize("ticks", [3, 4, 7])
def test_a_fence_inside_arguments_gets_a_longer_fence(ticks: int) -> None:
    code = f"before\n{'`' * ticks}python\nprint(1)\n{'`' * ticks}\nafter"
    card = item_markdown({"type": "custom_tool_call", "id": "ctc", "name": "run", "input": code})
    assert fences(card) == [("", code + "\n")]


def test_names_with_backticks_stay_inline_code() -> None:
    card = item_markdown({"type": "function_call", "id": "fc", "name": "a`b", "arguments": ""})
    [code] = [c for t in COMMONMARK.parse(card) for c in t.children or [] if c.type == "code_inline"]
    assert code.content == "a`b"


def test_unknown_item_types_show_every_field_as_json() -> None:
    item = {"type": "hologram_call", "id": "hc_1", "status": "completed", "depth": 3,
            "layers": [{"name": "a", "opacity": 0.5}], "note": "```not a fence```"}  # fmt: skip
    card = item_markdown(item)
    assert card.startswith("**📦 hologram_call** — done")
    [(info, content)] = fences(card)
    assert info == "json"
    assert json.loads(content) == {k: v for k, v in item.items() if k not in ("type", "id", "status")}


def test_messages_and_reasoning_have_no_card() -> None:
    assert item_markdown(message(text("hi"))) == ""
    assert item_markdown({"type": "reasoning", "id": "rs", "summary": []}) == ""


def test_web_search_card_shows_queries_pages_and_sources() -> None:
    search = item_markdown({
        "type": "web_search_call", "id": "ws_1", "status": "completed",
        "action": {"type": "search", "query": "q1", "queries": ["tallest *peak*", "alberta_peaks"],
                   "sources": [{"type": "url", "url": "https://a.example/1", "title": "A"},
                               {"type": "url", "url": "https://b.example/2"}, {"type": "api", "name": "oai-weather"},
                               "junk"]},
    })  # fmt: skip
    assert "tallest *peak*" in plain(search) and "alberta_peaks" in plain(search)
    assert "q1" not in search  # ``queries`` wins over the legacy ``query``
    assert links(search) == [("A", "https://a.example/1"), ("https://b.example/2", "https://b.example/2")]
    assert search.endswith(" · `oai-weather`")
    opened = item_markdown({"type": "web_search_call", "id": "ws_2", "status": "completed",
                            "action": {"type": "open_page", "url": "https://docs.example/page"}})  # fmt: skip
    assert "opened" in opened and links(opened) == [
        ("https://docs.example/page", "https://docs.example/page")
    ]
    found = item_markdown({"type": "web_search_call", "id": "ws_3", "status": "completed",
                           "action": {"type": "find_in_page", "pattern": "Sources",
                                      "url": "https://docs.example/page"}})  # fmt: skip
    assert "find `Sources` in" in found and links(found)[0][1] == "https://docs.example/page"
    searching = item_markdown({"type": "web_search_call", "id": "ws_4", "status": "searching"})
    assert searching == "**🌐 web search** — searching…"


def test_file_search_card_shows_queries_and_results() -> None:
    card = item_markdown({
        "type": "file_search_call", "id": "fs_1", "status": "completed", "queries": ["capital of France?"],
        "results": [{"file_id": "file-1", "filename": "geo.txt", "score": 0.9716, "text": "Paris <b>is</b>\nthe capital."},
                    {"file_id": "file-2", "text": "x" * 500}],
    })  # fmt: skip
    assert "🔎 capital of France?" in card
    assert "- `geo.txt` (0.97): Paris" in card
    assert "Paris <b>is</b> the capital." in plain(card)  # the snippet is text, not markup
    assert "`file-2`" in card and "more chars" in card


def test_code_interpreter_card_shows_code_logs_and_images() -> None:
    card = item_markdown({
        "type": "code_interpreter_call", "id": "ci_1", "status": "completed", "container_id": "cntr",
        "code": "print(6 * 7)", "outputs": [{"type": "logs", "logs": "42\n"},
                                            {"type": "image", "url": "https://files.example/plot.png"}],
    })  # fmt: skip
    assert fences(card) == [("python", "print(6 * 7)\n"), ("", "42\n")]
    assert images(card) == ["https://files.example/plot.png"]
    running = item_markdown(
        {"type": "code_interpreter_call", "id": "ci", "status": "interpreting", "outputs": None}
    )
    assert running == "**🐍 code interpreter** — running…"


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(40)).decode()
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(40)).decode()
WEBP = base64.b64encode(b"RIFF\x00\x00\x00\x00WEBPVP8L" + bytes(40)).decode()


@pytest.mark.parametrize(
    ("result", "output_format", "mime"),
    [(PNG, "png", "png"), (JPEG, "jpeg", "jpeg"), (WEBP, "webp", "webp"), (JPEG, None, "jpeg"),
     (WEBP, None, "webp"), (JPEG, "jpg", "jpeg"), (PNG, "tiff", "png")],
)  # fmt: skip
def test_generated_image_is_a_data_url_of_its_format(
    result: str, output_format: str | None, mime: str
) -> None:
    item = {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": result,
            "revised_prompt": "A *cat*\non a mat", "output_format": output_format}  # fmt: skip
    card = item_markdown(item)
    assert images(card) == [f"data:image/{mime};base64,{result}"]
    assert "A *cat* on a mat" in plain(card)


def test_partial_image_shows_until_the_result_arrives() -> None:
    running = {"type": "image_generation_call", "id": "ig_1", "status": "generating"}
    assert images(item_markdown(running)) == []
    assert images(item_markdown(running, partial_image=WEBP)) == [f"data:image/webp;base64,{WEBP}"]
    done = {**running, "status": "completed", "result": PNG, "output_format": "png"}
    assert images(item_markdown(done, partial_image=WEBP)) == [f"data:image/png;base64,{PNG}"]


def test_mcp_call_card_shows_server_tool_arguments_and_output() -> None:
    card = item_markdown({"type": "mcp_call", "id": "mcp_1", "server_label": "dmcp", "name": "roll",
                          "arguments": '{"diceRollExpression":"2d4 + 1"}', "output": "4", "error": None})  # fmt: skip
    assert card.startswith("**🔌 MCP call** `roll` on `dmcp`")
    assert fences(card) == [("json", '{\n  "diceRollExpression": "2d4 + 1"\n}\n')]
    assert "→ `4`" in card
    long_output = item_markdown({"type": "mcp_call", "id": "mcp_2", "server_label": "wiki", "name": "ask",
                                 "arguments": "{}", "output": "line one\n<script>x</script>"})  # fmt: skip
    assert fences(long_output)[-1] == ("", "line one\n<script>x</script>\n")  # in a fence: never markup


@pytest.mark.parametrize(
    ("error", "shown"),
    [({"type": "http_error", "code": 424, "message": "424: "}, "http_error 424"),
     ({"type": "mcp_protocol_error", "code": 32600, "message": "Invalid request"},
      "mcp_protocol_error 32600: Invalid request"),
     ("Tool not found", "Tool not found")],
)  # fmt: skip
def test_mcp_call_errors_are_one_readable_line(error: Any, shown: str) -> None:
    card = item_markdown({"type": "mcp_call", "id": "mcp_1", "server_label": "dmcp", "name": "roll",
                          "arguments": "{}", "output": None, "error": error})  # fmt: skip
    assert "— failed" in card.splitlines()[0]
    assert f"⚠️ {shown}" in plain(card)
    assert "{" not in card.split("⚠️")[1]  # not a Python repr of the error dict


def test_mcp_list_tools_and_approval_request_cards() -> None:
    tools = item_markdown({"type": "mcp_list_tools", "id": "mcpl_1", "server_label": "zip1",
                           "tools": [{"name": "create_short_url", "input_schema": {}}, {"name": "get_url_stats"}]})  # fmt: skip
    assert tools == "**🔌 MCP tools**\n\nserver `zip1`: `create_short_url`, `get_url_stats`"
    listing = item_markdown({"type": "mcp_list_tools", "id": "mcpl_2", "server_label": "zip1", "tools": [],
                             "status": "in_progress"})  # fmt: skip
    assert listing == "**🔌 MCP tools** — running…\n\nserver `zip1`"
    request = item_markdown({"type": "mcp_approval_request", "id": "mcpr_9", "server_label": "zip1",
                             "name": "create_short_url", "arguments": '{"url":"https://ai-sdk.dev/"}'})  # fmt: skip
    assert request.startswith("**🔌 MCP approval request** `create_short_url` on `zip1`")
    assert fences(request) == [("json", '{\n  "url": "https://ai-sdk.dev/"\n}\n')]
    assert "approval" in request.split("```")[-1] and "`mcpr_9`" in request


def test_tool_search_cards() -> None:
    call = item_markdown({"type": "tool_search_call", "id": "tsc", "status": "completed", "execution": "server",
                          "arguments": {"paths": ["get_exchange_rate"]}})  # fmt: skip
    assert call.startswith("**🔎 tool search** — done")
    assert json.loads(fences(call)[0][1]) == {"paths": ["get_exchange_rate"]}
    found = item_markdown({"type": "tool_search_output", "id": "tso", "status": "completed",
                           "tools": [{"type": "function", "name": "get_exchange_rate", "parameters": {}}]})  # fmt: skip
    assert found == "**🔎 tools found** — done\n\n`get_exchange_rate`"


# ----- recorded items (non-stream recordings with fields the streams lack) -----


def _recorded_items(name: str) -> list[dict[str, Any]]:
    require_recordings()
    [recording] = [r for r in load_recordings() if r["name"] == name]
    items: list[dict[str, Any]] = json_body(recording)["output"]
    return items


@pytest.mark.conformance
def test_recorded_web_search_sources_are_all_linked() -> None:
    for item in _recorded_items("web-search-sources"):
        if item["type"] == "web_search_call":
            card = item_markdown(item)
            assert [href for _, href in links(card)] == [
                s["url"] for s in item["action"]["sources"] if "url" in s
            ]
            assert all(f"`{s['name']}`" in card for s in item["action"]["sources"] if "url" not in s)
            assert item["action"]["query"] in card


@pytest.mark.conformance
def test_recorded_open_page_and_find_in_page() -> None:
    cards = [item_markdown(i) for i in _recorded_items("web-search-open-page-find-in-page")
             if i["type"] == "web_search_call"]  # fmt: skip
    assert any(c.count("opened") == 1 for c in cards)
    assert any("find `Sources`" in c for c in cards)


@pytest.mark.conformance
def test_recorded_file_search_results_and_code_interpreter_logs() -> None:
    [search] = [i for i in _recorded_items("file-search-include-results") if i["type"] == "file_search_call"]
    card = item_markdown(search)
    for result in search["results"]:
        assert f"`{result['filename']}` ({result['score']:.2f})" in card and result["text"] in plain(card)
    [call] = [
        i for i in _recorded_items("code-interpreter-include-outputs") if i["type"] == "code_interpreter_call"
    ]
    assert [content for _, content in fences(item_markdown(call))] == [
        call["code"].rstrip() + "\n",
        *(o["logs"] + "\n" for o in call["outputs"]),
    ]


@pytest.mark.conformance
def test_recorded_jpeg_image_is_shown_as_jpeg() -> None:
    [image] = [i for i in _recorded_items("image-generation-jpeg") if i["type"] == "image_generation_call"]
    assert images(item_markdown(image)) == [f"data:image/jpeg;base64,{image['result']}"]


# ----- notices and errors -----


def test_incomplete_notice_gives_the_reason_and_advice() -> None:
    stopped = {"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}
    notice = notice_markdown(stopped, "incomplete")
    assert "Incomplete" in notice and "(max_output_tokens)" in notice and "--max-output-tokens" in notice
    filtered = notice_markdown({"status": "incomplete", "incomplete_details": {"reason": "content_filter"}},
                               "completed")  # fmt: skip
    assert "(content_filter)" in filtered and "--max-output-tokens" not in filtered
    assert "unknown reason" in notice_markdown(None, "incomplete")


def test_interrupted_notice_and_none_when_completed() -> None:
    assert "Interrupted" in notice_markdown({"status": "in_progress"}, "interrupted")
    assert notice_markdown({"status": "completed"}, "completed") == ""
    assert notice_markdown(None, "error") == ""


def test_status_error_shows_status_code_request_message_and_hint() -> None:
    error = exc.RateLimitError("You exceeded your current quota.", status=429, code="insufficient_quota",
                               type="insufficient_quota", request_id="req_123")  # fmt: skip
    shown = error_markdown(error)
    assert shown.startswith(
        "❌ **RateLimitError** (HTTP 429, code `insufficient_quota`, request `req_123`): "
    )
    assert "You exceeded your current quota." in shown
    assert shown.endswith(error.hint) and "billing" in error.hint


def test_status_error_without_code_uses_the_status_hint() -> None:
    error = exc.NotFoundError("No such model: gpt-9", status=404)
    # a message without a full stop gets one, so that it does not run into the hint
    assert error_markdown(error) == f"❌ **NotFoundError** (HTTP 404): No such model: gpt-9. {error.hint}"
    error = exc.UnprocessableEntityError("model: Field required", status=422)
    assert f"model: Field required. {error.hint}" in error_markdown(error)


def test_stream_and_other_errors() -> None:
    failed = exc.ResponseFailedError("The server had an error.", code="server_error")
    assert error_markdown(failed).startswith(
        "❌ **ResponseFailedError** (code `server_error`): The server had"
    )
    assert error_markdown(ValueError("bad value")) == "❌ **ValueError**: bad value"


def test_an_api_key_in_an_error_message_never_shows() -> None:
    key = "sk-proj-" + "A1b2C3d4" * 6
    error = exc.AuthenticationError(f"Incorrect API key provided: {key}.", status=401)
    assert key not in error_markdown(error) and "[redacted]" in error_markdown(error)


# ----- outcomes -----


STATS = TurnStats(model="m", input_tokens=12, cached_tokens=0, output_tokens=40, reasoning_tokens=None,
                  total_tokens=52, cost_usd=None, ttft_s=0.2, total_s=1.0)  # fmt: skip


def full_response(**extra: Any) -> Response:
    return response(
        {"type": "reasoning", "id": "rs", "summary": [{"type": "summary_text", "text": "Thinking it over."}]},
        {"type": "web_search_call", "id": "ws", "status": "completed",
         "action": {"type": "search", "queries": ["tallest mountain"]}},
        message(text("Mount Columbia.", cite("https://a.example/c", "A"))),
        **extra,
    )  # fmt: skip


def test_outcome_markdown_puts_every_part_in_order() -> None:
    outcome = TurnOutcome(response=full_response(), status="completed", stats=STATS,
                          notice="The JSON did not parse.")  # fmt: skip
    shown = outcome_markdown(outcome, calls=[LocalCall("c", "f", "{}", state="done", seconds=0.1)])
    order = ["<details><summary>Reasoning summary</summary>", "Thinking it over.", "</details>",
             "**🌐 web search**", "**🔧 function call** `f` — done in 0.10 s", "Mount Columbia.",
             "Sources: [A]", "> The JSON did not parse.", "<sub>input 12 · cached 0 · output 40 · cost unknown"]  # fmt: skip
    positions = [shown.index(part) for part in order]
    assert positions == sorted(positions)


def test_outcome_markdown_with_error_and_items_override() -> None:
    error = exc.APIConnectionError("Connection error (ConnectError talking to http://x).")
    earlier = [{"type": "function_call", "id": "fc", "name": "f", "arguments": "{}", "status": "completed"}]
    shown = outcome_markdown(TurnOutcome(response=None, status="error", error=error), items=earlier)
    assert shown.startswith("**🔧 function call** `f`")
    assert shown.endswith(error_markdown(error))


def test_outcome_text_is_every_part_as_plain_text() -> None:
    partial = full_response(status="incomplete", incomplete_details={"reason": "max_output_tokens"})
    shown = outcome_text(TurnOutcome(response=partial, status="incomplete", stats=STATS))
    assert shown.split("\n\n") == [
        "Reasoning summary\n│ Thinking it over.",
        "🌐 web search — done",
        "🔎 tallest mountain",
        "Mount Columbia.",
        "Sources: A <https://a.example/c>",
        "⚠️ Incomplete: the answer stopped early (max_output_tokens). Raise --max-output-tokens to get the rest.",
        STATS.line(),
    ]  # no Markdown markup: no **, no backticks, no [text](url)
    error = exc.StreamError("The stream was cut off.")
    assert outcome_text(TurnOutcome(response=None, status="error", error=error)).startswith(
        "❌ StreamError: The stream was cut off."
    )


def test_response_markdown_shows_the_answer_and_an_incomplete_notice() -> None:
    done = response_markdown(full_response())
    assert "Mount Columbia." in done and "Incomplete" not in done
    cut = response_markdown(
        full_response(status="incomplete", incomplete_details={"reason": "max_output_tokens"})
    )
    assert "Mount Columbia." in cut and "(max_output_tokens)" in cut
