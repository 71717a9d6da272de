"""The offline server's Conversations API, through nbresponses.Client (shapes of the recorded interactions)."""

from __future__ import annotations

import pytest

import nbresponses
from nbresponses.offline import OfflineServer
from nbresponses.testing import async_offline_client, offline_client


@pytest.fixture
def client() -> nbresponses.Client:
    return offline_client(OfflineServer())


def test_create_retrieve_update_delete(client: nbresponses.Client) -> None:
    made = client.conversations.create(metadata={"topic": "test"}, items=[{"role": "user", "content": "hi"}])
    assert (
        made.id.startswith("conv_") and made.object == "conversation" and made.metadata == {"topic": "test"}
    )
    assert client.conversations.retrieve(made.id).to_dict() == made.to_dict()
    updated = client.conversations.update(made.id, metadata={"topic": "updated"})
    assert updated.metadata == {"topic": "updated"}
    gone = client.conversations.delete(made.id)
    assert gone.deleted is True and gone.object == "conversation.deleted"
    with pytest.raises(nbresponses.NotFoundError, match="Conversation with id"):
        client.conversations.retrieve(made.id)


def test_items_create_list_retrieve_delete(client: nbresponses.Client) -> None:
    conversation = client.conversations.create(items=[{"role": "user", "content": "first item"}])
    added = client.conversations.items.create(
        conversation.id, items=[{"role": "user", "content": "second item"}]
    )
    assert [i.content[0].text for i in added.data] == ["second item"]  # type: ignore[union-attr]
    listed = client.conversations.items.list(conversation.id)
    assert [i.content[0].text for i in listed.data] == ["second item", "first item"]  # newest first  # type: ignore[union-attr]
    ascending = client.conversations.items.list(conversation.id, order="asc", limit=1)
    assert ascending.has_more is True and ascending.data[0].content[0].text == "first item"  # type: ignore[union-attr]
    item_id = added.data[0].id
    assert client.conversations.items.retrieve(item_id, conversation_id=conversation.id).id == item_id
    after = client.conversations.items.delete(item_id, conversation_id=conversation.id)
    assert after.id == conversation.id
    assert len(client.conversations.items.list(conversation.id).data) == 1
    with pytest.raises(nbresponses.NotFoundError):
        client.conversations.items.retrieve(item_id, conversation_id=conversation.id)


def test_responses_in_a_conversation_see_and_extend_its_items(client: nbresponses.Client) -> None:
    conversation = client.conversations.create(items=[{"role": "user", "content": "My name is Ada."}])
    first = client.responses.create(model="m", input="What is my name?", conversation=conversation.id)
    assert "Your name is Ada" in first.output_text and first.conversation.id == conversation.id  # type: ignore[union-attr]
    second = client.responses.create(model="m", input="What did I tell you first?",
                                     conversation={"id": conversation.id})  # fmt: skip
    assert "My name is Ada." in second.output_text
    items = client.conversations.items.list(conversation.id, order="asc").data
    assert [i.type for i in items] == ["message"] * 5
    assert [i.role for i in items] == ["user", "user", "assistant", "user", "assistant"]  # type: ignore[union-attr]


def test_conversation_and_previous_response_id_are_exclusive(client: nbresponses.Client) -> None:
    conversation = client.conversations.create()
    first = client.responses.create(model="m", input="x")
    with pytest.raises(nbresponses.BadRequestError, match="Mutually exclusive") as info:
        client.responses.create(
            model="m", input="y", conversation=conversation.id, previous_response_id=first.id
        )
    assert info.value.code == "mutually_exclusive_parameters"
    with pytest.raises(nbresponses.NotFoundError, match="Conversation with id 'conv_nope' not found"):
        client.responses.create(model="m", input="y", conversation="conv_nope")


async def test_async_conversations() -> None:
    client = async_offline_client(OfflineServer())
    made = await client.conversations.create(metadata={"k": "v"})
    await client.conversations.items.create(made.id, items=[{"role": "user", "content": "hello"}])
    listed = await client.conversations.items.list(made.id)
    assert len(listed.data) == 1
    assert (await client.conversations.delete(made.id)).deleted is True
    await client.close()


pytestmark = pytest.mark.anyio
