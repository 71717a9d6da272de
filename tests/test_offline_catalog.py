"""Tests of nbresponses.offline._catalog: the models the offline server lists, and its chat-only model."""

from __future__ import annotations

import json

import pytest

import nbresponses
from nbresponses.offline import OfflineServer
from nbresponses.testing import offline_client
from tests.spec_schemas import errors


def test_models_are_listed_and_retrieved_in_openais_shapes() -> None:
    server = OfflineServer()
    listed = server.handle("GET", "/v1/models", {}, b"")
    body = json.loads(listed.body)
    assert listed.status == 200 and errors("ListModelsResponse", body) == []
    ids = [model["id"] for model in body["data"]]
    assert {"gpt-4.1", "offline-1", "offline-chat"} <= set(ids)
    found = server.handle("GET", "/v1/models/offline-chat", {}, b"")
    assert found.status == 200 and errors("Model", json.loads(found.body)) == []
    missing = server.handle("GET", "/v1/models/gpt-9", {}, b"")
    assert missing.status == 404 and json.loads(missing.body)["error"]["code"] == "model_not_found"


def test_the_client_lists_them() -> None:
    client = offline_client(OfflineServer())
    assert "gpt-4.1" in client.models.list().ids


def test_the_chat_only_model_is_refused_on_responses_over_http_and_websocket() -> None:
    server = OfflineServer()
    with pytest.raises(nbresponses.BadRequestError) as refused:
        offline_client(server).responses.create(model="offline-chat", input="hi")
    assert refused.value.code == "model_not_supported" and refused.value.param == "model"
    assert refused.value.message == "The model 'offline-chat' is not supported for the responses endpoint."
    with pytest.raises(nbresponses.BadRequestError, match="not supported for the responses endpoint"):
        offline_client(server, transport="websocket").responses.create(model="offline-chat", input="hi")
    assert server.state.count() == 0
