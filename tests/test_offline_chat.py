"""Tests of nbresponses.offline._chat: ``POST /chat/completions`` on the offline server.

With no API key the Chat Completions bridge must run too: our bridge (``Client(api="chat")``, auto mode's
fallback) against the offline chat endpoint gives the same answers, tool calls, structured output and usage as
the offline ``/responses``; every chunk and body is valid against the OpenAI spec; the official openai SDK's
``chat.completions.create`` works against ``python -m nbresponses.offline``; scripted faults apply here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import nbresponses
from nbresponses import testing
from nbresponses.offline import OfflineServer
from nbresponses.testing import offline_client
from tests.offline_process import offline_process
from tests.spec_schemas import errors

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
CHAT_WEATHER = {"type": "function", "function": {k: v for k, v in WEATHER.items() if k != "type"}}
PERSON = {
    "type": "json_schema",
    "name": "person",
    "schema": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    },
    "strict": True,
}


def post(server: OfflineServer, body: dict[str, Any]) -> tuple[int, Any]:
    """The status and JSON body, or for a stream the list of ``data:`` payloads (``"[DONE]"`` kept as text)."""
    reply = server.handle("POST", "/v1/chat/completions", {}, json.dumps(body).encode())
    if reply.chunks is None:
        return reply.status, json.loads(reply.body)
    text = b"".join(chunk for chunk in reply.chunks if isinstance(chunk, bytes)).decode()
    assert all(frame.startswith("data: ") for frame in text.split("\n\n") if frame), text[:300]
    payloads = [frame[len("data: ") :] for frame in text.split("\n\n") if frame]
    return reply.status, [p if p == "[DONE]" else json.loads(p) for p in payloads]


def test_a_stream_is_openais_chunk_grammar_and_valid_against_the_spec() -> None:
    status, chunks = post(OfflineServer(), {
        "model": "gpt-4.1", "stream": True, "stream_options": {"include_usage": True}, "reasoning_effort": "low",
        "messages": [{"role": "user", "content": "What's the weather in Paris and Rome?"}], "tools": [CHAT_WEATHER],
    })  # fmt: skip
    assert status == 200 and chunks[-1] == "[DONE]"
    data = chunks[:-1]
    for chunk in data:
        assert errors("CreateChatCompletionStreamResponse", chunk) == [], chunk
    assert len({c["id"] for c in data}) == 1 and all(c["object"] == "chat.completion.chunk" for c in data)
    assert data[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["usage"] is None for c in data[:-1]) and data[-1]["choices"] == []
    usage = data[-1]["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0
    deltas = [c["choices"][0]["delta"] for c in data[:-1]]
    assert "".join(d.get("reasoning_content") or "" for d in deltas).startswith("**Reading the request**")
    calls: dict[int, dict[str, str]] = {}
    for delta in deltas:
        for call in delta.get("tool_calls") or ():
            entry = calls.setdefault(call["index"], {"id": "", "name": "", "arguments": ""})
            entry["id"] += call.get("id") or ""
            entry["name"] += (call.get("function") or {}).get("name") or ""
            entry["arguments"] += (call.get("function") or {}).get("arguments") or ""
    assert [json.loads(c["arguments"]) for c in calls.values()] == [{"city": "Paris"}, {"city": "Rome"}]
    assert all(c["name"] == "get_weather" and c["id"] for c in calls.values())
    assert data[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_a_body_is_valid_against_the_spec_and_without_include_usage_a_stream_has_no_usage() -> None:
    server = OfflineServer()
    status, body = post(
        server, {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hello"}], "n": 2}
    )
    assert status == 200 and errors("CreateChatCompletionResponse", body) == []
    assert [c["index"] for c in body["choices"]] == [0, 1]
    assert (
        body["choices"][0]["message"]["content"]
        == "You asked: “Hello”."
        == body["choices"][1]["message"]["content"]
    )
    status, chunks = post(
        server, {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hello"}], "stream": True}
    )
    assert status == 200 and chunks[-1] == "[DONE]" and all("usage" not in c for c in chunks[:-1])
    assert (
        "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1]) == "You asked: “Hello”."
    )


@pytest.fixture
def server() -> OfflineServer:
    return OfflineServer()


def test_the_bridge_gives_the_same_answer_and_usage_as_the_native_endpoint(server: OfflineServer) -> None:
    native = offline_client(server).responses.create(
        model="gpt-4.1", input="Tell me about Lyon", instructions="Be brief."
    )
    with offline_client(server, api="chat").responses.stream(
        model="gpt-4.1", input="Tell me about Lyon", instructions="Be brief."
    ) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]  # type: ignore[union-attr]
        bridged = stream.get_final_response()
    assert "".join(deltas) == bridged.output_text == native.output_text
    assert "Following your instructions: “Be brief.”" in bridged.output_text and len(deltas) > 3
    assert bridged.usage is not None and native.usage is not None
    assert (bridged.usage.input_tokens, bridged.usage.output_tokens) == (
        native.usage.input_tokens, native.usage.output_tokens)  # fmt: skip
    assert [e["path"] for e in server.journal] == ["/v1/responses", "/v1/chat/completions"]
    sent = server.journal[-1]["body"]
    assert sent["stream_options"] == {"include_usage": True} and sent["messages"][0]["role"] == "system"


def test_a_streamed_tool_round_trip_through_the_bridge(server: OfflineServer) -> None:
    client = offline_client(server, api="chat")
    question = [{"role": "user", "content": "What's the weather in Paris and Rome?"}]
    with client.responses.stream(model="gpt-4.1", input=question, tools=[WEATHER]) as stream:
        first = stream.get_final_response()
    calls = [item for item in first.output if item.type == "function_call"]
    assert [json.loads(c.arguments) for c in calls] == [{"city": "Paris"}, {"city": "Rome"}]  # type: ignore[union-attr]
    outputs = [{"type": "function_call_output", "call_id": c.call_id, "output": f"Sunny in {json.loads(c.arguments)['city']}"}
               for c in calls]  # type: ignore[union-attr]  # fmt: skip
    items = [*question, *[c.model_dump(exclude_none=True) for c in calls], *outputs]
    second = client.responses.create(model="gpt-4.1", input=items, tools=[WEATHER])
    assert second.output_text.startswith("Here is what the tools returned:")
    assert (
        "returned: Sunny in Paris" in second.output_text and "returned: Sunny in Rome" in second.output_text
    )
    messages = server.journal[-1]["body"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "tool"]


def test_structured_output_max_tokens_and_reasoning_through_the_bridge(server: OfflineServer) -> None:
    client = offline_client(server, api="chat")
    person = client.responses.create(
        model="gpt-4.1", input="Ada Lovelace, 36 years old", text={"format": PERSON}
    )
    value = json.loads(person.output_text)
    assert set(value) == {"name", "age"} and isinstance(value["age"], int)
    assert server.journal[-1]["body"]["response_format"]["type"] == "json_schema"
    cut = client.responses.create(model="gpt-4.1", input="Describe the sea at length", max_output_tokens=4)
    assert cut.status == "incomplete" and cut.incomplete_details is not None
    assert cut.incomplete_details.reason == "max_output_tokens" and len(cut.output_text) <= 16
    thought = client.responses.create(
        model="gpt-4.1", input="Why is the sky blue?", reasoning={"effort": "low"}
    )
    assert [item.type for item in thought.output] == ["reasoning", "message"]
    assert server.journal[-1]["body"]["reasoning_effort"] == "low"


def test_auto_mode_falls_back_to_the_bridge_for_the_chat_only_model(server: OfflineServer) -> None:
    client = offline_client(server, api="auto")
    answer = client.responses.create(model="offline-chat", input="Hello from auto mode")
    assert answer.output_text == "You asked: “Hello from auto mode”."
    assert client.api_for("offline-chat") == "chat"
    assert [e["path"] for e in server.journal] == ["/v1/responses", "/v1/chat/completions"]
    client.responses.create(model="offline-chat", input="again")
    assert server.journal[-1]["path"] == "/v1/chat/completions" and len(server.journal) == 3
    with pytest.raises(nbresponses.BadRequestError) as refused:
        offline_client(server, api="responses").responses.create(model="offline-chat", input="hi")
    assert refused.value.code == "model_not_supported" and "offline-chat" in (
        refused.value.available_models or []
    )


def test_scripted_answers_and_faults_apply_to_the_chat_endpoint() -> None:
    backend = testing.OfflineBackend().script([
        testing.http_error(429, retry_after=0.01),
        testing.reply(testing.text("Scripted."), testing.function_call("get_weather", {"city": "Oslo"})),
        testing.disconnect(3, testing.text("one two three four five six")),
        testing.failed("server_error", "The model crashed."),
    ])  # fmt: skip
    client = backend.client(api="chat", max_retries=0)
    with pytest.raises(nbresponses.RateLimitError) as limited:
        client.responses.create(model="gpt-4.1", input="hi")
    assert limited.value.status == 429
    scripted = client.responses.create(model="gpt-4.1", input="hi", tools=[WEATHER])
    assert scripted.output_text == "Scripted."
    assert [i.type for i in scripted.output] == ["message", "function_call"]
    with (
        pytest.raises(nbresponses.StreamError),
        client.responses.stream(model="gpt-4.1", input="hi") as stream,
    ):
        for _ in stream:
            pass
    with pytest.raises(nbresponses.NBResponsesError, match="The model crashed"):
        with client.responses.stream(model="gpt-4.1", input="hi") as stream:
            stream.get_final_response()


@pytest.fixture(scope="module")
def process_url() -> Iterator[str]:
    with offline_process("--db", ":memory:") as url:
        yield url


def test_the_openai_sdk_chat_completions_against_the_offline_process(process_url: str) -> None:
    with openai.OpenAI(api_key="sk-any", base_url=process_url, max_retries=0) as sdk:
        completion = sdk.chat.completions.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "What's the weather in Paris?"}],
            tools=[CHAT_WEATHER],  # type: ignore[list-item]
        )  # fmt: skip
        (call,) = completion.choices[0].message.tool_calls or []
        assert completion.choices[0].finish_reason == "tool_calls"
        function = call.function  # type: ignore[union-attr]
        assert function.name == "get_weather" and json.loads(function.arguments) == {"city": "Paris"}
        answer = sdk.chat.completions.create(
            model="gpt-4.1",
            messages=[
                {"role": "user", "content": "What's the weather in Paris?"},
                completion.choices[0].message.model_dump(exclude_none=True),  # type: ignore[list-item]
                {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21 °C"},
            ],
            tools=[CHAT_WEATHER],  # type: ignore[list-item]
        )
        assert "returned: Sunny, 21 °C" in (answer.choices[0].message.content or "")
        assert answer.usage is not None and answer.usage.total_tokens > 0

        stream = sdk.chat.completions.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "Hello there"}], stream=True,
            stream_options={"include_usage": True},
        )  # fmt: skip
        chunks = list(stream)
        assert (
            "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            == "You asked: “Hello there”."
        )
        assert (
            chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens > 0
        )
        with pytest.raises(openai.BadRequestError) as bad:
            sdk.chat.completions.create(model="gpt-4.1", messages=[])
        assert bad.value.code == "empty_array"
        assert {"gpt-4.1", "offline-chat"} <= {model.id for model in sdk.models.list()}
