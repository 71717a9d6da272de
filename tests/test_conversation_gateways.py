"""nbresponses.conversation with what gateways do: the seed docs' state error codes, gateways that answer but do
not store, the Chat Completions bridge (client state, never previous_response_id), and notices from the stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

import nbresponses
from nbresponses import testing
from nbresponses.conversation import Conversation, wants_client_state
from nbresponses.offline import OfflineServer
from nbresponses.store import HistoryStore
from tests.chat_server import ChatGateway, Scripted

BASE = "http://gateway.test/v1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "history.sqlite") as history:
        yield history


@pytest.mark.parametrize("code", ["invalid_previous_response_id", "previous_response_not_found"])
@pytest.mark.parametrize("message", ["无效的上一个响应ID", "previous response not found", ""])
def test_the_seed_state_codes_alone_switch_to_client_state(code: str, message: str) -> None:
    error = nbresponses.BadRequestError(message or "x", status=400, code=code)
    assert wants_client_state(error, sent_previous_id=True)


def test_invalid_previous_response_id_switches_the_thread_and_resends(store: HistoryStore) -> None:
    backend = testing.OfflineBackend().script([
        testing.reply(testing.text("Hi Ada.")),
        testing.http_error(400, code="invalid_previous_response_id", message="无效的上一个响应ID"),
        testing.reply(testing.text("You are Ada.")),
    ])  # fmt: skip
    chat = Conversation(backend.client(), store=store, notebook="nb", model="gpt-4.1")
    chat.send("I am Ada.", stream=False)
    assert chat.send("Who am I?", stream=False).output_text == "You are Ada."
    assert chat.mode == "client" and "resends its history" in chat.notices[-1]
    retried = backend.requests[-1]
    assert "previous_response_id" not in retried and retried["store"] is False
    assert [item.get("role") for item in retried["input"]] == ["user", "assistant", "user"]
    # The refused request was sent, but it is no turn of the history: the resent one is.
    assert len(backend.requests) == 3
    assert [(t.prompt, t.status) for t in chat.history()] == [
        ("I am Ada.", "completed"),
        ("Who am I?", "completed"),
    ]


def _echoing(**echo: Any) -> httpx2.MockTransport:
    """A Responses server that answers every request with ``echo`` over what it was sent."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent = json.loads(request.read())
        body = {"id": f"resp_{len(sent['input'])}", "object": "response", "status": "completed", "model": "m",
                "store": sent.get("store", True), "previous_response_id": sent.get("previous_response_id"),
                "output": [testing.text("ok")], **echo}  # fmt: skip
        return httpx2.Response(200, json=body)

    return httpx2.MockTransport(handler)


def _client(transport: httpx2.MockTransport, **options: Any) -> nbresponses.Client:
    return nbresponses.Client(api_key="sk-x-0123456789", base_url=BASE, http_client=httpx2.Client(transport=transport),
                              max_retries=0, **options)  # fmt: skip


def test_a_gateway_that_echoes_store_false_is_detected(store: HistoryStore) -> None:
    chat = Conversation(_client(_echoing(store=False)), store=store, notebook="nb", model="m")
    chat.send("one", stream=False)
    assert chat.mode == "client" and "did not store the response" in chat.notices[-1]


def test_a_gateway_that_drops_previous_response_id_is_detected(store: HistoryStore) -> None:
    chat = Conversation(_client(_echoing(previous_response_id=None)), store=store, notebook="nb", model="m")
    chat.send("one", stream=False)
    assert chat.mode == "server" and not chat.notices  # nothing was sent to drop yet
    chat.send("two", stream=False)
    assert chat.mode == "client" and "previous_response_id: null" in chat.notices[-1]
    assert "Run this cell again" in chat.notices[-1]


def test_a_faithful_gateway_keeps_server_state(store: HistoryStore) -> None:
    chat = Conversation(_client(_echoing()), store=store, notebook="nb", model="m")
    chat.send("one", stream=False)
    chat.send("two", stream=False)
    assert chat.mode == "server" and not chat.notices


