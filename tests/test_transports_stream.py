"""Tests of nbresponses.transports.stream: how a stream ends, and that its connection is always released."""

from __future__ import annotations

import json
import threading

import httpx2
import pytest

import nbresponses
from nbresponses import _exceptions as exc
from nbresponses.transports.stream import EventPump
from tests.sse_fixtures import Recorder, RecordingStream, response_object, split, sse, text_events

BASE = "http://127.0.0.1:9/v1"


def open_stream(
    body: bytes | RecordingStream, content_type: str = "text/event-stream"
) -> nbresponses.ResponseStream:
    if isinstance(body, RecordingStream):
        reply = httpx2.Response(200, headers={"content-type": content_type}, stream=body)
    else:
        reply = httpx2.Response(200, headers={"content-type": content_type}, content=body)
    http = httpx2.Client(transport=httpx2.MockTransport(Recorder(reply)))
    client = nbresponses.Client(api_key="sk-test-stream-key", base_url=BASE, http_client=http, max_retries=0)
    return client.responses.stream(model="m", input="x")


def test_completed_stream_gives_final_response_and_closes() -> None:
    body = RecordingStream(split(sse(text_events(["Hel", "lo", " world"])), 7))
    with open_stream(body) as stream:
        response = stream.get_final_response()
    assert response.output_text == "Hello world"
    assert response.status == "completed"
    assert response.usage is not None and response.usage.output_tokens == 3
    assert body.closed


def test_data_only_stream_with_done_terminator() -> None:
    body = sse(text_events(["Open", " Responses"]), named=False) + b"data: [DONE]\n\n"
    assert open_stream(body).get_final_response().output_text == "Open Responses"


def test_done_without_terminal_event_keeps_a_finished_answer_as_completed_with_a_notice() -> None:
    events = text_events(["all ", "there"])[:-1]  # every item done, no response.completed
    with open_stream(sse(events) + b"data: [DONE]\n\n") as stream:
        kinds = [event.type for event in stream]
        response = stream.get_final_response()
    assert kinds[-1] == "response.completed"  # the view gets its terminal event too
    assert response.status == "completed" and response.output_text == "all there"
    assert len(stream.notices) == 1 and "[DONE]" in stream.notices[0]


def test_done_inside_an_item_is_a_stream_error() -> None:
    events = [e for e in text_events(["cut"])[:-1] if not e["type"].endswith(".done")]
    with pytest.raises(exc.StreamError, match=r"\[DONE\] arrived while an item was still streaming") as info:
        open_stream(sse(events) + b"data: [DONE]\n\n").get_final_response()
    assert info.value.partial_text == "cut"


def test_body_end_without_done_or_terminal_event_is_a_stream_error_even_when_items_are_done() -> None:
    events = text_events(["cut"])[:-1]
    with pytest.raises(exc.StreamError, match="without a terminal event") as info:
        open_stream(sse(events)).get_final_response()
    assert info.value.partial_text == "cut"


def test_incomplete_keeps_reason() -> None:
    events = text_events(["partial"], status="incomplete")
    events[-1]["response"]["incomplete_details"] = {"reason": "max_output_tokens"}
    response = open_stream(sse(events)).get_final_response()
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "partial"


def test_error_then_failed_raises_response_failed_with_partial() -> None:
    events = text_events(["Half an ans"])[:5]
    events.append(
        {
            "type": "error",
            "sequence_number": 5,
            "error": {
                "type": "insufficient_quota",
                "code": "insufficient_quota",
                "message": "You exceeded your current quota.",
                "param": None,
            },
        }
    )
    failed = response_object("failed", error={"code": "insufficient_quota", "message": "quota"})
    events.append({"type": "response.failed", "sequence_number": 6, "response": failed})
    stream = open_stream(sse(events))
    with pytest.raises(exc.ResponseFailedError) as info:
        for _ in stream:
            pass
    assert info.value.code == "insufficient_quota"
    assert "quota" in info.value.message
    assert info.value.partial_text == "Half an ans"


def test_malformed_event_is_a_stream_error_with_partial() -> None:
    events = text_events(["Good ", "start"])[:6]
    body = sse(events) + b"event: response.output_text.delta\ndata: {not json\n\n"
    with pytest.raises(exc.StreamError, match="not valid JSON") as info:
        open_stream(body).get_final_response()
    assert info.value.partial_text == "Good start"


