"""Running the model's function calls: validate, ask approval, run (async and in parallel), convert results.

Nothing a tool does reaches the user as a traceback: invalid arguments, an exception, a timeout or a denial
become the output the model receives (and the card shows), and the loop goes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from ._registry import Tool

__all__ = ["Approver", "ToolCall", "ToolResult", "output_of", "run_calls"]

_T = TypeVar("_T")
_MAX_PARALLEL = 8  # calls of one round running at once; the rest wait for a slot


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
    ran: bool = True
    """False when the function was not called (denied, unknown tool, invalid arguments)."""

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


Approver = Callable[[ToolCall, Tool], bool | str]
"""Asked before a call that needs approval: True runs it; False (declined) or a text for the model does not."""


def _json(value: Any) -> str:
    # Nested models, dataclasses, enums, dates and sets become JSON; anything else its str().
    return json.dumps(to_jsonable_python(value, fallback=str), ensure_ascii=False)


def output_of(value: Any) -> str | list[dict[str, Any]]:
    """A tool's return value as ``function_call_output`` output: text, JSON, a table, or content parts.

    ``str`` is sent as it is; dicts, lists, dataclasses and pydantic models as JSON; DataFrames as a Markdown
    table; images (PIL, matplotlib, image bytes) as ``input_image`` parts; anything else as its ``repr``.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return "(no result)"
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if (dataclasses.is_dataclass(value) and not isinstance(value, type)) or isinstance(
        value, dict | list | tuple | set | frozenset | int | float | bool
    ):
        try:
            return _json(value)
        except (TypeError, ValueError):  # a cycle, keys json cannot take
            return repr(value)
    from nbresponses.inputs import value_to_parts

    parts = value_to_parts("result", value)
    if all(isinstance(p, str) for p in parts):
        return "".join(str(p) for p in parts)
    return [{"type": "input_text", "text": p} if isinstance(p, str) else p for p in parts]


def _converted(call: ToolCall, value: Any) -> tuple[str | list[dict[str, Any]], str | None]:
    """The output of ``value``, or an error text when even converting it fails (a broken ``__repr__``)."""
    try:
        return output_of(value), None
    except Exception as error:
        message = f"the result of {call.name} could not be sent ({type(error).__name__}: {error})"
        return f"Error: {message}", message


def _in_thread(function: Callable[..., _T], *args: Any) -> Future[_T]:
    """Run ``function`` on a daemon thread: nobody waits for it at exit, and giving up on it leaves it behind."""
    future: Future[_T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to whoever waits on the future
            future.set_exception(error)

    threading.Thread(target=run, name="nbresponses-tool", daemon=True).start()
    return future


def _positional_only(fn: Callable[..., Any]) -> list[str]:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.kind is p.POSITIONAL_ONLY]


def _invoke(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    positional = [kwargs.pop(name) for name in _positional_only(fn) if name in kwargs]
    value = fn(*positional, **kwargs)
    if not inspect.isawaitable(value):
        return value

    async def wait() -> Any:
        return await value

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wait())
    # A loop is running in this thread (a Jupyter kernel): run the coroutine on a loop of its own elsewhere.
    return _in_thread(asyncio.run, wait()).result()


def _run_one(
    call: ToolCall, tools: Mapping[str, Tool], *, allowed: bool | str, clock: Callable[[], float]
) -> ToolResult:
    started = clock()

    def failed(message: str, *, ran: bool = False) -> ToolResult:
        return ToolResult(call, f"Error: {message}", message, clock() - started, ran=ran)

    found = tools.get(call.name)
    if found is None:
        return failed(
            f"there is no tool named {call.name!r}; available: {', '.join(sorted(tools)) or 'none'}."
        )
    if allowed is not True:
        message = allowed or f"The user declined to run {call.name}."
        return ToolResult(call, message, message, clock() - started, ran=False)
    try:
        raw = json.loads(call.arguments or "{}")
    except ValueError as error:
        return failed(f"the arguments are not valid JSON ({error}); send a JSON object.")
    if not isinstance(raw, dict):
        return failed(
            f"the arguments must be a JSON object of {call.name}'s parameters, not {type(raw).__name__}."
        )
    model = found.arguments
    if model is None:
        kwargs = raw
    else:
        try:
            validated = model.model_validate(raw)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors()[:5]
            )
            return failed(f"invalid arguments for {call.name}: {problems}")
        kwargs = {info.alias or key: getattr(validated, key) for key, info in model.model_fields.items()}
    try:
        if found.timeout is None:
            value = _invoke(found.fn, kwargs)
        else:
            try:
                value = _in_thread(_invoke, found.fn, kwargs).result(timeout=found.timeout)
            except FutureTimeout:  # the thread is left to finish on its own; its result is dropped
                return failed(f"{call.name} did not finish within {found.timeout:g} s.", ran=True)
    except (Exception, SystemExit) as error:  # the tool's failure goes to the model, not to the user
        return failed(f"{call.name} raised {type(error).__name__}: {error}", ran=True)
    output, error_text = _converted(call, value)
    return ToolResult(call, output, error_text, clock() - started)


def _decide(
    call: ToolCall, found: Tool | None, approver: Approver | None, *, approve_all: bool
) -> bool | str:
    """True to run the call, or the text the model gets instead."""
    if found is None or not (approve_all or found.approve):
        return True
    if approver is None:
        return f"{call.name} needs the user's approval, and there was no way to ask; it was not run."
    try:
        answer = approver(call, found)
    except Exception as error:  # e.g. no stdin in a headless run: not run, and the model is told why
        return f"Approval for {call.name} could not be asked ({type(error).__name__}); it was not run."
    if answer is True:
        return True
    return answer if isinstance(answer, str) and answer else f"The user declined to run {call.name}."


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
    """Run the calls (concurrently when ``parallel``); results in call order.

    Approval is asked first, one call after the other; then the approved calls run. ``on_started`` (for the
    calls that will run) and ``on_finished`` (for every call) are called on the calling thread,
    ``on_finished`` as each result (in call order) is ready.
    """
    decisions = [_decide(c, tools.get(c.name), approver, approve_all=approve_all) for c in calls]
    for call, allowed in zip(calls, decisions, strict=True):
        if on_started is not None and allowed is True:
            on_started(call)
    results: list[ToolResult] = []
    if parallel and len(calls) > 1:
        slots = threading.BoundedSemaphore(_MAX_PARALLEL)

        def limited(call: ToolCall, allowed: bool | str) -> ToolResult:
            with slots:
                return _run_one(call, tools, allowed=allowed, clock=clock)

        futures = [_in_thread(limited, c, ok) for c, ok in zip(calls, decisions, strict=True)]
        for future in futures:  # a Ctrl-C here returns at once; the threads are daemons
            results.append(future.result())
            if on_finished is not None:
                on_finished(results[-1])
        return results
    for call, allowed in zip(calls, decisions, strict=True):
        results.append(_run_one(call, tools, allowed=allowed, clock=clock))
        if on_finished is not None:
            on_finished(results[-1])
    return results
