"""Tests of nbresponses.offline._faults: the errors and broken streams the offline server can be scripted with."""

from __future__ import annotations

import json

import pytest

from nbresponses.offline._faults import Disconnect, Fault, Stall


@pytest.mark.parametrize(
    ("status", "kind", "code"),
    [
        (400, "invalid_request_error", None),
        (401, "invalid_request_error", "invalid_api_key"),
        (404, "invalid_request_error", None),
        (429, "requests", "rate_limit_exceeded"),
        (500, "server_error", None),
        (503, "server_error", None),
    ],
)
def test_a_status_fault_answers_with_openais_error_for_its_status(
    status: int, kind: str, code: str | None
) -> None:
    reply = Fault("status", status=status).reply()
    error = json.loads(reply.body)["error"]
    assert reply.status == status and reply.headers["content-type"] == "application/json"
    assert (error["type"], error["code"]) == (kind, code) and error["message"]
    assert reply.headers["x-request-id"] == "req_offline_fault" and "retry-after" not in reply.headers


def test_a_status_fault_with_its_own_error_and_retry_after() -> None:
    fault = Fault("status", status=429, retry_after=1.5, error={"message": "slow down", "code": "custom"})
    reply = fault.reply()
    assert json.loads(reply.body)["error"] == {
        "message": "slow down", "type": "requests", "param": None, "code": "custom"
    }  # fmt: skip
    assert reply.headers["retry-after"] == "1.5" and reply.headers["retry-after-ms"] == "1500"
    assert fault.api_error().envelope()["error"]["code"] == "custom"  # the same error over a WebSocket


def test_stream_breaks() -> None:
    malformed = list(Fault("malformed").stream_break())
    assert len(malformed) == 1 and isinstance(malformed[0], bytes) and malformed[0].endswith(b"\n\n")
    with pytest.raises(ValueError):
        json.loads(malformed[0].split(b"data: ", 1)[1])  # the event is not JSON
    assert list(Fault("stall", seconds=2.0).stream_break()) == [Stall(2.0)]
    with pytest.raises(Disconnect, match="dropped the connection"):
        list(Fault("disconnect").stream_break())
    assert list(Fault("status").stream_break()) == []  # not a stream fault


def test_faults_are_values() -> None:
    assert Fault("disconnect", after=3) == Fault("disconnect", after=3)
    with pytest.raises(AttributeError):
        Fault("stall").seconds = 1.0  # type: ignore[misc]