def test_connection_drop_mid_stream() -> None:
    body = RecordingStream(
        [sse(text_events(["one ", "two"])[:5])], fail_with=httpx2.RemoteProtocolError("peer closed")
    )
    with pytest.raises(exc.StreamError, match="connection lost") as info:
        open_stream(body).get_final_response()
    assert info.value.partial_text == "one "
    assert body.closed


def test_read_timeout_mid_stream_is_a_stream_timeout() -> None:
    body = RecordingStream([sse(text_events(["slow"])[:5])], fail_with=httpx2.ReadTimeout("stalled"))
    with pytest.raises(exc.StreamTimeoutError) as info:
        open_stream(body).get_final_response()
    assert isinstance(info.value, exc.APITimeoutError)
    assert info.value.partial_text == "slow"
    assert body.closed


def test_break_out_of_loop_releases_connection() -> None:
    body = RecordingStream(split(sse(text_events(["a"] * 50)), 64))
    with open_stream(body) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                break
    assert body.closed
    assert body.chunks_read < len(body.chunks)


def test_keyboard_interrupt_releases_connection_and_propagates() -> None:
    body = RecordingStream([sse(text_events(["x"])[:4])], fail_with=KeyboardInterrupt())
    stream = open_stream(body)
    with pytest.raises(KeyboardInterrupt):
        for _ in stream:
            pass
    assert body.closed
    assert stream.snapshot().status == "in_progress"


def test_gateway_that_ignores_stream_true_and_sends_json() -> None:
    item = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "plain JSON", "annotations": []}],
    }
    body = json.dumps(response_object("completed", [item])).encode()
    stream = open_stream(body, content_type="application/json")
    assert [event.type for event in stream] == ["response.completed"]
    assert stream.get_final_response().output_text == "plain JSON"


def test_events_after_terminal_are_ignored() -> None:
    body = sse(text_events(["done"])) + b'data: {"type": "response.output_text.delta"}\n\n'
    stream = open_stream(body)
    types = [event.type for event in stream]
    assert types[-1] == "response.completed"
    assert stream.response_id == "resp_test0001"


def test_a_key_the_server_echoes_never_reaches_the_events_or_errors() -> None:
    key = b"sk-test-stream-key"  # the client's key (a Secret: redacted everywhere)
    events = text_events(["Your key is ", "sk-test-stream-key", "."])
    with open_stream(sse(events)) as stream:
        deltas = [getattr(e, "delta", "") for e in stream]
        response = stream.get_final_response()
    assert key.decode() not in "".join(deltas) + response.output_text
    assert response.output_text == "Your key is [redacted]."
    broken = sse(text_events(["partial"]))[:-30] + b"data: {not json sk-test-stream-key\n\n"
    with pytest.raises(exc.StreamError) as info, open_stream(broken) as stream:
        stream.get_final_response()
    assert key.decode() not in str(info.value)


# --- the one lock between the stream's thread and a view's helper thread --------------------------------------


class RecordingLock:
    """An RLock that records who took it (what a stream pump holds while it folds, and snapshots take)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.taken = 0

    def __enter__(self) -> bool:
        self._lock.acquire()
        self.taken += 1
        return True

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def test_the_pump_folds_each_chunk_and_snapshots_under_its_lock() -> None:
    pump = EventPump(request_id=None, secrets=())
    lock = pump.lock = RecordingLock()  # type: ignore[assignment]
    chunks = split(sse(text_events(["a", "b", "c"])), 4096)
    assert len(chunks) == 1
    events = pump.feed(chunks[0])
    assert len(events) == 11 and lock.taken == 1  # once per chunk, not per event
    assert pump.snapshot().output_text == "abc" and lock.taken == 2


def test_stream_snapshot_is_the_pumps_locked_one() -> None:
    with open_stream(sse(text_events(["x", "y"]))) as stream:
        lock = stream._pump.lock = RecordingLock()  # type: ignore[assignment]
        next(iter(stream))
        taken = lock.taken
        assert stream.snapshot().id == "resp_test0001" and lock.taken == taken + 1
