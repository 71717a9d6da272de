"""nbresponses.tools._loop against the offline backend: what each round sends, by ``call_id``, until the answer."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nbresponses import Conversation, testing
from nbresponses.store import HistoryStore
from nbresponses.tools import Tool, ToolCall, ToolLoopResult, ToolResult, run_tool_loop
from nbresponses.types.response import Response

HANG_GUARD = 10.0  # seconds a barrier or event waits before the test fails instead of hanging


def get_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
    """Current weather in a city.

    Args:
        city: the city name.
        unit: celsius or fahrenheit.
    """
    return {"city": city, "temp": 21, "unit": unit}


def _tools(*fns: Callable[..., Any], **options: Any) -> dict[str, Tool]:
    return {t.name: t for t in (Tool.from_function(fn, **options) for fn in fns)}


class Chat:
    """A client on a scripted backend, and a ``send`` that continues from the last response."""

    def __init__(self, *script: Any, tools: dict[str, Tool]) -> None:
        self.backend = testing.OfflineBackend().script(script)
        self.client = self.backend.client()
        self.tools = tools
        self.last: Response | None = None

    def ask(self, prompt: str) -> Response:
        self.last = self.client.responses.create(model="m", input=prompt, tools=self.schemas)
        return self.last

    @property
    def schemas(self) -> list[dict[str, Any]]:
        return [t.schema for t in self.tools.values()]

    def send(self, items: list[dict[str, Any]]) -> Response:
        assert self.last is not None
        self.last = self.client.responses.create(
            model="m", input=items, tools=self.schemas, previous_response_id=self.last.id
        )
        return self.last

    def loop(self, prompt: str, **options: Any) -> ToolLoopResult:
        return run_tool_loop(self.ask(prompt), tools=self.tools, send=self.send, **options)

    def sent_outputs(self, request: int) -> list[tuple[str, Any]]:
        """The ``(call_id, output)`` pairs request number ``request`` carried."""
        items = self.backend.requests[request]["input"]
        assert all(item["type"] == "function_call_output" for item in items)
        return [(item["call_id"], item["output"]) for item in items]


def test_single_call_then_the_answer() -> None:
    chat = Chat(
        testing.function_call("get_weather", {"city": "Oslo"}, call_id="call_w1"),
        testing.text("It is 21 degrees in Oslo."),
        tools=_tools(get_weather),
    )
    result = chat.loop("Weather in Oslo?")
    assert result.response.output_text == "It is 21 degrees in Oslo."
    assert (result.rounds, result.stopped) == (1, None)
    assert chat.sent_outputs(1) == [("call_w1", '{"city": "Oslo", "temp": 21, "unit": "celsius"}')]
    assert chat.backend.requests[1]["previous_response_id"] == result.responses[0].id
    assert [r.call.call_id for r in result.results] == ["call_w1"]
    assert len(chat.backend.requests) == 2 and chat.backend.pending == 0


def test_no_calls_means_no_round() -> None:
    chat = Chat(testing.text("Hello."), tools=_tools(get_weather))
    result = chat.loop("Hi")
    assert (result.rounds, result.results, result.response.output_text) == (0, [], "Hello.")
    assert len(chat.backend.requests) == 1


def test_parallel_calls_run_concurrently_and_answer_each_call_id() -> None:
    barrier = threading.Barrier(2, timeout=HANG_GUARD)

    def lookup(key: str) -> str:
        barrier.wait()  # sequential calls would break the barrier: both must run at once
        return f"value of {key}"

    chat = Chat(
        testing.reply(
            testing.function_call("lookup", {"key": "a"}, call_id="call_a"),
            testing.function_call("lookup", {"key": "b"}, call_id="call_b"),
        ),
        testing.text("Both found."),
        tools=_tools(lookup),
    )
    result = chat.loop("look up a and b", parallel=True)
    assert result.response.output_text == "Both found."
    assert chat.sent_outputs(1) == [("call_a", "value of a"), ("call_b", "value of b")]
    assert all(r.error is None for r in result.results)


def test_a_tool_that_raises_sends_the_error_and_the_loop_goes_on() -> None:
    def divide(a: float, b: float) -> float:
        return a / b

    chat = Chat(
        testing.function_call("divide", {"a": 1, "b": 0}, call_id="call_d1"),
        testing.function_call("divide", {"a": 1, "b": 4}, call_id="call_d2"),
        testing.text("1/4 is 0.25."),
        tools=_tools(divide),
    )
    result = chat.loop("divide 1 by 0, then by 4")
    assert chat.sent_outputs(1) == [
        ("call_d1", "Error: divide raised ZeroDivisionError: float division by zero")
    ]
    assert chat.sent_outputs(2) == [("call_d2", "0.25")]
    assert result.results[0].error == "divide raised ZeroDivisionError: float division by zero"
    assert result.response.output_text == "1/4 is 0.25." and result.rounds == 2


@pytest.mark.parametrize(
    ("arguments", "output"),
    [
        ("{oops", "Error: the arguments are not valid JSON"),
        ({"city": 3}, "Error: invalid arguments for get_weather: city: Input should be a valid string"),
        ({}, "Error: invalid arguments for get_weather: city: Field required"),
    ],
    ids=["invalid-json", "wrong-type", "missing"],
)
def test_invalid_arguments_go_to_the_model_which_can_try_again(arguments: Any, output: str) -> None:
    chat = Chat(
        testing.function_call("get_weather", arguments, call_id="call_bad"),
        testing.function_call("get_weather", {"city": "Lima"}, call_id="call_good"),
        testing.text("Lima is warm."),
        tools=_tools(get_weather),
    )
    result = chat.loop("Weather in Lima?")
    ((call_id, sent),) = chat.sent_outputs(1)
    assert call_id == "call_bad" and sent.startswith(output), sent
    assert chat.sent_outputs(2) == [("call_good", '{"city": "Lima", "temp": 21, "unit": "celsius"}')]
    assert result.response.output_text == "Lima is warm."


def test_an_unknown_tool_name_is_answered_with_the_available_ones() -> None:
    chat = Chat(
        testing.function_call("get_wether", {"city": "Oslo"}, call_id="call_typo"),
        testing.text("Sorry."),
        tools=_tools(get_weather),
    )
    chat.loop("Weather?")
    assert chat.sent_outputs(1) == [
        ("call_typo", "Error: there is no tool named 'get_wether'; available: get_weather.")
    ]


def test_approval_granted_and_denied_in_one_round() -> None:
    ran: list[str] = []
    asked: list[str] = []

    def delete_file(path: str) -> str:
        ran.append(path)
        return f"deleted {path}"

    def approver(call: ToolCall, described: Tool) -> bool:
        asked.append(call.call_id)
        return bool(json.loads(call.arguments)["path"] == "tmp.txt")

    chat = Chat(
        testing.reply(
            testing.function_call("delete_file", {"path": "tmp.txt"}, call_id="call_yes"),
            testing.function_call("delete_file", {"path": "thesis.tex"}, call_id="call_no"),
        ),
        testing.text("Deleted tmp.txt; you kept thesis.tex."),
        tools=_tools(delete_file, approve=True),
    )
    result = chat.loop("clean up", approver=approver)
    assert asked == ["call_yes", "call_no"] and ran == ["tmp.txt"]
    assert chat.sent_outputs(1) == [
        ("call_yes", "deleted tmp.txt"),
        ("call_no", "The user declined to run delete_file."),
    ]
    assert result.response.output_text == "Deleted tmp.txt; you kept thesis.tex."


def test_approve_all_asks_before_each_call() -> None:
    asked: list[str] = []

    def approver(call: ToolCall, described: Tool) -> bool:
        asked.append(call.name)
        return False

    chat = Chat(
        testing.function_call("get_weather", {"city": "Oslo"}, call_id="call_1"),
        testing.text("OK."),
        tools=_tools(get_weather),
    )
    chat.loop("Weather?", approver=approver, approve_all=True)
    assert asked == ["get_weather"]
    assert chat.sent_outputs(1) == [("call_1", "The user declined to run get_weather.")]


def test_round_limit_stops_with_a_message_and_pending_calls() -> None:
    def ping() -> str:
        return "pong"

    chat = Chat(
        *[testing.function_call("ping", {}, call_id=f"call_p{n}") for n in range(5)],
        tools=_tools(ping),
    )
    result = chat.loop("ping forever", max_rounds=2)
    assert result.stopped == (
        "Stopped after 2 tool rounds with calls still pending (ping). Raise --max-tool-rounds to let it go on."
    )
    assert result.rounds == 2 and len(result.responses) == 3
    assert len(chat.backend.requests) == 3  # the first request and two rounds of outputs, nothing more
    assert chat.sent_outputs(1) == [("call_p0", "pong")] and chat.sent_outputs(2) == [("call_p1", "pong")]
    assert [c.call_id for c in result.response.function_calls] == ["call_p2"]


def test_round_limit_with_close_answers_the_pending_calls_and_asks_for_an_answer() -> None:
    def ping() -> str:
        return "pong"

    chat = Chat(
        *[testing.function_call("ping", {}, call_id=f"call_p{n}") for n in range(2)],
        testing.text("I stopped pinging."),
        tools=_tools(ping),
    )
    closing: list[list[dict[str, Any]]] = []

    def close(items: list[dict[str, Any]]) -> Response:
        closing.append(items)
        return chat.send(items)

    result = run_tool_loop(
        chat.ask("ping forever"), tools=chat.tools, send=chat.send, max_rounds=1, close=close
    )
    assert result.stopped is not None and result.stopped.startswith("Stopped after 1 tool rounds")
    assert closing == [[{"type": "function_call_output", "call_id": "call_p1",
                         "output": "Not run: the limit of 1 tool rounds was reached. Answer with what you have."}]]  # fmt: skip
    assert result.response.output_text == "I stopped pinging." and not result.response.function_calls
    assert [r.call.call_id for r in result.results] == ["call_p0"]  # the pending call did not run
    assert len(result.responses) == 3


def test_round_limit_of_zero_runs_nothing() -> None:
    def ping() -> str:
        raise AssertionError("must not run")

    chat = Chat(testing.function_call("ping", {}, call_id="call_0"), tools=_tools(ping))
    result = chat.loop("ping", max_rounds=0)
    assert result.stopped is not None and result.stopped.startswith("Stopped after 0 tool rounds")
    assert result.results == [] and len(chat.backend.requests) == 1


async def convert(amount: float, rate: float = 1.1) -> float:
    """Convert money."""
    await asyncio.sleep(0)
    return round(amount * rate, 2)


def test_async_tool() -> None:
    chat = Chat(
        testing.function_call("convert", {"amount": 10, "rate": None}, call_id="call_c"),
        testing.text("11 dollars."),
        tools=_tools(convert),
    )
    result = chat.loop("convert 10")
    assert chat.sent_outputs(1) == [("call_c", "11.0")]  # null for rate: the default 1.1
    assert result.response.output_text == "11 dollars."


def test_async_tool_when_an_event_loop_already_runs_in_the_calling_thread() -> None:
    chat = Chat(
        testing.function_call("convert", {"amount": 2, "rate": 2}, call_id="call_k"),
        testing.text("4."),
        tools=_tools(convert),
    )

    async def kernel_cell() -> ToolLoopResult:
        # In a Jupyter kernel the cell runs inside the kernel's loop and the magic calls the loop synchronously.
        return chat.loop("convert 2")

    result = asyncio.run(kernel_cell())
    assert chat.sent_outputs(1) == [("call_k", "4.0")] and result.response.output_text == "4."


def test_callbacks_see_each_call_start_and_finish() -> None:
    events: list[str] = []

    def started(call: ToolCall) -> None:
        events.append(f"start {call.call_id}")

    def finished(result: ToolResult) -> None:
        events.append(f"done {result.call.call_id} {result.error is None}")

    chat = Chat(
        testing.reply(
            testing.function_call("get_weather", {"city": "Oslo"}, call_id="call_1"),
            testing.function_call("nope", {}, call_id="call_2"),
        ),
        testing.text("Done."),
        tools=_tools(get_weather),
    )
    chat.loop("go", on_call_started=started, on_call_finished=finished)
    assert events == ["start call_1", "start call_2", "done call_1 True", "done call_2 False"]


def test_no_parallel_runs_calls_in_order() -> None:
    order: list[str] = []

    def step(name: str) -> str:
        order.append(name)
        return name

    chat = Chat(
        testing.reply(*[testing.function_call("step", {"name": n}, call_id=f"call_{n}") for n in "abc"]),
        testing.text("Stepped."),
        tools=_tools(step),
    )
    chat.loop("steps", parallel=False)
    assert order == ["a", "b", "c"]
    assert chat.sent_outputs(1) == [("call_a", "a"), ("call_b", "b"), ("call_c", "c")]


def test_loop_through_a_conversation_and_the_offline_model(tmp_path: Path) -> None:
    """No script: the offline model calls the tool with schema-valid arguments and answers from its output."""
    backend = testing.OfflineBackend()
    tools = _tools(get_weather)
    chat = Conversation(backend.client(), store=HistoryStore(tmp_path / "history.sqlite"), model="m")
    params: dict[str, Any] = {"tools": [t.schema for t in tools.values()]}
    first = chat.send("What is the weather in Oslo? Use get_weather.", **params)
    assert [c.name for c in first.function_calls] == ["get_weather"]

    result = run_tool_loop(first, tools=tools, send=lambda items: chat.send(items, continues=True, **params))
    assert result.rounds == 1 and result.stopped is None and result.results[0].error is None
    (call,) = first.function_calls
    ((call_id, output),) = [(i["call_id"], i["output"]) for i in backend.requests[1]["input"]]
    assert call_id == call.call_id and json.loads(output)["temp"] == 21
    assert backend.requests[1]["previous_response_id"] == first.id
    assert "get_weather" in result.response.output_text and "returned" in result.response.output_text
