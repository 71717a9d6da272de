"""Running the model's function calls: validate, ask approval, run (async and in parallel), convert results.

Nothing a tool does reaches the user as a traceback: invalid arguments, an exception, a timeout or a denial
become the output the model receives (and the card shows), and the loop goes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ._registry import Tool

__all__ = ["Approver", "ToolCall", "ToolResult", "output_of", "run_calls"]


@dataclass(frozen=True)
class ToolCall:
    """One function call the model made."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ToolResult:
    """What a call gave: the output sent back to the model, a preview, the error if any, and the time taken."""

    call: ToolCall
    output: str | list[dict[str, Any]]
    error: str | None
    seconds: float

    @property
    def item(self) -> dict[str, Any]:
        """The ``function_call_output`` input item."""
        return {"type": "function_call_output", "call_id": self.call.call_id, "output": self.output}

    @property
    def preview(self) -> str:
        """A short text of the output, for cards."""
        if isinstance(self.output, str):
            return self.output
        return " ".join(p.get("text", f"[{p.get('type')}]") for p in self.output)


Approver = Callable[[ToolCall, Tool], bool]
"""Asked before a call that needs approval; returns whether to run it."""


def output_of(value: Any) -> str | list[dict[str, Any]]:
    """A tool's return value as ``function_call_output`` output: text, JSON, a table, or content parts."""
    if isinstance(value, str):
        return value
    if value is None:
        return "(no result)"
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json.dumps(dataclasses.asdict(value), default=str, ensure_ascii=False)
    if isinstance(value, dict | list | tuple | int | float | bool):
        try:
            return json.dumps(value, default=str, ensure_ascii=False)
        except (TypeError, ValueError):
            return repr(value)
    from nbresponses.inputs import value_to_parts

    parts = value_to_parts("result", value)
    if all(isinstance(p, str) for p in parts):
        return "".join(str(p) for p in parts)
    return [{"type": "input_text", "text": p} if isinstance(p, str) else p for p in parts]


def _invoke(tool: Tool, kwargs: dict[str, Any]) -> Any:
    if not tool.is_async:
        return tool.fn(**kwargs)
    coroutine = tool.fn(**kwargs)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # A loop is running in this thread (a Jupyter kernel): run the coroutine on a loop of its own elsewhere.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _run_one(
    call: ToolCall, tools: Mapping[str, Tool], *, allowed: bool, clock: Callable[[], float]
) -> ToolResult:
    started = clock()

    def failed(message: str) -> ToolResult:
        return ToolResult(call, f"Error: {message}", message, clock() - started)

    found = tools.get(call.name)
    if found is None:
        return failed(
            f"there is no tool named {call.name!r}; available: {', '.join(sorted(tools)) or 'none'}."
        )
    if not allowed:
        message = f"The user declined to run {call.name}."
        return ToolResult(call, message, message, clock() - started)
    try:
        raw = json.loads(call.arguments or "{}")
    except ValueError as error:
        return failed(f"the arguments are not valid JSON ({error}); send a JSON object.")
    try:
        model = found.arguments
        validated = model.model_validate(raw) if model is not None else None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors()[:5]
        )
        return failed(f"invalid arguments for {call.name}: {problems}")
    kwargs = {name: getattr(validated, name) for name in type(validated).model_fields} if validated else raw
    try:
        if found.timeout is None:
            value = _invoke(found, kwargs)
        else:
            with ThreadPoolExecutor(max_workers=1) as pool:
                future: Future[Any] = pool.submit(_invoke, found, kwargs)
                try:
                    value = future.result(timeout=found.timeout)
                except FutureTimeout:
                    return failed(f"{call.name} did not finish within {found.timeout:g} s.")
    except Exception as error:  # the tool's own failure goes to the model, not to the user as a traceback
        return failed(f"{call.name} raised {type(error).__name__}: {error}")
    return ToolResult(call, output_of(value), None, clock() - started)


def run_calls(
    calls: Sequence[ToolCall],
    tools: Mapping[str, Tool],
    *,
    approver: Approver | None = None,
    approve_all: bool = False,
    parallel: bool = True,
    on_started: Callable[[ToolCall], None] | None = None,
    on_finished: Callable[[ToolResult], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[ToolResult]:
    """Run the calls (concurrently when ``parallel`` and none needs approval); results in call order."""
    decisions: list[bool] = []
    for call in calls:
        found = tools.get(call.name)
        needs = found is not None and (approve_all or found.approve)
        decisions.append(not needs or (approver is not None and approver(call, found)))  # type: ignore[arg-type]
    for call in calls:
        if on_started is not None:
            on_started(call)
    if parallel and len(calls) > 1:
        with ThreadPoolExecutor(max_workers=min(len(calls), 8)) as pool:
            futures = [
                pool.submit(_run_one, c, tools, allowed=ok, clock=clock)
                for c, ok in zip(calls, decisions, strict=True)
            ]
            results = [f.result() for f in futures]
    else:
        results = [
            _run_one(c, tools, allowed=ok, clock=clock) for c, ok in zip(calls, decisions, strict=True)
        ]
    for result in results:
        if on_finished is not None:
            on_finished(result)
    return results
