"""Tests of nbresponses.testing._replies: scripted replies are the items and faults the offline server sends, and
a client reads them back as the API's objects."""

from __future__ import annotations

import json

import pytest

from nbresponses import testing
from nbresponses._exceptions import APIStatusError, ResponseFailedError, StreamError
from nbresponses.types.items import OutputItem
from nbresponses.types.response import Response


@pytest.mark.parametrize(
    "item",
    [
        testing.text(
            "hi", annotations=[{"type": "url_citation", "url": "https://x", "start_index": 0, "end_index": 2}]
        ),
        testing.refusal("No."),
        testing.function_call("f", {"a": 1}),
        testing.reasoning("first", "second"),
        testing.web_search("q", sources=("https://example.org",)),
        testing.file_search("q"),
        testing.code_interpreter("print(1)", logs="1"),
        testing.image_generation(prompt="a fox"),
        testing.mcp_call("docs", "search", {"q": "x"}, output="found"),
    ],
    ids=lambda item: str(item["type"]),
)
def test_each_item_is_a_valid_output_item(item: dict[str, object]) -> None:
    parsed = Response.model_validate({"id": "r", "status": "completed", "output": [item]}).output[0]
    assert parsed.type == item["type"]  # type: ignore[union-attr]
    from pydantic import TypeAdapter

    assert TypeAdapter(OutputItem).validate_python(item).type == item["type"]  # type: ignore[union-attr]


def test_a_function_calls_id_is_stable_unless_given() -> None:
    first, again = testing.function_call("f", {"a": 1}), testing.function_call("f", '{"a": 1}')
    assert first["call_id"] == again["call_id"] and first["call_id"].startswith("call_")
    assert testing.function_call("f", call_id="c1")["call_id"] == "c1"
    assert json.loads(testing.function_call("f")["arguments"]) == {}


def test_plans_end_as_asked() -> None:
    client = testing.OfflineBackend().script([
        testing.reply(testing.text("ok"), reasoning_tokens=5),
        testing.incomplete(testing.text("cut"), reason="content_filter"),
    ]).client()  # fmt: skip
    done = client.responses.create(model="m", input="a")
    assert (
        done.output_text == "ok"
        and done.usage is not None
        and done.usage.output_tokens_details.reasoning_tokens == 5
    )
    cut = client.responses.create(model="m", input="b")
    assert cut.status == "incomplete" and cut.incomplete_details is not None
    assert cut.incomplete_details.reason == "content_filter"


def test_faults() -> None:
    client = testing.OfflineBackend().script([
        testing.failed("rate_limit_exceeded", "busy"),
        testing.http_error(429, retry_after=0, code="rate_limit_exceeded", message="slow down"),
        testing.disconnect(3, testing.text("a b c d e")),
        testing.malformed(2),
    ]).client(max_retries=0)  # fmt: skip
    with pytest.raises(ResponseFailedError, match="busy"):
        with client.responses.stream(model="m", input="x") as events:
            events.get_final_response()
    with pytest.raises(APIStatusError) as refused:
        client.responses.create(model="m", input="x")
    assert refused.value.status == 429 and refused.value.code == "rate_limit_exceeded"
    for _ in range(2):
        with pytest.raises(StreamError):
            with client.responses.stream(model="m", input="x") as events:
                events.get_final_response()
    assert testing.stall(1, seconds=2.0).seconds == 2.0 and testing.http_error(500).error is None
