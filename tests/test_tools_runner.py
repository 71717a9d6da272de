"""nbresponses.tools._runner: validating, approving and running calls; converting results to outputs."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import io
import json
import threading
from typing import Any, Literal, TypedDict

import pytest
from pydantic import BaseModel

from nbresponses.tools import Tool, ToolCall, ToolResult, output_of, run_calls

HANG_GUARD = 10.0  # seconds a test waits for something that must happen at once before it fails instead


class Unit(enum.Enum):
    C = "celsius"
    F = "fahrenheit"


@dataclasses.dataclass
class Box:
    width: int
    label: str = "box"


class Span(TypedDict):
    start: int
    end: int


class Person(BaseModel):
    name: str
    age: int = 0


def _tools(*fns: Any, **options: Any) -> dict[str, Tool]:
    described = [Tool.from_function(fn, **options) for fn in fns]
    return {t.name: t for t in described}


def _call(name: str, arguments: Any = None, call_id: str = "call_1") -> ToolCall:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    return ToolCall(call_id, name, text)


def _run_one(fn: Any, arguments: Any = None, **options: Any) -> ToolResult:
    (result,) = run_calls([_call(getattr(fn, "__name__", "tool"), arguments)], _tools(fn, **options))
    return result


# --- output_of ---------------------------------------------------------------------------------------------


class Tag(enum.Enum):
    A = "a"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain text", "plain text"),
        ("", ""),
        (None, "(no result)"),
        ({"a": 1, "b": [1, 2]}, '{"a": 1, "b": [1, 2]}'),
        ([1, "é"], '[1, "é"]'),
        ((1, 2), "[1, 2]"),
        (3, "3"),
        (2.5, "2.5"),
        (True, "true"),
        (Box(2), '{"width": 2, "label": "box"}'),
        (Person(name="Ada", age=36), '{"name":"Ada","age":36}'),
        (
            {"who": Person(name="Ada"), "tag": Tag.A, "day": datetime.date(2024, 5, 1), "ids": {7}},
            '{"who": {"name": "Ada", "age": 0}, "tag": "a", "day": "2024-05-01", "ids": [7]}',
        ),
        ({"when": object}, json.dumps({"when": str(object)})),
    ],
    ids=[
        "str",
        "empty-str",
        "none",
        "dict",
        "list",
        "tuple",
        "int",
        "float",
        "bool",
        "dataclass",
        "model",
        "nested-json",
        "unencodable-member",
    ],  # fmt: skip
)
def test_output_of_text_and_json(value: Any, expected: str) -> None:
    assert output_of(value) == expected


def test_output_of_an_object_json_cannot_encode_is_its_repr() -> None:
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    assert output_of(cyclic) == "[[...]]"

    class Thing:
        def __repr__(self) -> str:
            return "Thing(7)"

    assert output_of(Thing()) == "Thing(7)"


def test_output_of_a_dataframe_is_a_markdown_table() -> None:
    pandas = pytest.importorskip("pandas")
    text = output_of(pandas.DataFrame({"city": ["Oslo", "Lima"], "temp": [3, 19]}))
    assert isinstance(text, str)
    assert "shape 2 × 2" in text
    assert "|  | city | temp |\n|---|---|---|" in text  # the index column, then the columns
    assert "| 0 | Oslo | 3 |" in text and "| 1 | Lima | 19 |" in text


def test_output_of_images_are_image_parts() -> None:
    image_module = pytest.importorskip("PIL.Image")
    image = image_module.new("RGB", (3, 2), "red")
    parts = output_of(image)
    assert isinstance(parts, list) and len(parts) == 1
    (part,) = parts
    assert part["type"] == "input_image"
    assert part["image_url"].startswith("data:image/png;base64,")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    from_bytes = output_of(buffer.getvalue())
    assert isinstance(from_bytes, list) and [p["type"] for p in from_bytes] == ["input_image"]
    assert from_bytes[0]["image_url"].startswith("data:image/png;base64,")


def test_output_of_non_image_bytes_is_text() -> None:
    assert output_of(b"abc") == "b'abc'"


def test_result_preview_and_item() -> None:
    call = _call("f", {}, call_id="call_9")
    text = ToolResult(call, "done", None, 0.0)
    assert text.item == {"type": "function_call_output", "call_id": "call_9", "output": "done"}
    parts = ToolResult(call, [{"type": "input_text", "text": "see"}, {"type": "input_image", "image_url": "u"}],
                       None, 0.0)  # fmt: skip
    assert parts.preview == "see [input_image]"


# --- validation --------------------------------------------------------------------------------------------


def test_validated_arguments_reach_the_function_as_python_types() -> None:
    seen: dict[str, Any] = {}

    def record(
        unit: Unit, box: Box, span: Span, person: Person, days: int = 3, mode: Literal["a", "b"] = "a"
    ) -> str:
        seen.update(unit=unit, box=box, span=span, person=person, days=days, mode=mode)
        return "ok"

    arguments = {"unit": "fahrenheit", "box": {"width": "4"}, "span": {"start": 1, "end": 2},
                 "person": {"name": "Ada"}, "days": None, "mode": "b"}  # fmt: skip
    result = _run_one(record, arguments)
    assert (result.output, result.error) == ("ok", None)
    assert seen["unit"] is Unit.F
    assert isinstance(seen["box"], Box) and seen["box"] == Box(width=4)
    assert seen["span"] == {"start": 1, "end": 2}
    assert isinstance(seen["person"], Person) and seen["person"].age == 0
    assert seen["days"] == 3  # null in strict mode: the Python default
    assert seen["mode"] == "b"


def test_omitted_optional_arguments_get_their_defaults() -> None:
    def greet(name: str, punctuation: str = "!") -> str:
        return name + punctuation

    assert _run_one(greet, {"name": "Ada"}).output == "Ada!"
    assert _run_one(greet, {"name": "Ada", "punctuation": None}).output == "Ada!"
    assert _run_one(greet, {"name": "Ada", "punctuation": "?"}).output == "Ada?"


def test_reserved_and_positional_only_parameter_names_are_passed_by_their_own_names() -> None:
    def clash(model_name: str, json: str, /, copy: bool = False) -> str:
        return f"{model_name}|{json}|{copy}"

    assert _run_one(clash, {"model_name": "m", "json": "{}", "copy": True}).output == "m|{}|True"


def test_errors_about_reserved_names_use_the_parameter_names() -> None:
    def f(json: int, model_name: str = "x") -> int:
        return json

    result = _run_one(f, {"json": "no", "model_name": 3})
    assert result.error == (
        "invalid arguments for f: json: Input should be a valid integer, unable to parse string as an integer; "
        "model_name: Input should be a valid string"
    )


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ("{not json", "the arguments are not valid JSON"),
        ('["a list"]', "the arguments must be a JSON object of pick's parameters, not list."),
        ({}, "invalid arguments for pick: n: Field required"),
        ({"n": "many"}, "invalid arguments for pick: n: Input should be a valid integer"),
        ({"n": 1, "extra": True}, "invalid arguments for pick: extra: Extra inputs are not permitted"),
    ],
    ids=["bad-json", "not-an-object", "missing", "wrong-type", "extra-key"],
)
def test_invalid_arguments_go_back_as_the_output(arguments: Any, error: str) -> None:
    ran: list[int] = []

    def pick(n: int) -> int:
        ran.append(n)
        return n

    result = _run_one(pick, arguments)
    assert result.error is not None and result.error.startswith(error), result.error
    assert result.output == f"Error: {result.error}"
    assert ran == []  # the function never ran


def test_empty_arguments_mean_an_empty_object() -> None:
    def now() -> str:
        return "noon"

    (result,) = run_calls([ToolCall("c", "now", "")], _tools(now))
    assert result.output == "noon"


def test_unknown_tool_lists_the_available_ones() -> None:
    def known() -> None: ...

    (result,) = run_calls([_call("unknown")], _tools(known))
    assert result.output == "Error: there is no tool named 'unknown'; available: known."
    (alone,) = run_calls([_call("unknown")], {})
    assert alone.error == "there is no tool named 'unknown'; available: none."


# --- failures ----------------------------------------------------------------------------------------------


def test_an_exception_becomes_a_short_error_text() -> None:
    def explode(x: int) -> int:
        raise ValueError(f"bad x {x}")

    result = _run_one(explode, {"x": 2})
    assert result.error == "explode raised ValueError: bad x 2"
    assert result.output == "Error: explode raised ValueError: bad x 2"


def test_sys_exit_in_a_tool_is_a_tool_failure() -> None:
    def leave() -> None:
        raise SystemExit(3)

    assert _run_one(leave).error == "leave raised SystemExit: 3"


def test_a_result_that_cannot_be_converted_is_reported_not_raised() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    def make() -> Broken:
        return Broken()

    result = _run_one(make)
    assert result.error is not None and result.error.startswith("the result of make could not be sent (")
    assert "RuntimeError: no repr" in result.error


def test_timeout_returns_without_waiting_for_the_stuck_tool() -> None:
    release, finished = threading.Event(), threading.Event()

    def stuck() -> str:
        # Only released after run_calls returned: a runner that waited for it would never return.
        release.wait(HANG_GUARD)
        finished.set()
        return "late"

    result = _run_one(stuck, timeout=0.05)
    assert result.error == "stuck did not finish within 0.05 s."
    assert not finished.is_set()  # it was still running when the result came back
    release.set()
    assert finished.wait(HANG_GUARD)  # and it is left to finish on its own


def test_a_tool_that_finishes_within_its_timeout_gives_its_result() -> None:
    def quick(x: int) -> int:
        return x + 1

    assert _run_one(quick, {"x": 1}, timeout=HANG_GUARD).output == "2"


# --- async -------------------------------------------------------------------------------------------------


async def add_later(a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


def test_async_tool_runs_to_its_result() -> None:
    assert _run_one(add_later, {"a": 2, "b": 3}).output == "5"


def test_async_tool_with_a_timeout() -> None:
    assert _run_one(add_later, {"a": 2, "b": 3}, timeout=HANG_GUARD).output == "5"


def test_async_tool_while_an_event_loop_runs_in_this_thread() -> None:
    async def kernel_cell() -> list[ToolResult]:
        # As in a Jupyter kernel: a loop is running and the magic calls the runner synchronously.
        return run_calls([_call("add_later", {"a": 1, "b": 1})], _tools(add_later))

    (result,) = asyncio.run(kernel_cell())
    assert (result.output, result.error) == ("2", None)


def test_async_tool_that_raises() -> None:
    async def fail() -> None:
        await asyncio.sleep(0)
        raise KeyError("k")

    assert _run_one(fail).error == "fail raised KeyError: 'k'"


def test_async_tool_awaits_objects_of_the_loop_the_cell_runs_in() -> None:
    async def kernel_cell() -> ToolResult:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()  # made "in an earlier cell", bound to this loop
        loop.call_later(0.01, ready.set_result, 7)

        async def wait_for_it(key: str) -> str:
            return f"{key}={await ready} same loop: {asyncio.get_running_loop() is loop}"

        (result,) = run_calls([_call("wait_for_it", {"key": "k"})], _tools(wait_for_it))
        return result

    result = asyncio.run(kernel_cell())
    assert (result.output, result.error) == ("k=7 same loop: True", None)


def test_async_tool_timeout_cancels_it() -> None:
    cleaned: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned.append("finally ran")

    result = _run_one(forever, timeout=0.05)
    assert result.error == "forever did not finish within 0.05 s." and result.ran
    assert cleaned == ["finally ran"]  # cancelled, not left running on a thread


def test_a_tool_raising_timeout_error_is_not_reported_as_its_timeout() -> None:
    async def gives_up() -> None:
        raise TimeoutError("upstream")

    assert _run_one(gives_up, timeout=HANG_GUARD).error == "gives_up raised TimeoutError: upstream"


def test_parallel_async_tools_run_together_on_the_loop() -> None:
    async def kernel_cell() -> list[ToolResult]:
        first, second = asyncio.Event(), asyncio.Event()

        async def ping() -> str:  # finishes only if pong runs at the same time
            first.set()
            await asyncio.wait_for(second.wait(), HANG_GUARD)
            return "ping done"

        async def pong() -> str:
            await asyncio.wait_for(first.wait(), HANG_GUARD)
            second.set()
            return "pong done"

        def plain() -> str:
            return f"plain on {threading.current_thread().name}"

        calls = [_call("ping", call_id="c1"), _call("plain", call_id="c2"), _call("pong", call_id="c3")]
        return run_calls(calls, _tools(ping, plain, pong))

    results = asyncio.run(kernel_cell())
    assert [r.output for r in results] == ["ping done", "plain on nbresponses-tool", "pong done"]


def test_a_plain_function_returning_a_coroutine_runs_it() -> None:
    def later(a: int) -> Any:
        return add_later(a, 1)

    assert _run_one(later, {"a": 1}).output == "2"


def test_the_coroutine_runner_can_be_given() -> None:
    seen: list[str] = []

    def runner(awaitable: Any) -> Any:
        seen.append(type(awaitable).__name__)
        return asyncio.run(awaitable)

    (result,) = run_calls([_call("add_later", {"a": 1, "b": 2})], _tools(add_later), run_async=runner)
    assert result.output == "3" and seen == ["coroutine"]


# --- approval ----------------------------------------------------------------------------------------------


def test_approval_granted_runs_and_denied_does_not() -> None:
    ran: list[str] = []
    asked: list[tuple[str, str]] = []

    def delete(path: str) -> str:
        ran.append(path)
        return f"deleted {path}"

    def approver(call: ToolCall, described: Tool) -> bool:
        asked.append((call.call_id, described.name))
        return bool(json.loads(call.arguments)["path"] == "a.txt")

    tools = _tools(delete, approve=True)
    calls = [_call("delete", {"path": "a.txt"}, "c1"), _call("delete", {"path": "b.txt"}, "c2")]
    granted, denied = run_calls(calls, tools, approver=approver)
    assert asked == [("c1", "delete"), ("c2", "delete")]
    assert (granted.output, granted.error) == ("deleted a.txt", None)
    assert denied.output == denied.error == "The user declined to run delete."
    assert ran == ["a.txt"] and (granted.ran, denied.ran) == (True, False)


def test_an_approver_can_say_why_a_call_is_not_run() -> None:
    def delete(path: str) -> str:
        raise AssertionError("must not run")

    def approver(call: ToolCall, described: Tool) -> str:
        return "Not run: nobody was there to approve it."

    (result,) = run_calls(
        [_call("delete", {"path": "a"}, "c1")], _tools(delete, approve=True), approver=approver
    )
    assert result.output == result.error == "Not run: nobody was there to approve it." and not result.ran


def test_approve_all_asks_for_every_tool() -> None:
    asked: list[str] = []

    def harmless() -> str:
        return "ran"

    def approver(call: ToolCall, described: Tool) -> bool:
        asked.append(call.name)
        return False

    (quiet,) = run_calls([_call("harmless")], _tools(harmless), approver=approver)
    assert quiet.output == "ran" and asked == []
    (result,) = run_calls([_call("harmless")], _tools(harmless), approver=approver, approve_all=True)
    assert result.output == "The user declined to run harmless." and asked == ["harmless"]


def test_approval_needed_without_an_approver_does_not_run() -> None:
    def guarded() -> str:
        raise AssertionError("must not run")

    result = _run_one(guarded, approve=True)
    assert result.error == "guarded needs the user's approval, and there was no way to ask; it was not run."


def test_an_approver_that_fails_counts_as_a_denial() -> None:
    def guarded() -> str:
        raise AssertionError("must not run")

    def approver(call: ToolCall, described: Tool) -> bool:
        raise OSError("no stdin")

    (result,) = run_calls([_call("guarded")], _tools(guarded, approve=True), approver=approver)
    assert result.error == "Approval for guarded could not be asked (OSError); it was not run."


def test_approval_is_asked_for_every_call_before_any_runs() -> None:
    events: list[str] = []

    def step(n: int) -> int:
        events.append(f"run {n}")
        return n

    def approver(call: ToolCall, described: Tool) -> bool:
        events.append(f"ask {json.loads(call.arguments)['n']}")
        return True

    calls = [_call("step", {"n": 1}, "a"), _call("step", {"n": 2}, "b")]
    run_calls(calls, _tools(step, approve=True), approver=approver, parallel=False)
    assert events == ["ask 1", "ask 2", "run 1", "run 2"]


# --- parallel and sequential -------------------------------------------------------------------------------


def test_parallel_calls_run_concurrently() -> None:
    barrier = threading.Barrier(2, timeout=HANG_GUARD)

    def meet(who: str) -> str:
        barrier.wait()  # both calls must be running at once, or this breaks after HANG_GUARD
        return who

    calls = [_call("meet", {"who": "a"}, "c1"), _call("meet", {"who": "b"}, "c2")]
    results = run_calls(calls, _tools(meet))
    assert [(r.call.call_id, r.output, r.error) for r in results] == [("c1", "a", None), ("c2", "b", None)]


def test_calls_run_one_after_the_other_when_not_parallel() -> None:
    lock = threading.Lock()
    active, most = [0], [0]

    def count(n: int) -> int:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        with lock:
            active[0] -= 1
        return n

    calls = [_call("count", {"n": n}, f"c{n}") for n in range(4)]
    results = run_calls(calls, _tools(count), parallel=False)
    assert [r.output for r in results] == ["0", "1", "2", "3"] and most == [1]


def test_results_keep_call_order_when_later_calls_finish_first() -> None:
    first_may_finish = threading.Event()

    def slow_first(n: int) -> int:
        if n == 0:
            first_may_finish.wait(HANG_GUARD)
        else:
            first_may_finish.set()
        return n

    calls = [_call("slow_first", {"n": 0}, "c0"), _call("slow_first", {"n": 1}, "c1")]
    results = run_calls(calls, _tools(slow_first))
    assert [r.call.call_id for r in results] == ["c0", "c1"]
    assert [r.output for r in results] == ["0", "1"]


def test_callbacks_run_on_the_calling_thread_in_call_order() -> None:
    events: list[tuple[str, str, bool]] = []
    here = threading.get_ident()

    def echo(x: int) -> int:
        return x

    def started(call: ToolCall) -> None:
        events.append(("started", call.call_id, threading.get_ident() == here))

    def finished(result: ToolResult) -> None:
        events.append(("finished", result.call.call_id, threading.get_ident() == here))

    for parallel in (True, False):
        events.clear()
        calls = [_call("echo", {"x": 1}, "a"), _call("echo", {"x": 2}, "b")]
        run_calls(calls, _tools(echo), parallel=parallel, on_started=started, on_finished=finished)
        assert events == [("started", "a", True), ("started", "b", True), ("finished", "a", True),
                          ("finished", "b", True)]  # fmt: skip


def test_seconds_come_from_the_clock() -> None:
    ticks = iter([10.0, 12.5])

    def noop() -> None: ...

    (result,) = run_calls([_call("noop")], _tools(noop), clock=lambda: next(ticks))
    assert result.seconds == 2.5 and result.output == "(no result)"
