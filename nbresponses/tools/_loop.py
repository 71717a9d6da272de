"""The tool loop: run the model's function calls, send their outputs, until it answers or the rounds run out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._aio import run_coroutine
from ._registry import Tool
from ._runner import Approver, AsyncRunner, ToolCall, ToolResult, run_calls

if TYPE_CHECKING:
    from nbresponses.types.response import Response

__all__ = ["ToolLoopResult", "run_tool_loop"]


@dataclass
class ToolLoopResult:
    """The last response, every round's responses and tool results, and why the loop stopped early (if it did)."""

    response: Response
    responses: list[Response] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    stopped: str | None = None

    @property
    def rounds(self) -> int:
        """How many times tool outputs were sent back."""
        return len(self.responses) - 1


def run_tool_loop(
    first: Response,
    *,
    tools: Mapping[str, Tool],
    send: Callable[[list[dict[str, Any]]], Response],
    max_rounds: int = 10,
    approver: Approver | None = None,
    approve_all: bool = False,
    parallel: bool = True,
    on_call_started: Callable[[ToolCall], None] | None = None,
    on_call_finished: Callable[[ToolResult], None] | None = None,
    close: Callable[[list[dict[str, Any]]], Response] | None = None,
    run_async: AsyncRunner | None = None,
) -> ToolLoopResult:
    """Answer ``first``'s function calls with ``tools`` and ``send`` the outputs, round after round.

    ``send`` takes the ``function_call_output`` items and returns the next response (the magic sends them in the
    same thread with ``previous_response_id``). Stops when a response has no function calls, or after
    ``max_rounds`` rounds with a message in ``stopped``.

    A response whose calls get no output cannot be continued (the API rejects the next request), so at the
    round limit ``close``, when given, sends an output saying "not run" for each pending call and should ask
    for an answer without tools (``tool_choice="none"``); its response becomes the loop's last.

    ``run_async`` runs async tools (default: `run_coroutine`, on the loop running in this thread).
    """
    result = ToolLoopResult(response=first, responses=[first])
    response = first
    while True:
        calls = [ToolCall(c.call_id or "", c.name or "", c.arguments or "") for c in response.function_calls]
        if not calls:
            return result
        if result.rounds >= max_rounds:
            result.stopped = (
                f"Stopped after {max_rounds} tool rounds with calls still pending "
                f"({', '.join(c.name for c in calls)}). Raise --max-tool-rounds to let it go on."
            )
            if close is not None:
                not_run = (
                    f"Not run: the limit of {max_rounds} tool rounds was reached. Answer with what you have."
                )
                response = close([{"type": "function_call_output", "call_id": c.call_id, "output": not_run}
                                  for c in calls])  # fmt: skip
                result.responses.append(response)
                result.response = response
            return result
        outputs = run_calls(
            calls,
            tools,
            approver=approver,
            approve_all=approve_all,
            parallel=parallel,
            on_started=on_call_started,
            on_finished=on_call_finished,
            run_async=run_async or run_coroutine,
        )
        result.results += outputs
        response = send([r.item for r in outputs])
        result.responses.append(response)
        result.response = response
