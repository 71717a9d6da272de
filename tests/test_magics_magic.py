"""%%respond in a real InteractiveShell against the offline backend: views, results, errors, options."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

import nbresponses
from nbresponses import testing
from nbresponses.render._widgets import WidgetView
from tests.magic_shell import Shell


def test_cell_streams_an_answer_and_binds_the_result(ipython: Shell) -> None:
    result, captured = ipython.run("%%respond --out ans\nWhat is a kernel?")
    assert result.success and result.result is None  # nothing printed twice: no Out[] value
    response = ipython.ns["ans"]
    assert isinstance(response, nbresponses.Response) and ipython.ns["_r"] is response
    assert "What is a kernel?" in response.output_text
    assert nbresponses.last() is response
    markdown = ipython.markdown(captured)
    assert "What is a kernel?" in markdown and "input" in markdown and "output" in markdown


def test_offline_backend_is_announced_once(ipython: Shell) -> None:
    _, first = ipython.run("%%respond\nhello")
    _, second = ipython.run("%%respond\nagain")
    assert "offline backend" in ipython.markdown(first)
    assert "offline backend" not in ipython.markdown(second)


def test_line_magic_and_interpolation(ipython: Shell) -> None:
    ipython.ns["city"] = "Lisbon"
    ipython.run("%respond -m gpt-4.1-mini Tell me about {city}")
    response = ipython.ns["_r"]
    assert "Tell me about Lisbon" in response.output_text and response.model == "gpt-4.1-mini"


def test_widget_view_tree_shows_answer_and_usage(ipython: Shell) -> None:
    ipython.magics.display = "widget"
    ipython.run("%%respond\nWidgets please")
    (view,) = ipython.views
    assert isinstance(view, WidgetView)
    bundle = view.final_bundle  # what replaced the widget in place
    assert bundle is not None and "Widgets please" in bundle["text/html"]
    assert "input" in bundle["text/plain"] and "output" in bundle["text/plain"]
    # A turn that ends before its first refresh opens no widget; one that made its widgets closes them all.
    assert not view.built or (view.box.comm is None and view.answer.tail.comm is None)


def test_bad_options_send_nothing(ipython: Shell) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())
    for line in ("%%respond --temperature 9\nhi", "%%respond --reasoning extreme\nhi", "%%respond --nope\nhi",
                 "%%respond --tools not_defined\nhi", "%%respond --schema Missing\nhi"):  # fmt: skip
        result, _ = ipython.run(line)
        assert not result.success and type(result.error_in_exec).__name__ == "UsageError", line
    assert backend.requests == []


def test_key_on_the_magic_line_is_refused(ipython: Shell) -> None:
    result, _ = ipython.run("%%respond --api-key sk-abcdefghijklmnop\nhi")
    assert "Do not put an API key" in str(result.error_in_exec)


@pytest.mark.parametrize(
    ("entry", "error_name"),
    [
        (
            testing.http_error(400, code="invalid_value", message="Bad value", param="temperature"),
            "BadRequestError",
        ),
        (testing.http_error(401, code="invalid_api_key", message="Incorrect API key"), "AuthenticationError"),
        (testing.http_error(403, code="forbidden", message="No access"), "PermissionDeniedError"),
        (testing.http_error(404, code="model_not_found", message="No such model"), "NotFoundError"),
        (testing.http_error(409, code="conflict", message="Busy"), "ConflictError"),
        (testing.http_error(422, code="unprocessable", message="Cannot process"), "UnprocessableEntityError"),
        (testing.http_error(429, code="rate_limit_exceeded", message="Slow down"), "RateLimitError"),
        (testing.http_error(500, code="server_error", message="Oops"), "InternalServerError"),
        (testing.failed("server_error", "The model failed"), "ResponseFailedError"),
        (testing.disconnect(6, testing.text("partial answer here and more")), "StreamError"),
        (testing.malformed(6, testing.text("partial answer here and more")), "StreamError"),
        (testing.stall(6, testing.text("partial answer here and more")), "StreamTimeoutError"),
    ],
)
def test_errors_are_one_message_without_traceback(ipython: Shell, entry: object, error_name: str) -> None:
    backend = testing.OfflineBackend().script([entry])  # type: ignore[list-item]
    ipython.magics.session.use_client(backend.client(max_retries=0, timeout=0.3))
    result, captured = ipython.run("%%respond\nhi")
    failure = result.error_in_exec
    assert type(failure).__name__ == "TurnFailed" and type(failure.error).__name__ == error_name  # type: ignore[union-attr]
    assert failure._render_traceback_() and "Traceback" not in "".join(failure._render_traceback_())  # type: ignore[union-attr]
    markdown = ipython.markdown(captured)
    assert error_name in markdown and failure.error.hint in markdown  # type: ignore[union-attr]  # what to do
    status = getattr(failure.error, "status", None)  # type: ignore[union-attr]
    if status is not None:
        assert f"HTTP {status}" in markdown and f"code `{failure.error.code}`" in markdown  # type: ignore[union-attr]
    if "partial" in repr(entry):
        assert "partial answer" in markdown  # the partial answer stays on screen


@pytest.mark.parametrize(
    ("raised", "error_name"),
    [(httpx2.ConnectError("connection refused"), "APIConnectionError"),
     (httpx2.ConnectTimeout("timed out"), "APITimeoutError")],
)  # fmt: skip
def test_connection_errors_are_one_message_without_traceback(
    ipython: Shell, raised: Exception, error_name: str
) -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise raised

    client = nbresponses.Client(api_key="sk-test-connection-0000", base_url="https://gateway.invalid/v1",
                                max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(refuse)))  # fmt: skip
    ipython.magics.session.use_client(client)
    result, captured = ipython.run("%%respond\nhi")
    failure = result.error_in_exec
    assert type(failure).__name__ == "TurnFailed" and type(failure.error).__name__ == error_name  # type: ignore[union-attr]
    markdown = ipython.markdown(captured)
    assert error_name in markdown and failure.error.hint in markdown  # type: ignore[union-attr]
    assert "Traceback" not in markdown + captured.stdout and "sk-test-connection" not in markdown


def test_interrupt_keeps_partial_answer_and_thread(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    ipython.run("%%respond\nfirst turn", cell_id="a")
    head = ipython.magics.session.store("").active_path(ipython.magics.session.notebook or "")[-1]

    def interrupt(self: object, event: object, snapshot: object) -> None:
        if getattr(event, "type", "") == "response.output_text.delta":
            raise KeyboardInterrupt

    monkeypatch.setattr("nbresponses.render._display.MarkdownView.on_event", interrupt)
    result, captured = ipython.run("%%respond\nsecond turn", cell_id="b")
    assert type(result.error_in_exec).__name__ == "TurnInterrupted"
    assert "Interrupted" in ipython.markdown(captured)
    store = ipython.magics.session.store("")
    notebook = ipython.magics.session.notebook or ""
    assert store.active_path(notebook)[-1].id == head.id  # the thread did not move
    assert store.history(notebook)[-1].status == "interrupted"


def test_structured_output_with_schema(ipython: Shell) -> None:
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    ipython.ns["City"] = City
    ipython.run("%%respond --schema City\nParis has 2100000 people")
    assert ipython.ns["_r"].parsed == City(name="Paris", population=2100000)
    ipython.run("%%respond --json\nGive JSON")
    assert isinstance(ipython.ns["_r"].parsed, dict)


def test_function_tools_run_in_a_loop(ipython: Shell) -> None:
    calls: list[str] = []

    def get_weather(city: str) -> dict[str, object]:
        """Weather now.

        Args:
            city: the city name.
        """
        calls.append(city)
        return {"city": city, "temp": 21}

    ipython.ns["get_weather"] = get_weather
    backend = testing.OfflineBackend().script(
        [testing.function_call("get_weather", {"city": "Oslo"}, call_id="call_1")]
    )
    ipython.magics.session.use_client(backend.client())
    ipython.run("%%respond --tools get_weather\nWeather in Oslo?")
    assert calls == ["Oslo"]
    second = backend.requests[1]
    assert second["input"] == [
        {"type": "function_call_output", "call_id": "call_1", "output": '{"city": "Oslo", "temp": 21}'}
    ]
    assert second["previous_response_id"]
    assert "Oslo" in ipython.ns["_r"].output_text


def test_max_tool_rounds_stops_with_a_message(ipython: Shell) -> None:
    ipython.ns["ping"] = lambda: "pong"
    backend = testing.OfflineBackend().script(
        [testing.function_call("ping", {}, call_id=f"c{i}") for i in range(3)]
    )
    ipython.magics.session.use_client(backend.client())
    _, captured = ipython.run("%%respond --tools ping --max-tool-rounds 2\nping forever")
    assert "Stopped after 2 tool rounds" in ipython.markdown(captured)
    # The pending call is answered "not run" and the model asked to answer without tools, so the thread stays
    # continuable (the API rejects a request after unanswered function calls).
    assert len(backend.requests) == 4
    closing = backend.requests[3]
    assert closing["tool_choice"] == "none"
    assert closing["input"] == [{"type": "function_call_output", "call_id": "c2",
                                 "output": "Not run: the limit of 2 tool rounds was reached. Answer with what you have."}]  # fmt: skip
    closed = ipython.ns["_r"]
    assert not closed.function_calls and closed.output_text
    ipython.run("%%respond\nand now?")
    assert backend.requests[4]["previous_response_id"] == closed.id


def test_config_shows_settings_without_the_key(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-config-marker-123456789")
    _, captured = ipython.run("%respond config")
    markdown = ipython.markdown(captured)
    assert "set (OPENAI_API_KEY)" in markdown and "sk-config-marker" not in markdown


TERMINAL = """
from IPython.terminal.interactiveshell import TerminalInteractiveShell
shell = TerminalInteractiveShell.instance(colors="nocolor")
shell.run_cell("%load_ext nbresponses")
shell.run_cell("%%respond\\nWhat is a kernel?", store_history=True)
shell.run_cell("%respond --max-output-tokens 5 Write a long essay", store_history=True)
"""


def test_terminal_ipython_gets_plain_streaming_text(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(NBRESPONSES_BACKEND="offline", NBRESPONSES_HISTORY=str(tmp_path / "h.sqlite"))
    done = subprocess.run(
        [sys.executable, "-c", TERMINAL], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[gpt-4.1 · thread default]\nYou asked: “What is a kernel?”." in out
    assert "⚠️ Incomplete: the answer stopped early (max_output_tokens)" in out
    assert "Note: No OPENAI_API_KEY" in out
    assert re.search(r"input \d+ · cached 0 · output \d+ · \$0 · first token", out)
    for markup in ("<sub>", "<details>", "<div", "text/markdown", "Traceback", "**", "> ", "`", "```"):
        assert markup not in out + done.stderr


def test_a_line_prompt_gets_the_magics_interpolation_not_ipythons(ipython: Shell) -> None:
    import pandas as pd

    ipython.ns["frame"] = pd.DataFrame({"city": ["Oslo", "Lima"], "temp": [3, 19]})
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())
    ipython.run("%respond Describe {frame} and keep {not_a_name}")
    sent = backend.requests[-1]["input"][0]["content"][0]["text"]
    assert (
        "| city | temp |\n|---|---|---|" in sent and "| Oslo | 3 |" in sent
    )  # a Markdown table, not str(df)
    assert "shape 2 × 2" in sent and "{not_a_name}" in sent


def test_subcommand_arguments_are_filled_in_from_the_notebook(ipython: Shell) -> None:
    ipython.run("%%respond\nMy name is Ada.")
    ipython.ns["first"] = ipython.ns["_r"]
    _, captured = ipython.run("%respond fork {first.id} --thread side")
    assert "Thread 'side' continues from " + ipython.ns["first"].id in captured.stdout


def test_the_question_mark_help_lists_every_option_and_subcommand(ipython: Shell) -> None:
    from nbresponses.magics._options import SUBCOMMANDS, build_parser

    _, captured = ipython.run("%respond?")
    shown = captured.stdout
    for action in build_parser()._actions:
        for flag in action.option_strings:
            assert flag in shown, flag
    for name in SUBCOMMANDS:
        assert f"\n{name}" in shown, name
    assert "-f, --format code|markdown|json|text" in shown and "--template NAME" in shown