def test_a_chat_client_keeps_the_thread_in_client_state(store: HistoryStore) -> None:
    gateway = ChatGateway()
    chat = Conversation(
        _client(gateway.transport(), api="chat"), store=store, notebook="nb", model="deepseek-chat"
    )
    chat.send("I am Ada.")
    assert chat.mode == "client" and "keeps no conversation" in chat.notices[0]
    assert chat.send("Who am I?").output_text == "You said: Who am I? Before that: I am Ada."
    assert all("previous_response_id" not in body for body in gateway.chat_bodies())


def _mixed_gateway(gateway: ChatGateway) -> httpx2.MockTransport:
    """gpt-4.1 answered natively (an offline server), chat-only models refused on /responses, chat for all."""
    native = OfflineServer()

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        if request.url.path.endswith("/responses") and json.loads(body).get("model") == "gpt-4.1":
            reply = native.handle("POST", request.url.path, {}, body)
            content = b"".join(c for c in reply.chunks or () if isinstance(c, bytes)) or reply.body
            return httpx2.Response(reply.status, headers=reply.headers, content=content)
        answer = gateway.handle(request.method, request.url.path, body)
        return httpx2.Response(answer.status, headers=answer.headers,
                               content=b"".join(answer.chunks) if answer.chunks is not None else answer.body)  # fmt: skip

    return httpx2.MockTransport(handler)


def test_switching_a_server_state_thread_to_a_chat_only_model_resends_its_items(store: HistoryStore) -> None:
    gateway = ChatGateway()
    chat = Conversation(_client(_mixed_gateway(gateway), api="auto"), store=store, notebook="nb")
    chat.send("I am Ada.", model="gpt-4.1")
    assert chat.mode == "server"
    answer = chat.send("Who am I?", model="deepseek-chat")
    # /responses refused the model with previous_response_id in hand: the bridge cannot send that, so the thread
    # went to client state and the turn was sent as messages, once, through the bridge
    assert answer.output_text == "You said: Who am I? Before that: I am Ada."
    assert chat.mode == "client"
    assert any(
        "Chat Completions bridge" in notice and "resends its history" in notice for notice in chat.notices
    )
    assert any("does not serve deepseek-chat on /v1/responses" in notice for notice in chat.notices)
    assert gateway.paths() == ["POST /v1/responses", "POST /v1/chat/completions"]
    assert chat.client.api_for("deepseek-chat") == "chat"


def test_a_failed_bridged_turn_leaves_the_thread_as_it_was_and_remembers_the_route(
    store: HistoryStore,
) -> None:
    gateway = ChatGateway().script(Scripted(status=500))
    chat = Conversation(_client(_mixed_gateway(gateway), api="auto"), store=store, notebook="nb")
    chat.send("I am Ada.", model="gpt-4.1")
    head = store.head_id("nb", "default")
    with pytest.raises(nbresponses.InternalServerError):
        chat.send("Who am I?", model="deepseek-chat")
    # the refusal sent the turn to the bridge as messages, and the bridge failed: the thread is as it was
    assert chat.mode == "server" and store.head_id("nb", "default") == head
    # one failed turn, the bridged one: the refused request to /responses was an attempt, not a turn
    statuses = [(t.status, t.error_type) for t in chat.history()]
    assert statuses == [("completed", None), ("failed", "InternalServerError")]
    # /responses refused the model: that is remembered, though the bridge failed this time, and said once
    assert chat.client.api_for("deepseek-chat") == "chat"
    (said,) = chat.notices
    assert "does not serve deepseek-chat on /v1/responses" in said and "from now on" in said
    chat.notices.clear()
    answer = chat.send("Who am I?", model="deepseek-chat")
    assert answer.output_text == "You said: Who am I? Before that: I am Ada."
    assert (
        gateway.paths()[-1] == "POST /v1/chat/completions"
        and gateway.paths().count("POST /v1/responses") == 1
    )
    (switched,) = chat.notices
    assert chat.mode == "client" and "keeps no conversation" in switched and "resends its history" in switched


