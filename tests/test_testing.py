"""nbresponses.testing: scripted replies and faults arrive through the real protocol, and the journal records."""

from __future__ import annotations

import pytest

import nbresponses
from nbresponses import testing


def test_scripted_text_then_the_offline_model() -> None:
    backend = testing.OfflineBackend().script([testing.text("Scripted!")])
    client = backend.client()
    assert client.responses.create(model="m", input="a").output_text == "Scripted!"
    assert "You asked" in client.responses.create(model="m", input="b").output_text
    assert backend.pending == 0 and [r["input"] for r in backend.requests] == ["a", "b"]


def test_function_calls_and_reasoning_items() -> None:
    backend = testing.OfflineBackend().script(
        [testing.reply(testing.reasoning("Plan it."), testing.function_call("f", {"x": 1}, call_id="call_a"))]
    )
    response = backend.client().responses.create(model="m", input="go")
    assert response.reasoning_summary == "Plan it."
    (call,) = response.function_calls
    assert (call.name, call.call_id, call.arguments) == ("f", "call_a", '{"x": 1}')


def test_callable_entries_see_the_request() -> None:
    backend = testing.OfflineBackend().script([lambda request: testing.text(f"echo {request.prompt}")])
    assert backend.client().responses.create(model="m", input="ping").output_text == "echo ping"


def test_http_error_with_retry_after_is_retried() -> None:
    backend = testing.OfflineBackend().script([testing.http_error(429, retry_after=0.01), testing.text("ok")])
    assert backend.client(max_retries=1).responses.create(model="m", input="x").output_text == "ok"
    assert len(backend.requests) == 2


def test_http_error_without_retries_raises_with_code() -> None:
    backend = testing.OfflineBackend().script([testing.http_error(429, retry_after=0.01)])
    with pytest.raises(nbresponses.RateLimitError) as info:
        backend.client(max_retries=0).responses.create(model="m", input="x")
    assert info.value.code == "rate_limit_exceeded" and info.value.status == 429


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (testing.disconnect, nbresponses.StreamError),
        (testing.malformed, nbresponses.StreamError),
        (testing.stall, nbresponses.StreamTimeoutError),
    ],
)
def test_stream_faults_keep_the_partial_text(fault: object, error: type[Exception]) -> None:
    backend = testing.OfflineBackend().script([fault(7, testing.text("alpha beta gamma delta epsilon"))])  # type: ignore[operator]
    client = backend.client(timeout=0.2)
    with pytest.raises(error) as info, client.responses.stream(model="m", input="x") as stream:
        for _ in stream:
            pass
    assert info.value.partial_text == "alpha beta gamma"  # type: ignore[attr-defined]


def test_failed_response_raises_response_failed_error() -> None:
    backend = testing.OfflineBackend().script(
        [testing.failed("server_error", "It broke.", testing.text("half"))]
    )
    with pytest.raises(nbresponses.ResponseFailedError) as info:
        backend.client().responses.stream(model="m", input="x").get_final_response()
    assert info.value.code == "server_error" and info.value.partial_text == "half"


def test_incomplete_and_refusal() -> None:
    backend = testing.OfflineBackend().script(
        [testing.incomplete(testing.text("cut")), testing.refusal("No.")]
    )
    client = backend.client()
    cut = client.responses.create(model="m", input="x")
    assert cut.status == "incomplete" and cut.incomplete_details is not None
    assert cut.incomplete_details.reason == "max_output_tokens"
    assert client.responses.create(model="m", input="y").refusal == "No."


@pytest.mark.anyio
async def test_async_client_sees_the_same_script() -> None:
    backend = testing.OfflineBackend().script([testing.text("async scripted")])
    client = backend.async_client()
    assert (await client.responses.create(model="m", input="x")).output_text == "async scripted"
    await client.close()
