"""The rows the history returns: a turn, a thread, a usage row; and the statuses a turn goes through."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast

from ._encode import loads
from ._processes import ProcessId

__all__ = ["CONTINUABLE", "FINAL", "ThreadMode", "ThreadRecord", "TurnRecord", "TurnStatus", "UsageRow"]

TurnStatus = Literal["in_progress", "completed", "incomplete", "failed", "interrupted", "cancelled"]
"""Where a history turn stands: ``in_progress`` from before it is sent until it is closed with a final status."""
ThreadMode = Literal["server", "client"]
"""How a thread carries its context: ``previous_response_id`` (server) or its items resent (client)."""
CONTINUABLE = frozenset({"completed", "incomplete"})
"""The statuses of turns a later turn may continue from (and that move a thread's head)."""
FINAL = frozenset({"completed", "incomplete", "failed", "interrupted", "cancelled"})
"""The statuses a turn can be closed with."""


@dataclass(frozen=True)
class TurnRecord:
    """One turn. JSON columns are kept as text; the properties parse them."""

    id: int
    notebook: str
    thread: str
    generation: int
    cell_id: str | None
    parent_id: int | None
    superseded_by: int | None
    status: TurnStatus
    prompt: str | None
    model: str | None
    response_id: str | None
    previous_response_id: str | None
    input_tokens: int | None
    cached_tokens: int | None
    output_tokens: int | None
    reasoning_tokens: int | None
    total_tokens: int | None
    cost_usd: float | None
    started_at: float
    first_token_at: float | None
    finished_at: float | None
    error_type: str | None
    error_code: str | None
    error_message: str | None
    request_json: str | None = field(repr=False)
    response_json: str | None = field(repr=False)
    input_items_json: str | None = field(repr=False)
    output_items_json: str | None = field(repr=False)
    owner_host: str | None = field(default=None, repr=False)
    owner_pid: int | None = field(default=None, repr=False)
    owner_started: float | None = field(default=None, repr=False)

    @property
    def owner(self) -> ProcessId | None:
        """The process that wrote the turn (None for turns of versions that did not record it)."""
        if self.owner_host is None or self.owner_pid is None:
            return None
        return ProcessId(self.owner_host, self.owner_pid, self.owner_started)

    @property
    def continuable(self) -> bool:
        """Whether a later turn may continue from this one (completed or incomplete)."""
        return self.status in CONTINUABLE

    @property
    def request(self) -> dict[str, Any] | None:
        """The request body as sent (scrubbed); in client state, ``input`` holds this turn's items only.

        The input is stored once, as the input items: a request stored without ``input`` gets them back here.
        """
        request = cast("dict[str, Any] | None", loads(self.request_json))
        if isinstance(request, dict) and "input" not in request and self.input_items_json is not None:
            request["input"] = self.input_items
        return request

    @property
    def response(self) -> dict[str, Any] | None:
        """The final response, or the partial one of an interrupted or failed turn."""
        return cast("dict[str, Any] | None", loads(self.response_json))

    @property
    def input_items(self) -> list[Any]:
        """The input items this turn added to the conversation."""
        return cast("list[Any]", loads(self.input_items_json) or [])

    @property
    def output_items(self) -> list[Any]:
        """The output items received: the stored ones, else the response's ``output``."""
        if self.output_items_json is not None:
            return cast("list[Any]", loads(self.output_items_json))
        return list((self.response or {}).get("output") or [])


@dataclass(frozen=True)
class ThreadRecord:
    """A thread of a notebook; the counts cover all its generations."""

    notebook: str
    name: str
    mode: ThreadMode
    generation: int
    head_id: int | None
    forked_from: int | None
    created_at: float
    reset_at: float | None
    turn_count: int
    last_turn_at: float | None
    total_tokens: int
    head_response_id: str | None


@dataclass(frozen=True)
class UsageRow:
    """Usage of one finished turn (missing counts are 0), for totals per notebook, thread and model."""

    turn_id: int
    notebook: str
    thread: str
    model: str | None
    status: TurnStatus
    started_at: float
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    reasoning_tokens: int
    total_tokens: int
    cost_usd: float | None
