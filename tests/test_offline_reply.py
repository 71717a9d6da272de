"""Tests of nbresponses.offline._reply: the offline server's HTTP replies, errors in OpenAI's shape over HTTP and
WebSocket, SSE frames and list pages."""

from __future__ import annotations

import json

import pytest

from nbresponses.offline._reply import APIError, error_reply, json_reply, page, sse


def test_json_and_error_replies() -> None:
    reply = json_reply(201, {"id": "x"}, {"x-request-id": "req_1"})
    assert reply.status == 201 and json.loads(reply.body) == {"id": "x"} and reply.chunks is None
    assert reply.headers == {"content-type": "application/json", "x-request-id": "req_1"}
    error = error_reply(404, "No such response.", type="invalid_request_error", param="response_id")
    assert error.status == 404 and json.loads(error.body) == {
        "error": {
            "message": "No such response.",
            "type": "invalid_request_error",
            "param": "response_id",
            "code": None,
        }
    }


def test_an_error_over_a_websocket_always_has_a_code() -> None:
    envelope = APIError(400, "bad", param="model").envelope()
    assert envelope == {"type": "error", "status": 400,
                        "error": {"type": "invalid_request_error", "code": "invalid_request_error",
                                  "message": "bad", "param": "model"}}  # fmt: skip
    headed = APIError(429, "slow", "requests", "rate_limit_exceeded", headers=(("retry-after", "1"),)).reply()
    assert headed.headers["retry-after"] == "1"


def test_sse_frames_name_their_event_and_keep_unicode() -> None:
    frame = sse({"type": "response.output_text.delta", "delta": "上海"})
    assert (
        frame
        == 'event: response.output_text.delta\ndata: {"type": "response.output_text.delta", "delta": "上海"}\n\n'.encode()
    )


ITEMS = [{"id": f"i{n}"} for n in range(1, 6)]


@pytest.mark.parametrize(
    ("query", "ids", "has_more"),
    [
        ({}, ["i5", "i4", "i3", "i2", "i1"], False),
        ({"order": "asc", "limit": "2"}, ["i1", "i2"], True),
        ({"order": "asc", "after": "i2"}, ["i3", "i4", "i5"], False),
        ({"before": "i2"}, ["i5", "i4", "i3"], False),
        ({"limit": "0"}, ["i5"], True),
        ({"limit": "not a number"}, ["i5", "i4", "i3", "i2", "i1"], False),
        ({"after": "unknown"}, ["i5", "i4", "i3", "i2", "i1"], False),
    ],
)
def test_list_pages(query: dict[str, str], ids: list[str], has_more: bool) -> None:
    result = page(ITEMS, query)
    assert [item["id"] for item in result["data"]] == ids and result["has_more"] is has_more
    assert (result["first_id"], result["last_id"]) == (ids[0], ids[-1])


def test_an_empty_page_and_an_ascending_default() -> None:
    assert page([], {}) == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }
    assert [i["id"] for i in page(ITEMS, {"limit": "1"}, default_order="asc")["data"]] == ["i1"]
