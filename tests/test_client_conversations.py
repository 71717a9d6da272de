"""Tests of nbresponses._conversations: what ``client.conversations`` sends (checked before sending), and paging
through a conversation's items, sync and async."""

from __future__ import annotations

import asyncio

import pytest

from nbresponses import testing
from nbresponses._exceptions import InvalidParamsError
from nbresponses.client._conversations import (
    create_spec,
    item_spec,
    items_create_spec,
    items_list_spec,
    update_spec,
)
from nbresponses.types.items import Message


def test_create_sends_items_as_json_and_leaves_out_what_is_not_given() -> None:
    spec = create_spec(
        [Message(type="message", role="user", content=[{"type": "input_text", "text": "hi"}])],
        {"topic": "demo"},
    )
    assert (spec.method, spec.path) == ("POST", "/conversations")
    assert spec.body == {
        "items": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
        "metadata": {"topic": "demo"},
    }
    assert create_spec(None, None).body == {}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: create_spec("hi", None), "items must be a list of input items"),
        (lambda: create_spec({"role": "user"}, None), "items must be a list"),
        (lambda: create_spec(None, {"n": 1}), "metadata must map names to strings"),  # type: ignore[dict-item]
        (lambda: update_spec("", {}), "conversation id must be a non-empty string"),
        (lambda: items_create_spec("conv_1", [], None), "at least one item"),
        (
            lambda: items_list_spec("conv_1", after=None, limit=None, order="up", include=None),
            "order must be",
        ),
        (lambda: item_spec("GET", "conv_1", " "), "item id must be a non-empty string"),
    ],
)
def test_bad_arguments_are_refused_before_sending(call: object, message: str) -> None:
    with pytest.raises(InvalidParamsError, match=message):
        call()  # type: ignore[operator]


def test_paths_and_queries() -> None:
    assert update_spec(" conv_1 ", {"a": "b"}).path == "/conversations/conv_1"
    listed = items_list_spec(
        "conv/1", after="item_2", limit=10, order="asc", include=["message.output_text.logprobs"]
    )
    assert listed.path == "/conversations/conv%2F1/items"
    assert listed.params == {
        "after": "item_2",
        "limit": 10,
        "order": "asc",
        "include[]": ["message.output_text.logprobs"],
    }
    assert item_spec("DELETE", "conv_1", "msg_1").path == "/conversations/conv_1/items/msg_1"


def test_iter_follows_the_pages() -> None:
    client = testing.OfflineBackend().client()
    conversation = client.conversations.create(items=[{"role": "user", "content": f"m{n}"} for n in range(5)])
    items = list(client.conversations.items.iter(conversation.id, order="asc", page_size=2))
    assert [item.content[0].text for item in items] == [f"m{n}" for n in range(5)]


def test_async_iter_follows_the_pages() -> None:
    async def main() -> list[str]:
        async with testing.OfflineBackend().async_client() as client:
            conversation = await client.conversations.create(items=[{"role": "user", "content": "a"},
                                                                    {"role": "user", "content": "b"},
                                                                    {"role": "user", "content": "c"}])  # fmt: skip
            return [item.content[0].text async for item in client.conversations.items.iter(
                conversation.id, order="asc", page_size=1)]  # fmt: skip

    assert asyncio.run(main()) == ["a", "b", "c"]
