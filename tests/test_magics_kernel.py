"""The magic in a real kernel, driven like JupyterLab (cell ids): re-runs replace a cell's turn, restarts continue
the thread, and the static fallback is in the executed output."""

from __future__ import annotations

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


def respond(k: Kernel, prompt: str, cell_id: str, outputs: list[dict[str, Any]] | None = None) -> str:
    shown = k.execute(f"%%respond\n{prompt}", cell_id=cell_id)
    assert not [o for o in shown if o["msg_type"] == "error"], shown
    if outputs is not None:
        outputs += shown
    response_id = k.value("_r.id")
    assert isinstance(response_id, str)
    return response_id


def live_display_id(outputs: list[dict[str, Any]]) -> str:
    """The display id of a %%respond cell's one output (the live view, replaced in place at the end)."""
    [live] = [o for o in outputs if o["msg_type"] == "display_data" and o["transient"].get("display_id")]
    return str(live["transient"]["display_id"])


def markdown_outputs(outputs: list[dict[str, Any]]) -> str:
    return "\n".join(o.get("data", {}).get("text/markdown", "") for o in outputs)


def test_rerunning_a_cell_replaces_its_turn(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        a = respond(k, "My name is Ada.", "cell-a")
        b = respond(k, "I like graphs.", "cell-b")
        c_outputs: list[dict[str, Any]] = []
        respond(k, "Third cell.", "cell-c", c_outputs)
        rerun: list[dict[str, Any]] = []
        new_b = respond(k, "I like trees.", "cell-b", rerun)  # B re-run with another prompt
        # The cell below, whose turn left the thread, is marked in place (by its output's display id).
        [mark] = [o for o in rerun if o["msg_type"] == "update_display_data"
                  and o["transient"]["display_id"] == live_display_id(c_outputs)]  # fmt: skip
        assert "Superseded** by the re-run of cell `cell-b` (turn 4)" in mark["data"]["text/markdown"]
        assert mark["data"]["text/plain"].startswith("⤴ Superseded by the re-run of cell cell-b (turn 4)")
        assert "Third cell." in mark["data"]["text/plain"]  # the old answer stays, under the mark
        respond(k, "Third cell again.", "cell-c")
        sent = k.value(JOURNAL)
        assert sent[0] is None and sent[1] == a
        assert sent[3] == a  # the new B continues from A, not from C
        assert sent[4] == new_b  # and C continues from the new B
        assert new_b != b
        history = k.execute("%respond history")
        table = markdown_outputs(history)
        assert "| superseded |" in table and "I like graphs." in table
        # Turns count from 1 in this notebook; short cell ids; full status words.
        numbers = [line.split("|")[1].strip() for line in table.splitlines()[2:]]
        assert numbers == ["1", "2", "3", "4", "5"]
        assert "| cell-b |" in table and "| completed |" in table


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


def test_the_widget_output_is_replaced_in_place_by_the_static_one(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses\n%config RespondMagics.display = 'widget'")
        k.execute("%respond warm up")  # the offline notice comes once, with the first turn
        outputs = k.execute("%%respond\nShow me the fallback")
        [live] = [o for o in outputs if o["msg_type"] == "display_data"]  # one output, no extra empty one
        # The live view opens as a header line; its widgets (made once there is text to show) replace it in
        # the same output, and the static bundle replaces them there too.
        assert set(live["data"]) == {"text/html", "text/plain"} and "live view" in live["data"]["text/plain"]
        updates = [o for o in outputs if o["msg_type"] == "update_display_data"]
        assert {u["transient"]["display_id"] for u in updates} == {live["transient"]["display_id"]}
        widget_views = [u for u in updates if "application/vnd.jupyter.widget-view+json" in u["data"]]
        assert len(widget_views) <= 1
        final = updates[-1]
        assert set(final["data"]) == {"text/html", "text/markdown", "text/plain"}
        assert (
            "Show me the fallback" in final["data"]["text/plain"] and "output" in final["data"]["text/plain"]
        )
        usage = k.value("[_r.turn_usage.input_tokens, _r.turn_usage.output_tokens, _r.turn_requests]")
        assert f"input {usage[0]} · cached 0 · output {usage[1]}" in final["data"]["text/plain"]


def test_usage_totals_survive_a_restart(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        respond(k, "Count me.", "cell-1")
        respond(k, "Me too.", "cell-2")
        k.restart()
        k.execute("%load_ext nbresponses")
        dashboard = markdown_outputs(k.execute("%respond usage"))
        assert "**2 turns**" in dashboard and "| default | 2 |" in dashboard
        assert "\\$0" in dashboard and "| $0" not in dashboard  # a price in the Markdown copy is never math


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
        outputs = k.interrupt_when_shown("%%respond\nstall please", "alpha beta")
        errors = [o for o in outputs if o["msg_type"] == "error"]
        assert [e["ename"] for e in errors] == ["TurnInterrupted"]
        assert "Traceback" not in "".join(errors[0]["traceback"])
        final = markdown_outputs(outputs)
        assert "Interrupted" in final and "alpha beta" in final
        assert "alpha beta" in k.value("_r.output_text")  # _r is this turn's partial response
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
        outputs = k.interrupt_when_shown("%%respond --background\nstall please", "alpha beta")
        assert [o["ename"] for o in outputs if o["msg_type"] == "error"] == ["TurnInterrupted"]
        assert "Cancelled background response" in markdown_outputs(outputs)
        cancels = k.value("[e['path'] for e in backend.journal if e['path'].endswith('/cancel')]")
        assert len(cancels) == 1
        response_id = cancels[0].split("/")[-2]
        assert k.value(f"backend.client().responses.retrieve({response_id!r}).status") == "cancelled"


TOOLS = (
    "from nbresponses import testing\n"
    "def ping(host: str) -> str:\n"
    "    'Ping a host.'\n"
    "    return 'pong ' + host\n"
    "backend = testing.OfflineBackend().script([\n"
    "    testing.reply(testing.function_call('ping', {'host': 'a'}, call_id='c1'),\n"
    "                  testing.function_call('ping', {'host': 'b'}, call_id='c2')),\n"
    "    testing.reply(testing.function_call('ping', {'host': 'c'}, call_id='c3')),\n"
    "    testing.reply(testing.text('All pinged.')),\n"
    "])\n"
    "get_ipython().magics_manager.registry['RespondMagics'].session.use_client(backend.client())"
)


def test_tool_cards_and_the_usage_of_every_round(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses\n%config RespondMagics.display = 'widget'")
        k.execute(TOOLS)
        outputs = k.execute("%%respond --tools ping\nping a, b and c")
        final = [o for o in outputs if o["msg_type"] == "update_display_data"][-1]["data"]
        text = final["text/plain"]
        # One card per call, its arguments once, its result once, its state in words.
        assert text.count("🔧 function call ping — done in") == 3 and "completed" not in text
        for host in "abc":
            assert text.count(f'"host": "{host}"') == 1 and text.count(f"pong {host}") == 1
        # The bar sums the three requests and says so; Python gives the same numbers.
        usage = k.value("[_r.turn_requests, _r.turn_usage.input_tokens, _r.turn_usage.output_tokens,"
                        " _r.usage.input_tokens]")  # fmt: skip
        assert usage[0] == 3 and usage[1] > usage[3]  # the last round alone is less than the turn
        assert f"sum of 3 requests · input {usage[1]} · cached 0 · output {usage[2]}" in text


def test_help_lists_every_option_and_subcommand_and_typos_are_caught(env: dict[str, str]) -> None:
    from nbresponses.magics._options import SUBCOMMANDS, build_parser

    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        shown = markdown_outputs(k.execute("%respond help"))
        assert not shown.startswith("::") and "%%%respond" not in shown
        for action in build_parser()._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in shown or f", {flag}" in shown, flag
        for name in SUBCOMMANDS:
            assert f"| `{name}" in shown, name
        k.execute("%respond?")  # the kernel pages what IPython's inspector shows
        pages = [p["data"]["text/plain"] for p in k.reply().get("payload", []) if p.get("source") == "page"]
        doc = pages[0] if pages else ""
        assert "--max-output-tokens" in doc and "history [THREAD]" in doc and len(doc.splitlines()) > 40
        shown = "".join(o.get("text", "") for o in k.execute("%respond histroy") if o["msg_type"] == "stream")
        assert shown.startswith(
            "UsageError: %respond histroy: no such subcommand. Did you mean %respond history?"
        )
        sent = "get_ipython().magics_manager.registry['RespondMagics'].session.offline_server"
        assert k.value(f"{sent} is None")  # nothing was sent to a model
