"""Tests of nbresponses._exceptions: the tree, the fields, and redaction."""

from __future__ import annotations

import pytest

from nbresponses import _exceptions as exc


def test_tree() -> None:
    for cls in (
        exc.BadRequestError,
        exc.AuthenticationError,
        exc.PermissionDeniedError,
        exc.NotFoundError,
        exc.RateLimitError,
        exc.InternalServerError,
    ):
        assert issubclass(cls, exc.APIStatusError)
    assert issubclass(exc.APIStatusError, exc.APIError)
    assert issubclass(exc.APITimeoutError, exc.APIConnectionError)
    assert issubclass(exc.APIConnectionError, exc.APIError)
    assert issubclass(exc.StreamError, exc.APIError)
    assert issubclass(exc.ResponseFailedError, exc.APIError)
    assert issubclass(exc.StreamTimeoutError, exc.StreamError)
    assert issubclass(exc.StreamTimeoutError, exc.APITimeoutError)
    assert issubclass(exc.APIError, exc.NBResponsesError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, exc.BadRequestError),
        (401, exc.AuthenticationError),
        (403, exc.PermissionDeniedError),
        (404, exc.NotFoundError),
        (409, exc.ConflictError),
        (422, exc.UnprocessableEntityError),
        (429, exc.RateLimitError),
        (500, exc.InternalServerError),
        (503, exc.InternalServerError),
        (418, exc.APIStatusError),
    ],
)
def test_status_classes(status: int, cls: type) -> None:
    assert exc.status_error_class(status) is cls


def test_fields_and_str() -> None:
    error = exc.RateLimitError(
        "Slow down", status=429, type="requests", code="rate_limit_exceeded", param=None, request_id="req_1"
    )
    assert (error.status, error.code, error.type, error.request_id) == (
        429,
        "rate_limit_exceeded",
        "requests",
        "req_1",
    )
    assert str(error) == "Slow down (HTTP 429, code=rate_limit_exceeded, request_id=req_1)"
    assert "wait" in error.hint.lower()


def test_key_shapes_are_redacted_from_messages() -> None:
    error = exc.AuthenticationError("Incorrect API key provided: sk-proj-abcdefghijklmnop1234.", status=401)
    assert "abcdefghijklmnop" not in str(error)
    assert "abcdefghijklmnop" not in repr(error)
    assert exc.redact("token XYZSECRETVALUE here", ("XYZSECRETVALUE",)) == "token [redacted] here"
    assert "Bearer" not in exc.redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz")


def test_partial_text_on_stream_errors() -> None:
    assert exc.StreamError("cut", response=None).partial_text == ""


@pytest.mark.parametrize(
    ("endpoint", "named"),
    [
        ("/v1/chat/completions", "serves /chat/completions"),
        ("/gateway/v1/files/file_1", "serves /files"),
        ("/v1/responses", "the response id, and that the base URL ends in /v1 and serves /responses"),
        ("/v1/responses/resp_1", "the response id"),
        ("/chat/completions", "serves /responses"),  # no /v1 in it: the general hint
        (None, "serves /responses"),
    ],
)
def test_a_404_hint_names_the_api_the_request_went_to(endpoint: str | None, named: str) -> None:
    error = exc.NotFoundError("Not found", status=404)
    error.endpoint = endpoint
    assert named in error.hint


def test_a_404_with_a_known_code_keeps_its_own_hint() -> None:
    error = exc.NotFoundError("No such model", status=404, code="model_not_found")
    error.endpoint = "/v1/chat/completions"
    assert error.hint.startswith("Check the model name, and that your key or gateway offers it")


def test_error_body_message_reads_each_shape_servers_send() -> None:
    read = exc.error_body_message
    assert read({"error": {"message": "OpenAI's", "code": "x"}}) == "OpenAI's"
    assert (
        read({"error": "Ollama's"})
        == read({"message": "Ollama's"})
        == read({"msg": "Ollama's"})
        == "Ollama's"
    )
    assert read({"detail": "FastAPI's"}) == read({"detail": {"message": "FastAPI's"}}) == "FastAPI's"
    entries = [{"loc": ["body", "input", 0], "msg": "bad", "input": "echoed"}, {"loc": ["query", "x"], "msg": "no"},
               {"loc": ["body"], "msg": "whole"}, {"msg": "loose"}, "text"]  # fmt: skip
    assert read({"detail": entries}) == "input.0: bad; query.x: no; body: whole (and 2 more)"
    assert read({"errors": [{"message": "one"}]}) == "one"
    for empty in (
        {},
        {"error": {"message": ""}},
        {"detail": []},
        {"detail": [{"loc": ["body"]}]},
        None,
        3,
        " ",
    ):
        assert read(empty) is None


def test_one_line_collapses_whitespace_and_cuts() -> None:
    assert exc.one_line("a\n  b\tc ") == "a b c"
    assert exc.one_line("x" * 20, limit=10) == "x" * 9 + "…"
    assert exc.one_line("ab  " * 4, limit=10) == "ab ab ab…"  # no space before the ellipsis
