"""Tests of nbresponses._resources: what each Responses endpoint sends (method, path, body, query), checked before
anything is sent."""

from __future__ import annotations

import pytest

from nbresponses._exceptions import InvalidParamsError
from nbresponses.client import _specs as specs


def test_create_validates_normalises_and_leaves_none_out() -> None:
    spec = specs.create_spec(
        {"model": "gpt-4.1", "input": "hi", "temperature": None, "tools": [{"type": "web_search"}]},
        stream=False,
    )
    assert (spec.method, spec.path, spec.stream) == ("POST", "/responses", False)
    assert spec.body == {"model": "gpt-4.1", "input": "hi", "tools": [{"type": "web_search"}]}
    streamed = specs.create_spec({"model": "m", "input": "hi", "stream": False}, stream=True)
    assert streamed.body is not None and streamed.body["stream"] is True and streamed.stream
    assert "stream" not in (specs.create_spec({"model": "m", "stream": True}, stream=False).body or {})


def test_create_sends_api_names_and_unknown_parameters_as_given() -> None:
    schema = {"type": "json_schema", "name": "x", "schema": {"type": "object"}}
    body = specs.create_spec({"model": "m", "text": {"format": schema}, "new_flag": 1}, stream=False).body
    assert body == {"model": "m", "text": {"format": schema}, "new_flag": 1}


def test_invalid_parameters_are_refused_before_sending() -> None:
    with pytest.raises(InvalidParamsError, match=r"Invalid request parameters \(.*\)\. Nothing was sent\."):
        specs.create_spec({"model": "m", "temperature": "hot"}, stream=False)
    with pytest.raises(InvalidParamsError, match="Nothing was sent"):
        specs.input_tokens_spec({"model": ["not", "a", "name"]})


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_a_response_id_must_be_a_non_empty_string(bad: object) -> None:
    with pytest.raises(InvalidParamsError, match="non-empty string"):
        specs.delete_spec(bad)  # type: ignore[arg-type]


def test_response_ids_are_quoted_into_the_path() -> None:
    assert specs.delete_spec(" resp_1 ").path == "/responses/resp_1"
    assert specs.cancel_spec("resp/../x").path == "/responses/resp%2F..%2Fx/cancel"
    assert (specs.delete_spec("r").method, specs.cancel_spec("r").method) == ("DELETE", "POST")


def test_retrieve_and_resume_a_stream() -> None:
    spec = specs.retrieve_spec(
        "resp_1", stream=True, starting_after=7, include=["reasoning.encrypted_content"]
    )
    assert (spec.method, spec.path, spec.stream) == ("GET", "/responses/resp_1", True)
    assert spec.params == {"stream": True, "starting_after": 7, "include[]": ["reasoning.encrypted_content"]}
    plain = specs.retrieve_spec("resp_1", stream=False, starting_after=None, include=None)
    assert plain.params == {"stream": None, "starting_after": None} and not plain.stream


def test_input_items_pages() -> None:
    spec = specs.input_items_spec("resp_1", limit=5, order="asc", after="item_3", include=["x"])
    assert spec.path == "/responses/resp_1/input_items"
    assert spec.params == {"limit": 5, "order": "asc", "after": "item_3", "include[]": ["x"]}
    with pytest.raises(InvalidParamsError, match="order must be 'asc' or 'desc'"):
        specs.input_items_spec("resp_1", limit=None, order="sideways", after=None, include=None)


def test_input_tokens_and_compact_bodies() -> None:
    counted = specs.input_tokens_spec({"model": "m", "input": "hi", "instructions": None})
    assert (counted.path, counted.body) == ("/responses/input_tokens", {"model": "m", "input": "hi"})
    compact = specs.compact_spec({"model": "m", "input": [{"role": "user", "content": "hi"}]})
    assert compact.path == "/responses/compact" and compact.body == {
        "model": "m",
        "input": [{"role": "user", "content": "hi"}],
    }
