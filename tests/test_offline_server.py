"""The offline server through nbresponses.Client over the in-process transport: every endpoint, its state."""

from __future__ import annotations

import json

import pytest

import nbresponses
from nbresponses.offline import OfflineServer
from nbresponses.testing import async_offline_client, offline_client


@pytest.fixture
def server() -> OfflineServer:
    return OfflineServer(seed="test")


@pytest.fixture
def client(server: OfflineServer) -> nbresponses.Client:
    return offline_client(server)


def test_create_and_retrieve(client: nbresponses.Client) -> None:
    created = client.responses.create(model="gpt-4.1", input="Hi there")
    assert created.status == "completed" and created.id.startswith("resp_")
    assert "Hi there" in created.output_text
    assert (
        created.usage is not None
        and created.usage.total_tokens == created.usage.input_tokens + created.usage.output_tokens
    )
    assert client.responses.retrieve(created.id).to_dict() == created.to_dict()


def test_stream_matches_create_shape(client: nbresponses.Client) -> None:
    with client.responses.stream(model="gpt-4.1", input="Stream me") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[:2] == ["response.created", "response.in_progress"] and kinds[-1] == "response.completed"
    assert "response.output_text.delta" in kinds
    assert "Stream me" in final.output_text


def test_previous_response_id_continues_the_conversation(client: nbresponses.Client) -> None:
    first = client.responses.create(model="m", input="My name is Grace.")
    second = client.responses.create(model="m", input="Unrelated.", previous_response_id=first.id)
    third = client.responses.create(model="m", input="What is my name?", previous_response_id=second.id)
    assert "Your name is Grace" in third.output_text
    assert third.usage is not None and third.usage.input_tokens > first.usage.input_tokens  # type: ignore[union-attr]


def test_unknown_and_deleted_ids_give_openais_404(client: nbresponses.Client) -> None:
    created = client.responses.create(model="m", input="x")
    assert client.responses.delete(created.id).deleted is True
    with pytest.raises(nbresponses.NotFoundError) as info:
        client.responses.retrieve(created.id)
    assert info.value.message == f"Response with id '{created.id}' not found."
    assert info.value.type == "invalid_request_error"
    with pytest.raises(nbresponses.NotFoundError):
        client.responses.delete("resp_missing")


def test_store_false_cannot_be_retrieved_or_continued(client: nbresponses.Client) -> None:
    created = client.responses.create(model="m", input="secret", store=False)
    with pytest.raises(nbresponses.NotFoundError):
        client.responses.retrieve(created.id)
    with pytest.raises(nbresponses.BadRequestError) as info:
        client.responses.create(model="m", input="next", previous_response_id=created.id)
    assert info.value.code == "previous_response_not_found" and info.value.param == "previous_response_id"


def test_background_goes_queued_in_progress_completed(client: nbresponses.Client) -> None:
    created = client.responses.create(model="m", input="slow job", background=True)
    assert created.status == "queued" and created.background is True
    assert client.responses.retrieve(created.id).status == "in_progress"
    done = client.responses.retrieve(created.id)
    assert done.status == "completed" and "slow job" in done.output_text


def test_background_can_be_cancelled_but_not_after_it_finished(client: nbresponses.Client) -> None:
    created = client.responses.create(model="m", input="job", background=True)
    assert client.responses.cancel(created.id).status == "cancelled"
    assert client.responses.retrieve(created.id).status == "cancelled"
    plain = client.responses.create(model="m", input="not background")
    with pytest.raises(nbresponses.BadRequestError):
        client.responses.cancel(plain.id)


def test_retrieve_stream_starting_after_replays_the_rest(client: nbresponses.Client) -> None:
    created = client.responses.create(model="m", input="replay this")
    with client.responses.retrieve(created.id, stream=True, starting_after=2) as stream:
        numbers = [event.sequence_number for event in stream]
        final = stream.get_final_response()
    assert numbers[0] == 3 and numbers == sorted(numbers)
    assert final.output_text == created.output_text


def test_input_items_pagination(client: nbresponses.Client) -> None:
    items = [{"role": "user", "content": f"message {i}"} for i in range(5)]
    created = client.responses.create(model="m", input=items)
    page = client.responses.input_items.list(created.id, limit=2, order="asc")
    assert [item.content[0].text for item in page.data] == ["message 0", "message 1"]  # type: ignore[union-attr]
    assert page.has_more is True
    rest = client.responses.input_items.list(created.id, order="asc", after=page.last_id)
    assert len(rest.data) == 3 and rest.has_more is False
    assert len(list(client.responses.input_items.iter(created.id, page_size=2))) == 5


def test_input_tokens_count(client: nbresponses.Client) -> None:
    short = client.responses.input_tokens.count(model="m", input="hi")
    long = client.responses.input_tokens.count(model="m", input="hi " * 400)
    assert 0 < short.input_tokens < long.input_tokens


