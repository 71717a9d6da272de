"""The official openai SDK against the offline server on loopback: every call runs without an error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest
from pydantic import BaseModel

from nbresponses.offline import OfflineServer, create_app
from tests.loopback import serve

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(create_app(OfflineServer(seed="sdk"))) as url:
        yield url


@pytest.fixture
def sdk(base_url: str) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(api_key="sk-dummy-offline", base_url=base_url, max_retries=0)
    yield client
    client.close()


def test_create(sdk: openai.OpenAI) -> None:
    response = sdk.responses.create(model="gpt-4.1", input="Say hello")
    assert response.status == "completed" and "Say hello" in response.output_text


def test_stream_and_final_response(sdk: openai.OpenAI) -> None:
    with sdk.responses.stream(model="gpt-4.1", input="Stream please") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text and "Stream please" in final.output_text


class City(BaseModel):
    name: str
    population: int


def test_structured_stream_side_by_side_with_ours(sdk: openai.OpenAI, base_url: str) -> None:
    """OpenAI's structured-streaming example, with the SDK and with our client: both give ``output_parsed``."""
    import nbresponses

    with sdk.responses.stream(model="gpt-4.1", input="Describe Paris", text_format=City) as stream:
        theirs_deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        theirs = stream.get_final_response()
    with nbresponses.Client(api_key="sk-dummy-offline", base_url=base_url, max_retries=0) as client:
        with client.responses.stream(
            model="gpt-4.1", input="Describe Paris", text_format=City
        ) as ours_stream:
            ours_deltas = [e.delta for e in ours_stream if e.type == "response.output_text.delta"]  # type: ignore[union-attr]
            ours = ours_stream.get_final_response()
    assert isinstance(theirs.output_parsed, City) and isinstance(ours.output_parsed, City)
    assert "".join(theirs_deltas) == theirs.output_text and "".join(ours_deltas) == ours.output_text
    assert ours.output_parsed == City.model_validate_json(ours.output_text)
    assert ours.output_parsed == theirs.output_parsed  # the same server answer, parsed the same way


def test_function_call_round_trip(sdk: openai.OpenAI) -> None:
    first = sdk.responses.create(
        model="gpt-4.1", input="What's the weather in Paris? use get_weather", tools=[WEATHER]
    )
    call = next(item for item in first.output if item.type == "function_call")
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
    second = sdk.responses.create(
        model="gpt-4.1",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "21 C, clear"}],
        tools=[WEATHER],
    )
    assert "21 C, clear" in second.output_text


def test_retrieve_delete_then_404(sdk: openai.OpenAI) -> None:
    created = sdk.responses.create(model="gpt-4.1", input="keep me")
    assert sdk.responses.retrieve(created.id).id == created.id
    sdk.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve(created.id)


def test_cancel_background(sdk: openai.OpenAI) -> None:
    created = sdk.responses.create(model="gpt-4.1", input="long job", background=True)
    assert created.status == "queued"
    assert sdk.responses.cancel(created.id).status == "cancelled"


def test_input_items(sdk: openai.OpenAI) -> None:
    created = sdk.responses.create(
        model="gpt-4.1", input=[{"role": "user", "content": "one"}, {"role": "user", "content": "two"}]
    )
    items = sdk.responses.input_items.list(created.id, order="asc")
    assert [item.content[0].text for item in items.data] == ["one", "two"]  # type: ignore[union-attr]


def test_three_turns_remember_the_first(sdk: openai.OpenAI) -> None:
    one = sdk.responses.create(model="gpt-4.1", input="My name is Ada and my project is a compiler.")
    two = sdk.responses.create(model="gpt-4.1", input="Tell me a fact.", previous_response_id=one.id)
    three = sdk.responses.create(
        model="gpt-4.1", input="What did I tell you first?", previous_response_id=two.id
    )
    assert "my project is a compiler" in three.output_text and "Ada" in three.output_text


def test_scripted_disconnect_breaks_the_http_body(base_url: str) -> None:
    from nbresponses import testing

    backend = testing.OfflineBackend().script(
        [testing.disconnect(after=4, reply=testing.text("a b c d e f"))]
    )
    with serve(create_app(backend.server)) as url, httpx2.Client() as http:
        with pytest.raises(httpx2.RemoteProtocolError):  # noqa: PT012
            with http.stream(
                "POST", f"{url}/responses", json={"model": "m", "input": "x", "stream": True}
            ) as r:
                for _ in r.iter_bytes():
                    pass


def test_sdk_conversations_two_responses_then_items(sdk: openai.OpenAI) -> None:
    conversation = sdk.conversations.create(metadata={"topic": "sdk"})
    first = sdk.responses.create(model="gpt-4.1", input="My name is Ada.", conversation=conversation.id)
    second = sdk.responses.create(model="gpt-4.1", input="What is my name?", conversation=conversation.id)
    assert "Your name is Ada" in second.output_text and first.id != second.id
    items = sdk.conversations.items.list(conversation.id, order="asc")
    texts = [part.text for item in items.data for part in item.content]  # type: ignore[union-attr]
    assert texts == ["My name is Ada.", first.output_text, "What is my name?", second.output_text]
    assert [item.role for item in items.data] == ["user", "assistant", "user", "assistant"]  # type: ignore[union-attr]
    assert sdk.conversations.retrieve(conversation.id).metadata == {"topic": "sdk"}


def test_tool_loop_over_a_websocket_keeps_one_connection(
    ipython: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbresponses import testing

    rounds = [testing.function_call("lookup", {"key": f"k{n}"}, call_id=f"call_{n}") for n in range(3)]
    backend = testing.OfflineBackend().script([*rounds, testing.text("All three looked up.")])
    ipython.ns["lookup"] = lambda key: f"value of {key}"
    with serve(create_app(backend.server)) as url:
        monkeypatch.delenv("NBRESPONSES_BACKEND")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback-websocket-test")
        ipython.magics.base_url = url
        ipython.magics.transport = "websocket"
        result, captured = ipython.run("%%respond --tools lookup\nLook up k0, k1 and k2 one by one.")
        assert result.success, ipython.markdown(captured)
        assert ipython.ns["_r"].output_text == "All three looked up."
        assert [e["method"] for e in backend.journal] == [
            "WS"
        ] * 4  # every round over the WebSocket, none on HTTP
        assert [r.get("previous_response_id") is not None for r in backend.requests] == [
            False,
            True,
            True,
            True,
        ]
        assert backend.server.websocket_connections == 1  # the server saw one connection for all rounds
        ipython.run("%%respond\nThanks!")
        assert backend.server.websocket_connections == 1  # and the next cell reuses it
        ipython.magics.session.close()
