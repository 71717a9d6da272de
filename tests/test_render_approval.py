"""Approval buttons (nbresponses/render/_approval.py): answered while the cell runs, in a real kernel."""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

import pytest

from nbresponses.render._approval import ApprovalCard, comm_route
from nbresponses.render._widgets import WidgetView
from tests.kernel_client import Kernel, kernel


class NoDisplay:
    def display(self, *args: Any, **kwargs: Any) -> None:
        return None

    def update_display(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_a_click_decides_once() -> None:
    card = ApprovalCard("ping")
    assert "<code>ping</code>" in card.question.value
    assert "arguments on its card" in card.question.value  # shown once, on the call's card
    clicker = threading.Timer(0.01, card.run_all.click)
    clicker.start()
    assert card.wait(poll=0.01) == "run_all"
    card.deny.click()  # a second click changes nothing
    assert card.decision == "run_all"
    card.close()


def test_the_name_is_escaped() -> None:
    card = ApprovalCard("<f>")
    assert "&lt;f&gt;" in card.question.value and "<f>" not in card.question.value
    card.close()


def test_outside_a_kernel_there_is_no_route_and_the_view_says_it_cannot_ask() -> None:
    card = ApprovalCard("f")
    assert comm_route(card.comms) is None
    card.close()
    view = WidgetView(display=NoDisplay())
    view.start(model="m")
    assert view.ask_approval("f", "{}") is None  # the magic then asks with input()
    assert view.approvals is None  # no question was shown


SCRIPT = (
    "from nbresponses import testing\n"
    "ran = []\n"
    "def ping(host: str) -> str:\n"
    "    '''Ping a host.'''\n"
    "    ran.append(host)\n"
    "    return 'pong ' + host\n"
    "backend = testing.OfflineBackend().script([testing.reply(\n"
    "    testing.function_call('ping', {'host': 'a'}, call_id='call_a'),\n"
    "    testing.function_call('ping', {'host': 'b'}, call_id='call_b'))])\n"
    "get_ipython().magics_manager.registry['RespondMagics'].session.use_client(backend.client())"
)
OUTPUTS = "[(i['call_id'], i['output']) for i in backend.requests[1]['input']]"


def run_clicking(k: Kernel, cell: str, clicks: list[str]) -> list[dict[str, Any]]:
    """Run ``cell`` as JupyterLab does (stdin allowed); click the buttons named in ``clicks`` as they appear."""
    msg_id = k.client.execute(cell, allow_stdin=True)
    buttons: dict[str, str] = {}  # description -> comm id, of the latest approval card
    click = {"method": "custom", "content": {"event": "click"}}
    outputs: list[dict[str, Any]] = []
    while True:
        try:
            message = k.client.get_iopub_msg(timeout=60)  # a hang guard, not a timing assertion
        except queue.Empty:
            pytest.fail(f"no output within 60 s; clicks left: {clicks}")
        with pytest.raises(queue.Empty):  # the buttons are answered, never an input() prompt
            k.client.get_stdin_msg(timeout=0)
        kind, content = message["msg_type"], message["content"]
        if kind == "comm_open":
            state = content["data"].get("state", {})
            if state.get("_model_name") == "ButtonModel":
                buttons[state["description"]] = content["comm_id"]
        elif kind == "comm_msg" and len(buttons) == 3 and content["data"].get("state", {}).get("children"):
            # The card with Run, Run all and Deny is shown (its box became a child of the view): click.
            assert clicks, "asked for more approvals than expected"
            msg = k.client.session.msg("comm_msg", {"comm_id": buttons[clicks.pop(0)], "data": click})
            k.client.shell_channel.send(msg)
            buttons = {}
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if kind == "status" and content["execution_state"] == "idle":
            assert not clicks, f"not every approval was asked: {clicks}"
            return outputs
        outputs.append({"msg_type": kind, **content})


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite")}


def test_buttons_are_answered_while_the_cell_runs(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        k.execute(SCRIPT)
        outputs = run_clicking(
            k, "%%respond --approve --no-parallel-tools --tools ping\nping a and b", ["Run", "Deny"]
        )
        assert not [o for o in outputs if o["msg_type"] == "error"], outputs
        updates = [o for o in outputs if o["msg_type"] == "update_display_data"]
        waiting = [o for o in updates if "Waiting for approval of ping" in o["data"].get("text/plain", "")]
        # Said as text too (a frontend without widgets shows the live output's text: why the cell waits)...
        assert len(waiting) == 2
        after = updates.index(waiting[-1]) + 1
        assert "Waiting" not in updates[after]["data"]["text/plain"]  # ...and taken back once answered
        final = updates[-1]["data"]
        assert "application/vnd.jupyter.widget-view+json" not in final  # the static output replaced it
        cards = final["text/plain"]
        assert "🔧 function call ping — done in" in cards and "🔧 function call ping — not run" in cards
        assert cards.count("🔧 function call") == 2  # one card per call
        assert k.value("ran") == ["a"]
        sent = dict(k.value(OUTPUTS))
        assert sent["call_a"] == "pong a" and "declined" in sent["call_b"]
        # The approval comms are closed and routed back: the kernel still runs cells normally.
        assert k.value("1 + 1") == 2


def test_run_all_answers_the_rest_of_the_cell(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        k.execute(SCRIPT)
        run_clicking(k, "%%respond --approve --no-parallel-tools --tools ping\nping a and b", ["Run all"])
        assert k.value("ran") == ["a", "b"]


def test_a_headless_run_denies_without_waiting(env: dict[str, str]) -> None:
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        k.execute(SCRIPT)
        outputs = k.execute(
            "%%respond --approve --tools ping\nping a and b"
        )  # allow_stdin=False, like nbclient
        text = "\n".join(o.get("data", {}).get("text/plain", "") for o in outputs)
        assert "no one can answer" in text and "— not run" in text
        assert k.value("ran") == []
