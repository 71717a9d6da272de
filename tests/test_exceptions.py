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
