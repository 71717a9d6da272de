"""Tests of nbresponses._thread_state: a send's items and logged prompt (wants_client_state: test_conversation)."""

from __future__ import annotations

from nbresponses import conversation
from nbresponses._exceptions import BridgeStateError
from nbresponses._thread_state import include_encrypted_reasoning, prompt_text, user_items, wants_client_state


def test_user_items_of_a_text_of_content_parts_and_of_items() -> None:
    assert user_items("hi") == [{"role": "user", "content": "hi"}]
    parts = [{"type": "input_text", "text": "see"}, {"type": "input_image", "image_url": "data:..."}]
    assert user_items(iter(parts)) == [{"role": "user", "content": parts}]  # one message's content
    items = [
        {"role": "user", "content": "a"},
        {"type": "function_call_output", "call_id": "c", "output": "1"},
    ]
    assert user_items(items) == items and user_items([]) == []


def test_prompt_text_is_the_first_text() -> None:
    assert prompt_text(user_items("hi")) == "hi"
    assert (
        prompt_text(
            user_items([{"type": "input_image", "image_url": "x"}, {"type": "input_text", "text": "t"}])
        )
        == "t"
    )
    assert prompt_text([{"type": "function_call_output", "call_id": "c", "output": "1"}, "odd"]) == ""


def test_the_conversation_module_still_exports_the_rule() -> None:
    assert conversation.wants_client_state is wants_client_state
    assert wants_client_state(BridgeStateError("state", param="previous_response_id"), sent_previous_id=False)


def test_a_client_state_request_that_reasons_asks_for_encrypted_reasoning() -> None:
    for body in ({"model": "o4-mini"}, {"model": "gpt-4.1", "reasoning": {"effort": "low"}}):
        include_encrypted_reasoning(body)
        assert body["include"] == ["reasoning.encrypted_content"]
    body = {"model": "gpt-5", "include": ["file_search_call.results", "reasoning.encrypted_content"]}
    include_encrypted_reasoning(body)
    assert body["include"] == ["file_search_call.results", "reasoning.encrypted_content"]  # once
    body = {"model": "gpt-4.1"}
    include_encrypted_reasoning(body)
    assert "include" not in body  # nothing to carry
