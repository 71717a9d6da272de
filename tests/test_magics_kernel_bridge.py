"""The Chat Completions bridge in a real kernel, driven like JupyterLab: a chat-only model on a gateway that
refuses it on /v1/responses streams through the bridge, with usage and cost, threads, tools, structured output,
and the choice remembered across a kernel restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chat_server import ChatGateway
from tests.kernel_client import Kernel, kernel
from tests.loopback import serve

PRICES = "%config RespondMagics.prices = {'deepseek-chat': {'input': 270000, 'output': 1100000}}"


@pytest.fixture
def gateway() -> Iterator[tuple[ChatGateway, str]]:
    gw = ChatGateway()
    with serve(gw.app()) as url:
        yield gw, url


@pytest.fixture
def env(tmp_path: Path, gateway: tuple[ChatGateway, str]) -> dict[str, str]:
    return {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
            "NBRESPONSES_NOTEBOOK": str(tmp_path / "notebook.ipynb"), "OPENAI_BASE_URL": gateway[1],
            "OPENAI_API_KEY": "sk-bridge-test-key-0123456789"}  # fmt: skip


def markdown(outputs: list[dict[str, Any]]) -> str:
    return "\n".join(o.get("data", {}).get("text/markdown", "") for o in outputs)


def run(k: Kernel, cell: str, cell_id: str) -> str:
    outputs = k.execute(cell, cell_id=cell_id)
    assert not [o for o in outputs if o["msg_type"] == "error"], outputs
    return markdown(outputs)


def start(k: Kernel) -> None:
    run(k, "%load_ext nbresponses\n%config RespondMagics.display = 'markdown'\n" + PRICES, "setup")


def test_a_chat_only_model_streams_through_the_bridge_keeps_its_thread_and_remembers_across_a_restart(
    env: dict[str, str], gateway: tuple[ChatGateway, str]
) -> None:
    gw, _url = gateway
    with kernel(**env) as k:
        start(k)
        first = run(k, "%%respond -m deepseek-chat\nHello, I am Ada.", "cell-1")
        # the answer, its usage and cost bar (input 270000 USD per 1M tokens makes any turn cost dollars),
        # and the notice, said once, that the bridge answered
        assert "You said: Hello, I am Ada." in first
        assert "input " in first and "output " in first and "$" in first and "cost unknown" not in first
        assert first.count("Chat Completions bridge") == 1
        assert gw.paths() == ["POST /v1/responses", "POST /v1/chat/completions"]
        streamed = gw.chat_bodies()[0]
        assert streamed["stream"] is True and streamed["stream_options"] == {"include_usage": True}
        assert k.value("[type(_r).__name__, _r.status, _r.output_text, _r.usage.total_tokens > 0]") == [
            "Response", "completed", "You said: Hello, I am Ada.", True,
        ]  # fmt: skip

        second = run(k, "%%respond -m deepseek-chat\nWhat is my name?", "cell-2")
        # the second cell carries the first turn as messages: no previous_response_id, no second /responses try
        assert "You said: What is my name? Before that: Hello, I am Ada." in second
        assert "Chat Completions bridge" not in second
        assert gw.paths()[2:] == ["POST /v1/chat/completions"]
        messages = gw.chat_bodies()[1]["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user"]
        assert messages[1]["content"] == "You said: Hello, I am Ada."
        assert "previous_response_id" not in gw.chat_bodies()[1]

        k.restart()
        start(k)
        third = run(k, "%%respond -m deepseek-chat\nStill there?", "cell-3")
        # (the Markdown copy escapes the model's "|", so that it cannot split a table)
        assert "You said: Still there? Before that: Hello, I am Ada. \\| What is my name?" in third
        assert gw.paths()[3:] == ["POST /v1/chat/completions"]  # remembered in the history: no /responses try
        models = run(k, "%respond models deepseek", "cell-4")
        assert "| `deepseek-chat` | /chat/completions (bridge) | 270,000 / 1,100,000 |" in models


def test_tools_and_schema_through_the_bridge(env: dict[str, str], gateway: tuple[ChatGateway, str]) -> None:
    gw, _url = gateway
    with kernel(**env) as k:
        start(k)
        run(k, "from pydantic import BaseModel\n"
               "class City(BaseModel):\n    name: str\n    population: int\n"
               "def get_weather(city: str) -> str:\n    'The weather in a city.'\n    return f'sunny in {city}'",
            "defs")  # fmt: skip
        answer = run(
            k, "%%respond -m deepseek-chat --tools get_weather\nWhat is the weather in Paris", "cell-t"
        )
        assert "The tool said: sunny in Paris." in answer
        assert k.value("[c.name for c in _r.output if c.type == 'function_call']") == []  # the final answer
        bodies = gw.chat_bodies()
        assert bodies[0]["tools"][0]["function"]["name"] == "get_weather"
        roles = [m["role"] for m in bodies[1]["messages"]]
        assert roles == ["user", "assistant", "tool"]
        call = bodies[1]["messages"][1]["tool_calls"][0]
        assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
        assert bodies[1]["messages"][2] == {
            "role": "tool",
            "tool_call_id": call["id"],
            "content": "sunny in Paris",
        }

        run(k, "%%respond -m deepseek-chat --schema City --new\nDescribe Paris", "cell-s")
        assert k.value("[type(_r.parsed).__name__, _r.parsed.name, _r.parsed.population]") == [
            "City",
            "Paris",
            42,
        ]
        fmt = gw.chat_bodies()[-1]["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "City"
        assert fmt["json_schema"]["schema"]["required"] == ["name", "population"]


OFFLINE_SCRIPTED = (
    "from nbresponses import testing\n"
    "backend = testing.OfflineBackend()\n"
    "get_ipython().magics_manager.registry['RespondMagics'].session.use_client(backend.client(max_retries=0))"
)


def test_an_interrupted_or_failed_bridged_turn_leaves_the_thread_in_server_state(tmp_path: Path) -> None:
    env = {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
           "NBRESPONSES_NOTEBOOK": str(tmp_path / "notebook.ipynb")}  # fmt: skip
    with kernel(**env) as k:
        start(k)
        run(k, OFFLINE_SCRIPTED, "setup-2")
        run(k, "%%respond\nMy name is Grace", "cell-1")
        # the offline chat endpoint streams "alpha beta", then stalls for an hour: Ctrl-C stops the bridged turn
        run(k, "backend.script([testing.stall(4, testing.text('alpha beta gamma delta'))])", "script-1")
        outputs = k.interrupt_when_shown("%%respond --api chat\nhi", "alpha beta")
        assert [o["ename"] for o in outputs if o["msg_type"] == "error"] == ["TurnInterrupted"]
        shown = markdown(outputs)
        assert "alpha beta" in shown and "Chat Completions bridge" not in shown and "resends" not in shown
        run(k, "backend.script([testing.http_error(404, message='Invalid URL (POST /v1/chat/completions)')])",
            "script-2")  # fmt: skip
        failed = k.execute("%%respond --api chat\nhi", cell_id="cell-3")
        assert [o["ename"] for o in failed if o["msg_type"] == "error"] == ["TurnFailed"]
        assert "Chat Completions bridge" not in markdown(failed)
        threads = run(k, "%respond threads", "cell-4")
        assert "| default | server |" in threads
        again = run(k, "%%respond\nWhat is my name?", "cell-5")
        assert "Your name is Grace" in again
        sent = k.value("[e['body'].get('previous_response_id') is not None for e in backend.journal "
                       "if e['path'].endswith('/responses')]")  # fmt: skip
        assert sent == [False, True]  # the last turn still continues turn 1 by id


def test_auto_mode_the_refused_attempt_is_no_turn(tmp_path: Path) -> None:
    """``%respond history`` shows the turn the user saw: the request /responses refused is no failed turn."""
    env = {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
           "NBRESPONSES_NOTEBOOK": str(tmp_path / "notebook.ipynb")}  # fmt: skip
    with kernel(**env) as k:
        start(k)
        run(k, "%%respond\nMy name is Grace.", "cell-1")
        answer = run(k, "%%respond -m offline-chat\nWhat is my name?", "cell-2")
        assert "Grace" in answer and answer.count("does not serve offline-chat on /v1/responses") == 1
        history = run(k, "%respond history", "cell-3")
        assert "failed" not in history and history.count("What is my name?") == 1
        assert "| 2 | cell-2 | What is my name? | offline-chat |" in history and "| 3 |" not in history


def test_auto_mode_keeps_the_route_when_the_bridged_turn_fails(tmp_path: Path) -> None:
    """A hosted tool the bridge cannot send fails the turn, but /responses refused the model: not tried again."""
    env = {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
           "NBRESPONSES_NOTEBOOK": str(tmp_path / "notebook.ipynb")}  # fmt: skip
    with kernel(**env) as k:
        start(k)
        run(k, OFFLINE_SCRIPTED, "setup-2")
        run(k, "%%respond\nMy name is Grace.", "cell-1")
        failed = k.execute("%%respond -m offline-chat --web-search\nWhat happened today?", cell_id="cell-2")
        assert [o["ename"] for o in failed if o["msg_type"] == "error"] == ["TurnFailed"]
        shown = markdown(failed)
        assert "no hosted tools" in shown and "does not serve offline-chat on /v1/responses" in shown
        before = k.value("len(backend.journal)")
        again = run(k, "%%respond -m offline-chat\nWhat is my name?", "cell-3")
        assert "Grace" in again
        paths = k.value(f"[e['path'] for e in backend.journal[{before}:]]")
        assert paths == ["/v1/chat/completions"]  # straight to the bridge: /responses is not tried again
        history = run(k, "%respond history", "cell-4")
        # the failed turn is the bridged request the user saw fail, once; the refused attempt is none
        assert (
            history.count("| failed |") == 1
            and "| 2 | cell-2 | What happened today? | offline-chat | 0 | failed |" in history
        )
        assert "| 3 | cell-3 | What is my name? | offline-chat |" in history and "| 4 |" not in history
