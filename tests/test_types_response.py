"""Tests of nbresponses.types.response: Response and the other response bodies, against the recordings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from nbresponses.types import (
    CompactResource,
    ConversationItemList,
    ConversationResource,
    DeletedConversationResource,
    DeletedResponse,
    ErrorBody,
    FunctionToolCall,
    InputTokenCount,
    ItemResource,
    Message,
    OutputMessage,
    ReasoningItem,
    Response,
    ResponseItemList,
    ResponseUsage,
)
from tests.recordings import is_stream, json_body, load_recordings, require_recordings, unknown_models

BODY_MODELS: dict[str, type[BaseModel]] = {
    "response": Response,
    "response.input_tokens": InputTokenCount,
    "response.compaction": CompactResource,
    "response.deleted": DeletedResponse,
    "conversation": ConversationResource,
    "conversation.deleted": DeletedConversationResource,
}


def _model_for(recording: dict[str, Any], body: Any) -> type[BaseModel] | None:
    if recording["response"]["status"] != 200:
        return ErrorBody
    kind = str(body.get("object")) if isinstance(body, dict) else ""
    if kind == "list":
        is_conversation = "/conversations/" in recording["request"]["url_path"]
        return ConversationItemList if is_conversation else ResponseItemList
    return BODY_MODELS.get(kind)


def _json_recordings() -> list[dict[str, Any]]:
    require_recordings()
    return [r for r in load_recordings() if not is_stream(r)]


def message(*parts: dict[str, Any], role: str = "assistant") -> dict[str, Any]:
    return {"type": "message", "id": "msg_1", "role": role, "status": "completed", "content": list(parts)}


def text(value: str) -> dict[str, Any]:
    return {"type": "output_text", "text": value, "annotations": []}


def reasoning(*summaries: str) -> dict[str, Any]:
    return {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": s} for s in summaries],
    }


# --- recordings ---------------------------------------------------------------------------------------------


def test_every_recorded_json_body_round_trips_through_its_model() -> None:
    failures: list[str] = []
    checked: dict[str, int] = {}
    for recording in _json_recordings():
        body = json_body(recording)
        model = _model_for(recording, body)
        if model is None:
            continue
        parsed = model.model_validate_json(recording["response"]["body"])
        if parsed.model_dump(mode="json", exclude_unset=True) != body:
            failures.append(f"{recording['name']}: round trip differs")
        if unknowns := unknown_models(parsed):
            failures.append(f"{recording['name']}: fell back to Unknown* at {unknowns}")
        checked[model.__name__] = checked.get(model.__name__, 0) + 1
    assert not failures, "\n".join(failures)
    assert checked == {
        "Response": 56,
        "ResponseItemList": 4,
        "ConversationItemList": 3,
        "InputTokenCount": 2,
        "CompactResource": 1,
        "DeletedResponse": 1,
        "ConversationResource": 3,
        "DeletedConversationResource": 1,
        "ErrorBody": 8,
    }


def test_single_conversation_item_body_is_an_item_resource() -> None:
    recording = next((r for r in _json_recordings() if r["name"] == "conversation-item-retrieve"), None)
    assert recording is not None
    item = TypeAdapter(ItemResource).validate_json(recording["response"]["body"])
    assert isinstance(item, Message) and item.role == "user"
    assert item.to_dict() == json_body(recording)


def test_recorded_output_text_matches_the_raw_json() -> None:
    count = 0
    for recording in _json_recordings():
        body = json_body(recording)
        if not isinstance(body, dict) or body.get("object") != "response":
            continue
        expected = "".join(
            part["text"]
            for item in body["output"]
            if item["type"] == "message"
            for part in item["content"]
            if part["type"] == "output_text"
        )
        assert Response.model_validate(body).output_text == expected, recording["name"]
        count += bool(expected)
    assert count > 30


def test_recorded_parallel_function_calls() -> None:
    recording = next(r for r in _json_recordings() if r["name"] == "function-calls-parallel")
    response = Response.model_validate_json(recording["response"]["body"])
    calls = response.function_calls
    assert len(calls) >= 2
    assert all(isinstance(call, FunctionToolCall) and call.call_id and call.name for call in calls)
    assert [call.id for call in calls] == [
        i["id"] for i in json_body(recording)["output"] if i["type"] == "function_call"
    ]


def test_recorded_reasoning_summary_and_usage_details() -> None:
    recording = next(r for r in _json_recordings() if r["name"] == "reasoning-summary-auto")
    response = Response.model_validate_json(recording["response"]["body"])
    assert isinstance(response.output[0], ReasoningItem)
    assert response.reasoning_summary
    assert response.output_text
    usage = response.usage
    assert isinstance(usage, ResponseUsage)
    assert usage.input_tokens_details is not None and isinstance(
        usage.input_tokens_details.cached_tokens, int
    )
    assert (
        usage.output_tokens_details is not None and usage.output_tokens_details.reasoning_tokens is not None
    )
    assert usage.output_tokens_details.reasoning_tokens > 0


def test_recorded_incomplete_and_failed_details() -> None:
    recording = next(r for r in _json_recordings() if r["name"] == "incomplete-max-output-tokens")
    response = Response.model_validate_json(recording["response"]["body"])
    assert response.status == "incomplete"
    assert (
        response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens"
    )


# --- output_text and the other properties --------------------------------------------------------------------


def test_output_text_skips_a_leading_reasoning_item() -> None:
    response = Response.model_validate({"output": [reasoning("thinking"), message(text("Hello"))]})
    assert response.output_text == "Hello"
    assert response.reasoning_summary == "thinking"


def test_output_text_joins_parts_of_several_messages_in_order() -> None:
    response = Response.model_validate(
        {
            "output": [
                message(text("a"), text("b")),
                {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
                message(text("c")),
            ]
        }
    )
    assert response.output_text == "abc"


def test_output_text_ignores_refusals_and_refusal_joins_them() -> None:
    refusal = {"type": "refusal", "refusal": "I can't help with that."}
    response = Response.model_validate({"output": [message(text("Sorry. "), refusal)]})
    assert response.output_text == "Sorry. "
    assert response.refusal == "I can't help with that."
    assert Response.model_validate({"output": [message(text("x"))]}).refusal is None


def test_output_text_is_empty_without_messages_and_survives_unknown_items() -> None:
    response = Response.model_validate({"output": [{"type": "brand_new_item", "x": 1}, message(text("ok"))]})
    assert response.output_text == "ok"
    assert Response.model_validate({}).output_text == ""


def test_output_text_key_in_the_json_coexists_with_the_property() -> None:
    data = {"id": "resp_1", "output": [message(text("from output"))], "output_text": "from the gateway"}
    response = Response.model_validate(data)
    assert response.output_text == "from output"
    assert response.model_extra == {"output_text": "from the gateway"}
    assert response.to_dict() == data
    assert Response.model_validate_json(json.dumps(data)).model_dump(mode="json", exclude_unset=True) == data


def test_function_calls_and_reasoning_summary_join() -> None:
    call = {
        "type": "function_call",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
    }
    response = Response.model_validate({"output": [reasoning("one", "two"), call, message(text("x"))]})
    assert [c.name for c in response.function_calls] == ["get_weather"]
    assert response.reasoning_summary == "one\n\ntwo"
    assert Response.model_validate({}).reasoning_summary == ""


# --- leniency and round trips --------------------------------------------------------------------------------


def test_empty_response_parses_with_defaults_and_dumps_nothing() -> None:
    response = Response.model_validate({})
    assert response.output == [] and response.usage is None and response.status is None
    assert response.to_dict() == {}


def test_unknown_top_level_fields_round_trip() -> None:
    data = {"object": "response", "status": "completed", "brand_new": {"nested": [1, 2]}, "output": []}
    assert Response.model_validate(data).to_dict() == data


def test_output_items_are_typed() -> None:
    response = Response.model_validate({"output": [message(text("x"))]})
    assert isinstance(response.output[0], OutputMessage)


def test_timestamps_keep_their_json_number_type() -> None:
    assert Response.model_validate({"created_at": 1758064436}).to_dict() == {"created_at": 1758064436}
    assert isinstance(Response.model_validate({"created_at": 1758064436}).created_at, int)
    assert Response.model_validate({"created_at": 1758064436.5}).created_at == 1758064436.5


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"type": "invalid_request_error", "code": None, "message": "bad", "param": "input"}},
        {"error": {"type": "server_error", "code": 500, "message": "boom", "param": None}},
        {"error": {"message": "only a message"}},
    ],
)
def test_error_bodies(body: dict[str, Any]) -> None:
    parsed = ErrorBody.model_validate(body)
    assert parsed.error is not None and parsed.error.message == body["error"]["message"]
    assert parsed.to_dict() == body


def test_small_bodies() -> None:
    assert (
        InputTokenCount.model_validate({"object": "response.input_tokens", "input_tokens": 12}).input_tokens
        == 12
    )
    deleted = DeletedResponse.model_validate({"id": "resp_1", "object": "response.deleted", "deleted": True})
    assert deleted.deleted is True
    page = ResponseItemList.model_validate(
        {"object": "list", "data": [message(text("x"))], "has_more": False}
    )
    assert isinstance(page.data[0], Message) and page.has_more is False


# ----- the openai SDK's names and types -----


class City(BaseModel):
    name: str
    population: int


def test_output_parsed_is_the_sdks_name_for_parsed() -> None:
    response = Response.model_validate({"output": []})
    response._parsed = City(name="Paris", population=2)
    assert response.output_parsed is response.parsed


def test_to_dict_and_to_json_take_the_sdks_arguments() -> None:
    response = Response.model_validate({"id": "resp_1", "status": "completed", "output": [], "usage": None})
    assert response.to_dict() == {"id": "resp_1", "status": "completed", "output": [], "usage": None}
    assert response.to_dict(exclude_none=True) == {"id": "resp_1", "status": "completed", "output": []}
    assert "object" in response.to_dict(exclude_unset=False)
    text = response.to_json()
    assert text.startswith('{\n  "id": "resp_1"') and json.loads(text) == response.to_dict()
    assert response.to_json(indent=None) == '{"id":"resp_1","status":"completed","output":[],"usage":null}'


def test_from_openai_and_to_openai_round_trip_through_the_sdk() -> None:
    import openai
    from openai.types.responses import ParsedResponse
    from openai.types.responses import Response as OpenAIResponse

    from nbresponses.offline import OfflineServer, create_app
    from tests.loopback import serve

    with serve(create_app(OfflineServer())) as url:
        sdk = openai.OpenAI(api_key="any", base_url=url, max_retries=0)
        theirs = sdk.responses.create(model="gpt-4.1", input="Name a city", instructions="Be brief.")
        parsed = sdk.responses.parse(model="gpt-4.1", input="A city", text_format=City)
        sdk.close()
    ours = Response.from_openai(theirs)
    assert isinstance(ours, Response) and ours.id == theirs.id and ours.output_text == theirs.output_text
    assert ours.usage is not None and ours.usage.input_tokens == theirs.usage.input_tokens
    back = ours.to_openai()
    assert isinstance(back, OpenAIResponse) and back.output_text == theirs.output_text
    assert back.to_dict(mode="json") == theirs.to_dict(mode="json")
    assert Response.from_openai(theirs.to_dict()).to_dict() == ours.to_dict()  # a dict works too
    assert isinstance(parsed, ParsedResponse)
    ours_parsed = Response.from_openai(parsed)
    assert isinstance(ours_parsed.output_parsed, City) and ours_parsed.output_parsed == parsed.output_parsed


def test_to_openai_keeps_what_a_gateway_adds_or_leaves_out() -> None:
    from openai.types.responses import Response as OpenAIResponse

    sparse = Response.model_validate({"id": "r", "output": [{"type": "message", "role": "assistant",
                                      "content": [{"type": "output_text", "text": "hi"}]}], "provider": "x"})  # fmt: skip
    back = sparse.to_openai()
    assert isinstance(back, OpenAIResponse) and back.output_text == "hi" and back.to_dict()["provider"] == "x"


def test_from_openai_refuses_what_is_not_a_model() -> None:
    with pytest.raises(TypeError, match="takes an openai SDK object or a dict"):
        Response.from_openai(42)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("completed", "completed"),
        ("incomplete", "incomplete"),
        (None, "completed"),
        ("in_progress", "completed"),
    ],
)
def test_end_status_is_the_one_rule_for_completed_or_incomplete(status: str | None, expected: str) -> None:
    from nbresponses.types.response import end_status

    assert end_status(status) == expected


def test_parsed_is_set_through_its_property_and_stays_out_of_the_json() -> None:
    response = Response.model_validate({"id": "resp_1", "status": "completed", "output": []})
    assert response.parsed is None
    response.parsed = {"a": 1}
    assert response.parsed == {"a": 1} and response.output_parsed == {"a": 1}
    assert response.to_dict() == {"id": "resp_1", "status": "completed", "output": []}


def test_item_pages_iterate_over_their_items() -> None:
    body = {"object": "list", "data": [{"type": "message", "id": "msg_1", "role": "user", "status": "completed",
                                        "content": [{"type": "input_text", "text": "hi"}]}]}  # fmt: skip
    for page in (ResponseItemList.model_validate(body), ConversationItemList.model_validate(body)):
        items = list(page)
        assert len(items) == 1 and isinstance(items[0], Message) and items[0].id == "msg_1"
