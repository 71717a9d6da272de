"""Tests of nbresponses.types._base: every API object keeps unknown fields, round-trips to the JSON it came from,
and converts from the openai SDK's objects without importing openai."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nbresponses.types._base import APIModel, UnknownModel


class Thing(APIModel):
    id: str
    size: int | None = None
    note: str | None = None


def test_unknown_fields_survive_and_unset_ones_stay_out() -> None:
    thing = Thing.model_validate({"id": "t", "note": None, "added_next_month": {"x": 1}})
    assert thing.to_dict() == {"id": "t", "note": None, "added_next_month": {"x": 1}}
    assert thing.to_dict(exclude_none=True) == {"id": "t", "added_next_month": {"x": 1}}
    assert json.loads(thing.to_json()) == thing.to_dict() and thing.to_json().startswith("{\n  ")
    assert thing.to_json(indent=None) == '{"id":"t","note":null,"added_next_month":{"x":1}}'


class _SdkLike:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_dict(self, *, mode: str = "python") -> dict[str, Any]:
        return dict(self.data)


class _PydanticLike:
    def model_dump(self, **options: Any) -> dict[str, Any]:
        assert options == {"mode": "json", "by_alias": True, "exclude_unset": True}
        return {"id": "p", "size": 3}


def test_from_openai_reads_sdk_objects_pydantic_models_and_dicts() -> None:
    assert Thing.from_openai(_SdkLike({"id": "s", "size": 2})).size == 2
    assert Thing.from_openai(_PydanticLike()).id == "p"
    assert Thing.from_openai({"id": "d"}).to_dict() == {"id": "d"}
    with pytest.raises(
        TypeError, match=r"Thing.from_openai\(\) takes an openai SDK object or a dict, not int"
    ):
        Thing.from_openai(42)


def test_an_unknown_object_keeps_everything() -> None:
    data = {"type": "hologram", "depth": 3}
    unknown = UnknownModel.model_validate(data)
    assert unknown.type == "hologram" and unknown.to_dict() == data