def test_compaction_item_restores_the_context(client: nbresponses.Client) -> None:
    first = client.responses.create(model="m", input="My name is Linus.")
    compacted = client.responses.compact(model="m", previous_response_id=first.id)
    assert compacted.object == "response.compaction" and compacted.output[0].type == "compaction"
    answer = client.responses.create(
        model="m", input=[compacted.output[0].to_dict(), {"role": "user", "content": "What is my name?"}]
    )
    assert "Your name is Linus" in answer.output_text


def test_bad_requests_are_400_with_param(client: nbresponses.Client) -> None:
    with pytest.raises(nbresponses.BadRequestError) as info:
        client.responses.create(model="m", input="x", temperature=5)
    assert info.value.param == "temperature"


def test_journal_records_requests(server: OfflineServer, client: nbresponses.Client) -> None:
    client.responses.create(model="m", input="logged")
    assert server.journal[-1]["method"] == "POST" and server.journal[-1]["body"]["input"] == "logged"


async def test_async_client_over_the_same_transport(server: OfflineServer) -> None:
    client = async_offline_client(server)
    created = await client.responses.create(model="m", input="async hello")
    stream = await client.responses.stream(model="m", input="async stream", previous_response_id=created.id)
    async with stream:
        final = await stream.get_final_response()
    assert "async stream" in final.output_text
    await client.close()


pytestmark = pytest.mark.anyio


def test_store_false_responses_are_not_kept_in_memory(
    server: OfflineServer, client: nbresponses.Client
) -> None:
    kept = client.responses.create(model="m", input="kept")
    for n in range(5):
        client.responses.create(model="m", input=f"forgotten {n}", store=False)
    assert (
        server.state.count() == 1 and server.state.get(kept.id) is not None
    )  # a client-state thread does not grow the server


def test_the_journal_keeps_the_latest_requests_only() -> None:
    server = OfflineServer(journal_limit=3)
    client = offline_client(server)
    for n in range(5):
        client.responses.create(model="m", input=f"turn {n}")
    assert [entry["body"]["input"] for entry in server.journal] == ["turn 2", "turn 3", "turn 4"]
    unbounded = OfflineServer(journal_limit=None)
    unbounded_client = offline_client(unbounded)
    for n in range(300):
        unbounded_client.responses.create(model="m", input=str(n))
    assert len(unbounded.journal) == 300


def test_usage_never_goes_over_max_output_tokens(client: nbresponses.Client) -> None:
    response = client.responses.create(model="m", input="Write a long essay " * 20, max_output_tokens=16)
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert 0 < response.usage.output_tokens <= 16


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "We could not parse the JSON body of your request."),
        (b'{"model": "m", "input": "\xff\xfe"}', "We could not parse the JSON body of your request."),
        (
            b"[" * 100_000 + b"]" * 100_000,
            "The JSON body nests deeper than 64 levels.",
        ),  # the parser itself gives up
        (
            b'{"model": "m", "metadata": ' + b"[" * 100 + b"]" * 100 + b"}",
            "The JSON body nests deeper than 64 levels.",
        ),
    ],
)
def test_malformed_or_too_deep_json_is_a_400_in_openais_shape(
    server: OfflineServer, body: bytes, message: str
) -> None:
    reply = server.handle("POST", "/v1/responses", {}, body)
    assert reply.status == 400
    assert json.loads(reply.body) == {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    }


def test_an_oversized_body_is_a_400_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("nbresponses.offline._body.MAX_BODY_BYTES", 1000)
    server = OfflineServer()
    reply = server.handle("POST", "/v1/responses", {}, b'{"model": "m", "input": "' + b"x" * 2000 + b'"}')
    assert reply.status == 400 and "larger than" in json.loads(reply.body)["error"]["message"]
    assert not server.journal  # not parsed, not kept


def test_a_thread_in_client_state_is_answered_like_the_chained_thread(client: nbresponses.Client) -> None:
    weather = {"type": "function", "name": "get_weather", "description": "Current weather in a city",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}  # fmt: skip
    first = client.responses.create(model="m", input="My name is Zed and I live in Lyon.")
    asked = client.responses.create(
        model="m", input="What's the weather in Paris?", tools=[weather], previous_response_id=first.id
    )
    (call,) = [item for item in asked.output if item.type == "function_call"]
    output = {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}
    answered = client.responses.create(model="m", input=[output], previous_response_id=asked.id)
    assert "sunny" in answered.output_text
    chained = client.responses.create(model="m", input="Where do I live?", previous_response_id=answered.id)
    history = [
        {"role": "user", "content": "My name is Zed and I live in Lyon."},
        {"role": "assistant", "content": first.output_text},
        {"role": "user", "content": "What's the weather in Paris?"},
        call.to_dict(),
        output,
        {"role": "assistant", "content": answered.output_text},
        {"role": "user", "content": "Where do I live?"},
    ]
    resent = client.responses.create(model="m", input=history, tools=[weather], store=False)
    assert "Lyon" in chained.output_text and "returned" not in chained.output_text
    assert resent.output_text == chained.output_text  # the old tool output is not answered again
