"""Tests of nbresponses.offline._hosted: hosted tool calls in the stand-in model, filled in honestly (no network,
no vector store, arithmetic only), their details only when ``include`` asks."""

from __future__ import annotations

import base64

from nbresponses.offline._hosted import hosted_items


def test_a_web_search_cites_a_placeholder_and_sources_only_when_included() -> None:
    call, message = hosted_items([{"type": "web_search_preview"}], {}, "What is the latest Python news?")
    assert call["type"] == "web_search_call" and call["action"]["query"] == "What is the latest Python news?"
    assert "sources" not in call["action"]
    part = message["content"][0]
    citation = part["annotations"][0]
    assert (
        part["text"][citation["start_index"] : citation["end_index"]] == "there is no real result to report"
    )
    assert citation["url"].startswith("https://search.offline.nbresponses.invalid/")
    body = {"include": ["web_search_call.action.sources"]}
    included, _ = hosted_items([{"type": "web_search"}], body, "search the web for nbresponses")
    (source,) = included["action"]["sources"]
    assert source == {
        "type": "url",
        "url": "https://search.offline.nbresponses.invalid/?q=search%20the%20web%20for%20nbresponses",
    }


def test_a_file_search_names_its_store_and_reads_nothing() -> None:
    tool = {"type": "file_search", "vector_store_ids": ["vs_1"]}
    call, message = hosted_items([tool], {}, "according to the docs, what is the refund policy?")
    assert (
        call["queries"] == ["according to the docs, what is the refund policy?"] and call["results"] is None
    )
    assert "vs_1" in message["content"][0]["text"]
    with_results, _ = hosted_items([tool], {"include": ["file_search_call.results"]}, "search my files")
    assert with_results["results"][0]["vector_store_id"] == "vs_1"


def test_code_interpreter_evaluates_arithmetic_and_factorials_only() -> None:
    body = {"include": ["code_interpreter_call.outputs"]}
    tool = {"type": "code_interpreter", "container": {"type": "auto"}}
    call, message = hosted_items([tool], body, "Calculate (2 + 3) * 4 ^ 2")
    assert (
        call["outputs"] == [{"type": "logs", "logs": "80"}]
        and message["content"][0]["text"] == "The result is 80."
    )
    factorial, _ = hosted_items([tool], body, "compute the factorial of 10")
    assert "math.factorial(10)" in factorial["code"] and factorial["outputs"][0]["logs"] == "3628800"
    other, answer = hosted_items([tool], body, "run code that reads my emails")
    assert other["outputs"][0]["logs"] == "(the code was not run)"
    assert "not run" in answer["content"][0]["text"]
    huge, _ = hosted_items([tool], body, "calculate 2 ^ 9999")
    assert "not run" in huge["outputs"][0]["logs"]  # too large to evaluate: not run
    assert hosted_items([tool], {}, "calculate 1 + 1")[0]["outputs"] is None


def test_image_generation_draws_a_png_from_the_prompt() -> None:
    call, _ = hosted_items([{"type": "image_generation"}], {}, "draw a red fox")
    assert call["type"] == "image_generation_call" and base64.b64decode(call["result"])[:4] == b"\x89PNG"


def test_tool_choice_decides() -> None:
    tools = [{"type": "web_search"}, {"type": "image_generation"}]
    assert hosted_items(tools, {"tool_choice": "none"}, "search the web") == []
    forced = hosted_items(tools, {"tool_choice": {"type": "image_generation"}}, "search the web")
    assert forced[0]["type"] == "image_generation_call"
    assert hosted_items(tools, {"tool_choice": "required"}, "hello")[0]["type"] == "web_search_call"
    assert hosted_items(tools, {}, "hello") == [] and hosted_items([], {}, "search the web") == []


def test_the_seed_docs_prompts_use_the_hosted_tool_offered() -> None:
    files = [{"type": "file_search", "vector_store_ids": ["vs_1"]}]
    call, message = hosted_items(files, {}, "Search for information about quarterly reports")
    assert call["type"] == "file_search_call" and call["queries"] == [
        "Search for information about quarterly reports"
    ]
    assert message["content"][0]["annotations"][0]["type"] == "file_citation"
    web = [{"type": "web_search"}]
    assert hosted_items(web, {}, "Look up the population of Lyon")[0]["type"] == "web_search_call"
    both = [
        {"type": "web_search"},
        *files,
    ]  # a plain "search" goes to the first offered, the tool's own words win
    assert hosted_items(both, {}, "Find information about Lyon")[0]["type"] == "web_search_call"
    assert (
        hosted_items(both, {}, "Search the documents for the refund policy")[0]["type"] == "file_search_call"
    )
    code = [{"type": "code_interpreter", "container": {"type": "auto"}}]
    chart, _ = hosted_items(code, {}, "Create a chart showing sales data")
    assert chart["type"] == "code_interpreter_call" and chart["outputs"] is None
    for prompt in (
        "Plot the monthly signups",
        "Analyse this table",
        "run code to sort a list",
        "绘制销售数据的图表",
    ):
        assert hosted_items([*files, *code], {}, prompt)[0]["type"] == "code_interpreter_call", prompt
    assert hosted_items([*files, *code], {}, "Write a haiku about autumn.") == []


def test_a_chart_of_the_numbers_given_is_drawn_as_the_calls_image_output() -> None:
    code = [{"type": "code_interpreter"}]
    body = {"include": ["code_interpreter_call.outputs"]}
    call, message = hosted_items(code, body, "Create a chart showing sales data: Jan:100, Feb:150, Mar:120")
    assert (
        "labels = ['Jan', 'Feb', 'Mar']\nvalues = [100, 150, 120]" in call["code"]
        and "plt.bar" in call["code"]
    )
    (image,) = call["outputs"]
    assert image["type"] == "image" and image["url"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["url"].split(",", 1)[1])[:4] == b"\x89PNG"
    assert message["content"][0]["text"] == (
        "The chart shows 3 values (Jan 100, Feb 150, Mar 120): the highest is Feb (150), the total 370."
    )
    plain, _ = hosted_items(code, body, "Plot 3, 1.5 and 4")
    assert "labels = ['1', '2', '3']\nvalues = [3, 1.5, 4]" in plain["code"]
