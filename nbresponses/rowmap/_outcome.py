"""What became of one row request: answered now, answered before, failed, or not sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from nbresponses._exceptions import APIError
from nbresponses.types.response import end_status

if TYPE_CHECKING:
    from nbresponses.types.response import Response

    from ._log import StoredRow

__all__ = ["RowOutcome", "RowStatus", "error_line"]

RowStatus = Literal["completed", "incomplete", "failed", "interrupted", "not_sent", "pending"]
"""``completed``/``incomplete``: answered (``incomplete``: cut off, e.g. at max_output_tokens); ``failed``: an
error (the ``error`` column says which); ``interrupted``: in flight at Ctrl-C; ``not_sent``: the budget was
reached or the map stopped; ``pending``: waiting in a batch."""


def error_line(error: BaseException) -> str:
    """One line for the ``error`` column: the API's message with its status and code."""
    if isinstance(error, APIError):
        return str(error)
    return f"{type(error).__name__}: {error}"


@dataclass
class RowOutcome:
    """The answer (or its absence) of one row request."""

    status: RowStatus
    output_text: str | None = None
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    response_id: str | None = None
    model: str | None = None
    resumed: bool = False
    response: Response | None = None
    response_json: str | None = None
    """The stored answer of a resumed row (parsed only when a schema needs it)."""

    @classmethod
    def answered(cls, response: Response, cost_usd: float | None) -> RowOutcome:
        """A row answered now (a ``failed`` response is a failed row with the server's error)."""
        usage = response.usage
        status: RowStatus = end_status(response.status)
        error = None
        if response.status == "failed":
            status = "failed"
            detail = response.error
            error = f"The model failed: {detail.message if detail else 'no reason given'}"
            if detail is not None and detail.code:
                error += f" (code={detail.code})"
        return cls(status, output_text=response.output_text, error=error,
                   input_tokens=usage.input_tokens if usage else None,
                   output_tokens=usage.output_tokens if usage else None, cost_usd=cost_usd,
                   response_id=response.id, model=response.model, response=response)  # fmt: skip

    @classmethod
    def stored(cls, row: StoredRow) -> RowOutcome:
        """A row answered by an earlier run."""
        status: RowStatus = end_status(row.status)
        return cls(status, output_text=row.output_text, input_tokens=row.input_tokens,
                   output_tokens=row.output_tokens, cost_usd=row.cost_usd, response_id=row.response_id,
                   model=row.model, resumed=True, response_json=row.response_json)  # fmt: skip

    @property
    def has_answer(self) -> bool:
        """Answered (now or before)."""
        return self.status in ("completed", "incomplete")
