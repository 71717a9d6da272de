"""Tests of nbresponses.types.model: the bodies of ``GET /models`` from OpenAI, gateways and local servers."""

from __future__ import annotations

from nbresponses.types.model import Model, ModelList


def test_openai_and_gateway_listings() -> None:
    listing = ModelList.model_validate({
        "object": "list",
        "data": [
            {"id": "gpt-4.1", "object": "model", "created": 1744316542, "owned_by": "system"},
            {"id": "deepseek-chat", "object": "model", "owned_by": "deepseek", "context_length": 65536},
            {"id": "qwen-max"},
        ],
    })  # fmt: skip
    assert listing.ids == ["gpt-4.1", "deepseek-chat", "qwen-max"]
    assert listing.data[1].model_extra == {"context_length": 65536}  # a gateway's own field, kept
    assert listing.data[2].owned_by is None and listing.data[2].to_dict() == {"id": "qwen-max"}


def test_an_empty_listing_and_a_float_timestamp() -> None:
    assert ModelList.model_validate({"object": "list"}).ids == []
    assert Model.model_validate({"id": "local", "created": 1.7e9}).created == 1.7e9


def test_a_listing_iterates_over_its_models_as_the_sdks_pages_do() -> None:
    listing = ModelList.model_validate({"object": "list", "data": [{"id": "a"}, {"id": "b"}]})
    assert [model.id for model in listing] == ["a", "b"]
    assert list(ModelList.model_validate({"object": "list"})) == []
    # iterating does not change what the model is or dumps
    assert ModelList.model_validate(listing.to_dict()) == listing
