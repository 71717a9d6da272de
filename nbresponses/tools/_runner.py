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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from ._aio import run_coroutine
from ._registry import Tool

__all__ = ["Approver", "AsyncRunner", "ToolCall", "ToolResult", "output_of", "run_calls"]

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


AsyncRunner = Callable[[Awaitable[Any]], Any]
"""Runs a tool's coroutine to completion from the (synchronous) tool loop; see `run_coroutine`."""


def _invoke(fn: Callable[..., Any], kwargs: dict[str, Any], run_async: AsyncRunner = run_coroutine) -> Any:
    positional = [kwargs.pop(name) for name in _positional_only(fn) if name in kwargs]
    value = fn(*positional, **kwargs)
    # A plain function may still hand back an awaitable (a partial of an async function, a factory).
    return run_async(value) if inspect.isawaitable(value) else value


def _failed(
    call: ToolCall, message: str, started: float, clock: Callable[[], float], *, ran: bool = False
) -> ToolResult:
    return ToolResult(call, f"Error: {message}", message, clock() - started, ran=ran)


def _prepare(
    call: ToolCall,
    tools: Mapping[str, Tool],
    *,
    allowed: bool | str,
    started: float,
    clock: Callable[[], float],
) -> tuple[Tool, dict[str, Any]] | ToolResult:
    """The tool and its validated arguments, or the result that says why the call does not run."""
    found = tools.get(call.name)
    if found is None:
        available = ", ".join(sorted(tools)) or "none"
        return _failed(call, f"there is no tool named {call.name!r}; available: {available}.", started, clock)
    if allowed is not True:
        message = allowed or f"The user declined to run {call.name}."
        return ToolResult(call, message, message, clock() - started, ran=False)
    try:
        raw = json.loads(call.arguments or "{}")
    except ValueError as error:
        return _failed(
            call, f"the arguments are not valid JSON ({error}); send a JSON object.", started, clock
        )
    if not isinstance(raw, dict):
        message = (
            f"the arguments must be a JSON object of {call.name}'s parameters, not {type(raw).__name__}."
        )
        return _failed(call, message, started, clock)
    model = found.arguments
    if model is None:
        return found, raw
    try:
        validated = model.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors()[:5]
        )
        return _failed(call, f"invalid arguments for {call.name}: {problems}", started, clock)
    return found, {info.alias or key: getattr(validated, key) for key, info in model.model_fields.items()}


def _run_one(
    call: ToolCall,
    tools: Mapping[str, Tool],
    *,
    allowed: bool | str,
    clock: Callable[[], float],
    run_async: AsyncRunner = run_coroutine,
) -> ToolResult:
    started = clock()
    prepared = _prepare(call, tools, allowed=allowed, started=started, clock=clock)
    if isinstance(prepared, ToolResult):
        return prepared
    found, kwargs = prepared
    if found.is_async:
        result: ToolResult = run_async(_await_one(call, found, kwargs, started=started, clock=clock))
        return result
    try:
        if found.timeout is None:
            value = _invoke(found.fn, kwargs, run_async)
        else:
            try:
                value = _in_thread(_invoke, found.fn, kwargs).result(timeout=found.timeout)
            except FutureTimeout:  # the thread is left to finish on its own; its result is dropped
                message = f"{call.name} did not finish within {found.timeout:g} s."
                return _failed(call, message, started, clock, ran=True)
    except (Exception, SystemExit) as error:  # the tool's failure goes to the model, not to the user
        return _failed(call, f"{call.name} raised {type(error).__name__}: {error}", started, clock, ran=True)
    output, error_text = _converted(call, value)
    return ToolResult(call, output, error_text, clock() - started)


async def _await_one(
    call: ToolCall, found: Tool, kwargs: dict[str, Any], *, started: float, clock: Callable[[], float]
) -> ToolResult:
    """Run an async tool on the current loop (a timeout cancels it, unlike a thread, which cannot be stopped)."""
    deadline = asyncio.timeout(found.timeout)
    try:
        async with deadline:
            positional = [kwargs.pop(name) for name in _positional_only(found.fn) if name in kwargs]
            value = await found.fn(*positional, **kwargs)
    except TimeoutError as error:
        if deadline.expired():
            message = f"{call.name} did not finish within {found.timeout:g} s."
            return _failed(call, message, started, clock, ran=True)
        return _failed(call, f"{call.name} raised TimeoutError: {error}", started, clock, ran=True)
    except (Exception, SystemExit) as error:
        return _failed(call, f"{call.name} raised {type(error).__name__}: {error}", started, clock, ran=True)
    output, error_text = _converted(call, value)
    return ToolResult(call, output, error_text, clock() - started)


async def _prepared_and_awaited(
    call: ToolCall, tools: Mapping[str, Tool], *, allowed: bool | str, clock: Callable[[], float]
) -> ToolResult:
    started = clock()
    prepared = _prepare(call, tools, allowed=allowed, started=started, clock=clock)
    if isinstance(prepared, ToolResult):
        return prepared
    found, kwargs = prepared
    return await _await_one(call, found, kwargs, started=started, clock=clock)


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
    run_async: AsyncRunner = run_coroutine,
) -> list[ToolResult]:
    """Run the calls (concurrently when ``parallel``); results in call order.

    Approval is asked first, one call after the other; then the approved calls run. ``on_started`` (for the
    calls that will run) and ``on_finished`` (for every call) are called on the calling thread,
    ``on_finished`` as each result (in call order) is ready.

    Async tools run on the calling thread through ``run_async`` (by default `run_coroutine`: on the event loop
    running in this thread, such as a Jupyter kernel's, so they can await the notebook's own asyncio objects);
    in parallel they run together, while the plain functions run on threads.
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

        def on_loop(call: ToolCall, allowed: bool | str) -> bool:
            found = tools.get(call.name)
            return allowed is True and found is not None and found.is_async

        pending = [(c, ok, on_loop(c, ok)) for c, ok in zip(calls, decisions, strict=True)]
        futures = {
            i: _in_thread(limited, c, ok) for i, (c, ok, is_async) in enumerate(pending) if not is_async
        }
        awaited: dict[int, ToolResult] = {}
        together = [i for i, (_, _, is_async) in enumerate(pending) if is_async]
        if together:

            async def gather() -> list[ToolResult]:
                limit = asyncio.Semaphore(_MAX_PARALLEL)

                async def one(index: int) -> ToolResult:
                    async with limit:
                        call, allowed, _ = pending[index]
                        return await _prepared_and_awaited(call, tools, allowed=allowed, clock=clock)

                return list(await asyncio.gather(*(one(i) for i in together)))

            awaited = dict(zip(together, run_async(gather()), strict=True))
        for index in range(len(pending)):  # a Ctrl-C here returns at once; the threads are daemons
            results.append(awaited[index] if index in awaited else futures[index].result())
            if on_finished is not None:
                on_finished(results[-1])
        return results
    for call, allowed in zip(calls, decisions, strict=True):
        results.append(_run_one(call, tools, allowed=allowed, clock=clock, run_async=run_async))
        if on_finished is not None:
            on_finished(results[-1])
    return results
