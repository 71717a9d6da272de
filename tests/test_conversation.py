"""Pure parts of nbresponses.conversation: when to fall back to client state, and what each mode sends."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbresponses import _exceptions as exc
from nbresponses._client import Client
from nbresponses.conversation import Conversation, wants_client_state
from nbresponses.store import HistoryStore


def _error(cls: type[exc.APIStatusError], status: int, message: str, **kw: str) -> exc.APIStatusError:
    return cls(message, status=status, **kw)


@pytest.mark.parametrize(
    ("error", "sent_previous", "expected"),
    [
        (_error(exc.BadRequestError, 400, "x", code="previous_response_not_found"), True, True),
        (_error(exc.BadRequestError, 400, "Unsupported parameter", param="previous_response_id"), True, True),
        (_error(exc.BadRequestError, 400, "Unknown parameter: 'store'."), False, True),
        (_error(exc.NotFoundError, 404, "Response with id 'resp_1' not found."), True, True),
        (_error(exc.NotFoundError, 404, "Response with id 'resp_1' not found."), False, False),
        (_error(exc.BadRequestError, 400, "Zero Data Retention organizations cannot store"), False, True),
        (_error(exc.RateLimitError, 429, "Rate limit reached", code="rate_limit_exceeded"), True, False),
        (_error(exc.BadRequestError, 400, "Invalid value for temperature", param="temperature"), True, False),
    ],
)
def test_wants_client_state(error: exc.APIStatusError, sent_previous: bool, expected: bool) -> None:
    assert wants_client_state(error, sent_previous_id=sent_previous) is expected


def test_non_status_errors_never_switch_state() -> None:
    assert not wants_client_state(exc.APIConnectionError("refused"), sent_previous_id=True)


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    with HistoryStore(tmp_path / "history.sqlite") as store:
        yield store


def _finished_turn(store: HistoryStore, parent: int | None, text: str, response_id: str) -> int:
    turn = store.begin_turn(
        "nb", "default", parent_id=parent, prompt=text, input_items=[{"role": "user", "content": text}]
    )
    output = [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": f"re: {text}"}]}
    ]
    store.finish_turn(
        turn.id, status="completed", response={"id": response_id, "output": output, "model": "m"}
    )
    return turn.id


def test_server_mode_sends_previous_response_id_and_new_items_only(store: HistoryStore) -> None:
    chat = Conversation(
        Client(api_key="sk-test-1", base_url="http://x.invalid/v1"), store=store, notebook="nb"
    )
    first = _finished_turn(store, None, "one", "resp_1")
    body = chat.request_body([{"role": "user", "content": "two"}], store.get_turn(first), {"model": "m"})
    assert body == {
        "model": "m",
        "input": [{"role": "user", "content": "two"}],
        "previous_response_id": "resp_1",
    }


def test_client_mode_resends_the_active_path_with_store_false(store: HistoryStore) -> None:
    client = Client(api_key="sk-test-1", base_url="http://x.invalid/v1")
    chat = Conversation(client, store=store, notebook="nb", mode="client", model="o4-mini")
    first = _finished_turn(store, None, "one", "resp_1")
    second = _finished_turn(store, first, "two", "resp_2")
    body = chat.request_body([{"role": "user", "content": "three"}], store.get_turn(second), {})
    assert "previous_response_id" not in body
    assert body["store"] is False
    assert body["include"] == ["reasoning.encrypted_content"]
    texts = [item.get("content") for item in body["input"]]
    assert texts[0] == "one" and texts[2] == "two" and texts[4] == "three"
    assert body["input"][1]["content"][0]["text"] == "re: one"
