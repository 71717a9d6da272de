"""The history across real kernels (nbresponses.store): a kernel killed mid-stream leaves no turn running
forever, and two kernels on one notebook's thread append every turn in order without superseding each other's."""

from __future__ import annotations

import os
import queue
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from nbresponses import Client
from nbresponses.offline import OfflineServer, create_app
from nbresponses.store import HistoryStore
from tests.kernel_client import Kernel, kernel
from tests.loopback import serve

STALLED = (
    "from nbresponses import testing\n"
    "backend = testing.OfflineBackend().script([testing.stall(6, testing.text('alpha beta gamma delta'))])\n"
    "get_ipython().magics_manager.registry['RespondMagics'].session.use_client(backend.client())"
)


def start_stalled_turn(k: Kernel) -> str:
    """Start a turn whose stream stalls after "alpha beta"; return the execute request's id once it is shown."""
    k.execute(STALLED)
    msg_id: str = k.client.execute("%%respond\nstall please")
    while True:
        message = k.client.get_iopub_msg(timeout=60)  # a hang guard, not a timing assertion
        if message["parent_header"].get("msg_id") == msg_id and "alpha beta" in str(message["content"]):
            return msg_id


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
            "NBRESPONSES_NOTEBOOK": str(tmp_path / "notebook.ipynb")}  # fmt: skip


def test_a_kernel_killed_mid_stream_leaves_its_turn_interrupted_on_the_next_open(env: dict[str, str]) -> None:
    notebook = env["NBRESPONSES_NOTEBOOK"]
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        assert not [o for o in k.execute("%%respond\nremember 42", cell_id="a") if o["msg_type"] == "error"]
        start_stalled_turn(k)
        with HistoryStore(env["NBRESPONSES_HISTORY"]) as other:  # another process opens the file meanwhile
            running = other.history(notebook)[-1]
            assert running.status == "in_progress"  # the kernel still runs: its turn is left alone
            assert running.owner is not None and running.owner.pid != os.getpid()
        os.kill(running.owner.pid, signal.SIGKILL)  # a crash, an OOM kill: nothing in the kernel runs again
        k.manager.provisioner.process.wait(timeout=30)
    with HistoryStore(env["NBRESPONSES_HISTORY"]) as reopened:
        turns = reopened.history(notebook)  # (a refused request may come between: the backend changed)
        first, killed = turns[0], turns[-1]
        assert (
            killed.id == running.id and killed.status == "interrupted" and killed.error_type == "ProcessEnded"
        )
        assert killed.finished_at is not None
        assert [t.id for t in reopened.active_path(notebook)] == [first.id]  # never a parent
    with kernel(**env) as k:  # the next session continues from the last finished turn
        k.execute("%load_ext nbresponses")
        assert not [
            o for o in k.execute("%%respond\nwhat was the number?", cell_id="b") if o["msg_type"] == "error"
        ]
    with HistoryStore(env["NBRESPONSES_HISTORY"]) as store:
        assert store.history(notebook)[-1].parent_id == first.id


TURNS = 200
LOOP = """
magics = get_ipython().magics_manager.registry["RespondMagics"]
for n in range({turns}):
    magics.cell_id = f"cell-{{n}}"  # the same notebook open twice: both kernels have these cells
    magics.respond("-q", f"turn {{n}} of kernel {name}")
"""


@pytest.mark.timeout(900)
def test_two_kernels_on_one_notebook_thread_keep_every_turn_in_the_context(tmp_path: Path) -> None:
    server = OfflineServer(journal_limit=None)
    notebook = str(tmp_path / "notebook.ipynb")
    history = tmp_path / "history.sqlite"
    with serve(create_app(server)) as base_url:
        env = {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": str(history), "NBRESPONSES_NOTEBOOK": notebook,
               "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-two-kernels-0000000000000000"}  # fmt: skip
        with kernel(**env) as a, kernel(**env) as b:
            for k in (a, b):
                k.execute("%load_ext nbresponses")
            started = time.monotonic()
            # Both loops run at once; their outputs are read from this thread (kernel clients stay on it).
            running = {name: (k, k.client.execute(LOOP.format(turns=TURNS, name=name))) for name, k in
                       (("A", a), ("B", b))}  # fmt: skip
            errors: dict[str, list[Any]] = {"A": [], "B": []}
            deadline = time.monotonic() + 600  # a hang guard, not a timing assertion
            while running and time.monotonic() < deadline:
                for name, (k, msg_id) in list(running.items()):
                    try:
                        message = k.client.get_iopub_msg(timeout=0.05)
                    except queue.Empty:
                        continue
                    if message["parent_header"].get("msg_id") != msg_id:
                        continue
                    if message["msg_type"] == "error":
                        errors[name].append(message["content"])
                    if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                        del running[name]
            print(f"two kernels x {TURNS} turns: {time.monotonic() - started:.1f} s")
            assert not running and errors == {"A": [], "B": []}
        expected = {f"turn {n} of kernel {name}" for n in range(TURNS) for name in "AB"}
        with HistoryStore(history) as store:
            turns = store.history(notebook)
            assert len(turns) == 2 * TURNS
            assert all(t.status == "completed" and t.superseded_by is None for t in turns)
            path = store.active_path(notebook)
            assert {t.prompt for t in path} == expected  # every turn is on the thread's path, none dropped
            assert store.thread_mode(notebook) == "server"
            owners = [t.prompt[-1] for t in path if t.prompt]
            print(
                f"the path switches between the kernels {sum(x != y for x, y in zip(owners, owners[1:]))} times"
            )
            head = path[-1].response_id
        # The server's own view: the head's chain of previous_response_id holds all 400 turns, in order.
        with Client(base_url=base_url, api_key="sk-two-kernels-0000000000000000") as client:
            chain = []
            while head is not None:
                response = client.responses.retrieve(head)
                chain.append(response.id)
                head = response.previous_response_id
        assert chain[::-1] == [t.response_id for t in path]
        assert len(chain) == 2 * TURNS
