"""What became of one row request."""

from __future__ import annotations

from nbresponses import RateLimitError
from nbresponses.rowmap import RowOutcome
from nbresponses.rowmap._log import StoredRow
from nbresponses.rowmap._outcome import error_line
from nbresponses.types.response import Response


def test_a_response_becomes_an_outcome_with_its_figures() -> None:
    response = Response.model_validate({"id": "resp_1", "status": "incomplete", "model": "m", "output": [],
                                        "usage": {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}})  # fmt: skip
    outcome = RowOutcome.answered(response, 0.25)
    assert (outcome.status, outcome.input_tokens, outcome.output_tokens, outcome.cost_usd) == (
        "incomplete",
        3,
        4,
        0.25,
    )
    assert outcome.has_answer and not outcome.resumed


def test_a_failed_response_is_a_failed_row_with_the_servers_reason() -> None:
    response = Response.model_validate({"id": "r", "status": "failed", "error": {"code": "server_error",
                                                                              "message": "Boom."}})  # fmt: skip
    outcome = RowOutcome.answered(response, None)
    assert outcome.status == "failed" and outcome.error == "The model failed: Boom. (code=server_error)"
    assert not outcome.has_answer


def test_a_stored_row_is_resumed() -> None:
    stored = StoredRow("k", "completed", "m", "resp_1", "text", 1, 2, 0.1, None, "{}")
    outcome = RowOutcome.stored(stored)
    assert outcome.resumed and outcome.output_text == "text" and outcome.response_json == "{}"


def test_error_lines_carry_status_and_code() -> None:
    error = RateLimitError("Slow down.", status=429, code="rate_limit_exceeded")
    assert error_line(error) == "Slow down. (HTTP 429, code=rate_limit_exceeded)"
    assert error_line(ValueError("x")) == "ValueError: x"
