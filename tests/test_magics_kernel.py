"""The magic in a real kernel, driven like JupyterLab (cell ids): re-runs replace a cell's turn, restarts continue
the thread, and the static fallback is in the executed output."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.kernel_client import Kernel, kernel

JOURNAL = (
    "[e['body'].get('previous_response_id') for e in get_ipython().magics_manager.registry['RespondMagics']"
    ".session.offline_server.journal if e['method'] == 'POST']"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
            "NBRESPONSES_NOTEBOOK": str(tmp_path / "notebook.ipynb")}  # fmt: skip


def respond(k: Kernel, prompt: str, cell_id: str) -> str:
    outputs = k.execute(f"%%respond\n{prompt}", cell_id=cell_id)
    assert not [o for o in outputs if o["msg_type"] == "error"], outputs
    response_id = k.value("_r.id")
    assert isinstance(response_id, str)
    return response_id


def markdown_outputs(outputs: list[dict[str, Any]]) -> str:
    return "\n".join(o.get("data", {}).get("text/markdown", "") for o in outputs)


def test_rerunning_a_cell_replaces_its_turn(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        a = respond(k, "My name is Ada.", "cell-a")
        b = respond(k, "I like graphs.", "cell-b")
        respond(k, "Third cell.", "cell-c")
        new_b = respond(k, "I like trees.", "cell-b")  # B re-run with another prompt
        respond(k, "Third cell again.", "cell-c")
        sent = k.value(JOURNAL)
        assert sent[0] is None and sent[1] == a
        assert sent[3] == a  # the new B continues from A, not from C
        assert sent[4] == new_b  # and C continues from the new B
        assert new_b != b
        history = k.execute("%respond history")
        table = markdown_outputs(history)
        assert "(superseded)" in table and "I like graphs." in table


def test_restart_continues_the_thread(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        first = respond(k, "My name is Grace.", "cell-1")
        k.restart()
        k.execute("%load_ext nbresponses")
        outputs = k.execute("%%respond\nWhat is my name?", cell_id="cell-2")
        sent = k.value(JOURNAL)
        # The thread's head survived the restart in the history, and the response it names survived in the
        # offline backend's state beside it: the chain continues, with no switch to client state and no notice.
        assert sent == [first]
        shown = markdown_outputs(outputs)
        assert "resends its history" not in shown and "did not accept" not in shown
        assert k.value("_r.previous_response_id") == first
        assert "Your name is Grace" in k.value("_r.output_text")
        assert "Offline backend" not in k.value(
            "_r.output_text"
        )  # the notice is the magic's, not the answer's
        session = "get_ipython().magics_manager.registry['RespondMagics'].session"
        assert k.value(f"[t.mode for t in {session}.store('').threads({session}.notebook)]") == ["server"]


SCRIPT = """
import sys, nbresponses
chat = nbresponses.Conversation(nbresponses.default_client())
reply = chat.send(sys.argv[1])
print(reply.id, chat.thread, reply.model)
"""


def test_retrieve_from_another_process_and_two_scripts_get_two_threads(
    env: dict[str, str], tmp_path: Path
) -> None:
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    run_env = {**os.environ, **env}
    runs = [
        subprocess.run(
            [sys.executable, str(script), text], capture_output=True, text=True, env=run_env, timeout=120
        )
        for text in ("My name is Ada.", "What is my name?")
    ]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    (first_id, first_thread, model), (second_id, second_thread, _) = (r.stdout.split() for r in runs)
    assert (
        model == "gpt-4.1"
    )  # the README's Conversation(client).send(...) works as written: the magic's model
    assert (
        first_thread != second_thread
    )  # each script has its own thread: the second does not continue the first
    with kernel(**env) as k:
        k.execute("import nbresponses\nclient = nbresponses.default_client()")
        assert k.value(f"client.responses.retrieve({first_id!r}).id") == first_id  # made by another process
        assert k.value(f"client.responses.retrieve({second_id!r}).previous_response_id") is None
        assert "Your name is Ada" not in k.value(f"client.responses.retrieve({second_id!r}).output_text")


WEATHER_TOOL = '''
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"18 C in {city}"
'''


def test_websocket_transport_keeps_one_connection_for_a_tool_loop(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses\n%config RespondMagics.transport = 'websocket'")
        k.execute(WEATHER_TOOL)
        outputs = k.execute(
            "%%respond --tools get_weather\nWhat's the weather in Paris and Rome?", cell_id="c1"
        )
        assert not [o for o in outputs if o["msg_type"] == "error"], outputs
        assert "18 C in Rome" in k.value("_r.output_text")  # two parallel calls, answered in the second round
        respond(k, "And what did I ask first?", "c2")
        server = "get_ipython().magics_manager.registry['RespondMagics'].session.offline_server"
        assert k.value(f"{server}.websocket_connections") == 1  # both rounds and the next cell on one socket


def test_executed_output_has_widget_and_static_markdown(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses\n%config RespondMagics.display = 'widget'")
        outputs = k.execute("%%respond\nShow me the fallback")
        bundles = [o["data"] for o in outputs if o["msg_type"] == "display_data"]
        final = bundles[-1]
        assert "application/vnd.jupyter.widget-view+json" in final
        assert "Show me the fallback" in final["text/markdown"] and "output" in final["text/markdown"]
        blanked = [o for o in outputs if o["msg_type"] == "update_display_data"]
        assert blanked and blanked[-1]["data"] == {"text/plain": ""}


def test_usage_totals_survive_a_restart(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        respond(k, "Count me.", "cell-1")
        respond(k, "Me too.", "cell-2")
        k.restart()
        k.execute("%load_ext nbresponses")
        dashboard = markdown_outputs(k.execute("%respond usage"))
        assert "**2 turns**" in dashboard and "| default | 2 |" in dashboard


def interrupt_when_shown(k: Kernel, cell: str, text: str) -> list[dict[str, Any]]:
    """Run ``cell``; once ``text`` is on screen (widget state or a display), interrupt the kernel (Ctrl-C)."""
    msg_id = k.client.execute(cell)
    outputs: list[dict[str, Any]] = []
    interrupted = False
    while True:
        message = k.client.get_iopub_msg(timeout=60)  # a hang guard, not a timing assertion
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "status" and content["execution_state"] == "idle":
            return outputs
        outputs.append({"msg_type": kind, **content})
        if not interrupted and text in json.dumps(content):
            k.manager.interrupt_kernel()
            interrupted = True


STALLED = (
    "from nbresponses import testing\n"
    "backend = testing.OfflineBackend().script([testing.stall(6, testing.text('alpha beta gamma delta'))])\n"
    "get_ipython().magics_manager.registry['RespondMagics'].session.use_client(backend.client())"
)


def test_kernel_interrupt_stops_a_stalled_stream_and_keeps_the_partial_answer(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        k.execute(STALLED)
        # The stream stalls for an hour after "alpha beta": the view shows it although no further event
        # comes (the throttled refresh is made up when the stream pauses), and Ctrl-C ends the wait.
        outputs = interrupt_when_shown(k, "%%respond\nstall please", "alpha beta")
        errors = [o for o in outputs if o["msg_type"] == "error"]
        assert [e["ename"] for e in errors] == ["TurnInterrupted"]
        assert "Traceback" not in "".join(errors[0]["traceback"])
        final = markdown_outputs(outputs)
        assert "Interrupted" in final and "alpha beta" in final
        assert k.value("'_r' in dir()") is False  # no result bound for an interrupted turn
        history = "".join(markdown_outputs(k.execute("%respond history")))
        assert "interrupted" in history
        # The thread is unchanged: the next turn continues from nothing (the interrupted turn is no parent).
        k.execute("%%respond\nhello again")
        sent = k.value(
            "[e['body'].get('previous_response_id') for e in backend.journal if e['method'] == 'POST']"
        )
        assert sent == [None, None]


def test_kernel_interrupt_cancels_a_background_response_on_the_server(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        k.execute(STALLED)
        outputs = interrupt_when_shown(k, "%%respond --background\nstall please", "alpha beta")
        assert [o["ename"] for o in outputs if o["msg_type"] == "error"] == ["TurnInterrupted"]
        assert "Cancelled background response" in markdown_outputs(outputs)
        cancels = k.value("[e['path'] for e in backend.journal if e['path'].endswith('/cancel')]")
        assert len(cancels) == 1
        response_id = cancels[0].split("/")[-2]
        assert k.value(f"backend.client().responses.retrieve({response_id!r}).status") == "cancelled"