def test_a_refused_first_attempt_is_not_a_turn(store: HistoryStore) -> None:
    """Issue 15's auto mode: the request /responses refused is resent through the bridge; that is the turn."""
    gateway = ChatGateway()
    chat = Conversation(_client(_mixed_gateway(gateway), api="auto"), store=store, notebook="nb")
    chat.send("My name is Ada.", model="gpt-4.1")
    chat.send("What is my name?", model="deepseek-chat")
    turns = chat.history()
    assert [(t.prompt, t.status, t.model) for t in turns] == [
        ("My name is Ada.", "completed", "gpt-4.1"), ("What is my name?", "completed", "deepseek-chat")]  # fmt: skip
    assert store.turn_numbers("nb") == {turns[0].id: 1, turns[1].id: 2}
    assert [row.status for row in store.usage_rows("nb")] == ["completed", "completed"]
    assert chat.last_turn is not None and chat.last_turn.id == turns[1].id
    assert gateway.paths() == ["POST /v1/responses", "POST /v1/chat/completions"]


def test_a_chat_client_switches_the_thread_only_when_the_bridge_answers(store: HistoryStore) -> None:
    gateway = ChatGateway().script(Scripted(status=404))
    native = _client(_mixed_gateway(gateway), api="responses")
    chat = Conversation(native, store=store, notebook="nb", model="gpt-4.1")
    chat.send("I am Ada.")
    head = store.head_id("nb", "default")
    chat.client = native.with_api("chat")  # what --api chat does for one cell
    with pytest.raises(nbresponses.NotFoundError):
        chat.send("hi")
    assert chat.mode == "server" and store.head_id("nb", "default") == head and not chat.notices

    def interrupt(event: Any, accumulator: Any) -> None:
        if event.type == "response.output_text.delta":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        chat.send("hi", on_event=interrupt)
    assert chat.mode == "server" and store.head_id("nb", "default") == head and not chat.notices
    assert [turn.status for turn in chat.history()] == ["completed", "failed", "interrupted"]

    answered = chat.send("hi")  # the bridge answers: now the thread resends its items, and says so once
    assert answered.output_text == "You said: hi Before that: I am Ada."
    assert chat.mode == "client" and len(chat.notices) == 1 and "keeps no conversation" in chat.notices[0]
    chat.send("again")
    assert len(chat.notices) == 1


def test_a_store_false_turn_that_fails_keeps_server_state(store: HistoryStore) -> None:
    backend = testing.OfflineBackend().script([
        testing.reply(testing.text("Hi Ada.")),
        testing.http_error(500, message="boom"),
    ])  # fmt: skip
    chat = Conversation(backend.client(max_retries=0), store=store, notebook="nb", model="gpt-4.1")
    chat.send("I am Ada.", stream=False)
    with pytest.raises(nbresponses.InternalServerError):
        chat.send("Who am I?", store=False, stream=False)
    assert chat.mode == "server" and not chat.notices
    sent = backend.requests[-1]
    assert sent["store"] is False and "previous_response_id" not in sent and len(sent["input"]) == 3
    chat.send("Who am I?", store=False, stream=False)
    assert chat.mode == "client" and len(chat.notices) == 1 and chat.notices[0].startswith("store=false")


def test_a_stream_notice_reaches_the_conversation(store: HistoryStore) -> None:
    events = [
        {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress", "output": []}},
        {"type": "response.output_item.added", "output_index": 0,
         "item": {"id": "m1", "type": "message", "role": "assistant", "content": []}},
        {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "item_id": "m1", "delta": "done"},
        {"type": "response.output_item.done", "output_index": 0, "item": testing.text("done")},
    ]  # fmt: skip
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, content=body.encode()
        )
    )
    chat = Conversation(_client(transport), store=store, notebook="nb", model="m")
    response = chat.send("hi")
    assert response.status == "completed" and response.output_text == "done"
    assert "without response.completed" in chat.notices[-1]
    assert chat.last_turn is not None and chat.last_turn.status == "completed"
