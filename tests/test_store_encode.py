"""Tests of nbresponses.store._encode: a response is kept as the JSON it was received as, and nothing secret is."""

from __future__ import annotations

import json

from nbresponses.store._encode import json_text, loads, plain_text, scrub
from nbresponses.types.request import ResponseCreateParams
from nbresponses.types.response import Response

KEY = "sk-proj-" + "Zq8Xw2Lk9Vb4Nm7Rt1Yp3Hs6Jd0Fg5Ca"
RECEIVED = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1700000000,
    "status": "completed",
    "model": "gpt-4.1",
    "output": [
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "Hello!", "annotations": []}],
        }
    ],
    "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7},
    "gateway_extra": {"region": "eu"},
}


def test_a_response_is_written_as_the_json_it_was_received_as() -> None:
    response = Response.model_validate_json(json.dumps(RECEIVED))
    text = json_text(response)
    assert text is not None and json.loads(text) == RECEIVED  # no null for each field the API left out
    assert "null" not in text and len(text.encode()) < len(json.dumps(RECEIVED).encode())
    assert json.loads(json_text(RECEIVED) or "") == RECEIVED  # a dict, as it is
    assert json_text(json.dumps(RECEIVED)) == json_text(RECEIVED)  # JSON text, normalised the same way


def test_a_model_inside_a_value_and_an_api_name_are_written_as_sent() -> None:
    params = ResponseCreateParams.model_validate(
        {"model": "m", "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object"}}}}
    )
    text = json_text({"request": params})
    assert text is not None
    assert json.loads(text) == {"request": params.model_dump(mode="json", by_alias=True, exclude_unset=True)}


def test_nulls_the_api_sent_are_kept() -> None:
    received = {**RECEIVED, "error": None, "incomplete_details": None}
    assert json.loads(json_text(Response.model_validate(received)) or "") == received


def test_lone_surrogates_become_replacement_characters() -> None:
    broken = {
        **RECEIVED,
        "output": [{**RECEIVED["output"][0], "content": [{"type": "output_text", "text": "a\ud800b"}]}],
    }
    for value in (Response.model_validate(broken), broken):
        text = json_text(value)
        assert text is not None and "a\ufffdb" in json.loads(text)["output"][0]["content"][0]["text"]
        text.encode("utf-8")  # SQLite can store it
    assert plain_text("x\udc00y") == "x\ufffdy"


def test_secrets_are_redacted_from_json_and_text() -> None:
    leaked = {**RECEIVED, "instructions": f"use {KEY}", "api_key": "custom-secret-value"}
    text = json_text(Response.model_validate(leaked), ["custom-secret-value"])
    assert text is not None and KEY not in text and "custom-secret-value" not in text
    assert KEY not in (plain_text(f"my key is {KEY}") or "")
    assert KEY not in json.dumps(scrub({"headers": {"Authorization": f"Bearer {KEY}"}, "note": f"key {KEY}"}))


def test_nothing_is_written_as_none() -> None:
    assert json_text(None) is None and plain_text(None) is None and loads(None) is None
