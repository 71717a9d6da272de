"""``-f/--format``: ``code`` puts the answer's code in a new cell below and says so; ``json`` shows the parsed
object; ``text`` and ``markdown`` choose the view. In an InteractiveShell, and in a real kernel against a
loopback server (the new cell is the execute_reply's ``set_next_input`` payload, as JupyterLab reads it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nbresponses import testing
from nbresponses.offline import create_app
from tests.kernel_client import kernel
from tests.loopback import serve
from tests.magic_shell import Shell

ANSWER = "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\nTry it:\n```python\nadd(1, 2)\n```"


def scripted(ipython: Shell, *replies: Any) -> testing.OfflineBackend:
    backend = testing.OfflineBackend().script(list(replies))
    ipython.magics.session.use_client(backend.client())
    return backend


@pytest.fixture
def next_inputs(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    calls: list[tuple[str, bool]] = []
    monkeypatch.setattr(
        ipython.shell, "set_next_input", lambda text, replace=False: calls.append((text, replace))
    )
    return calls


def test_code_goes_to_a_new_cell_below_and_the_cell_says_so(
    ipython: Shell, next_inputs: list[tuple[str, bool]]
) -> None:
    backend = scripted(ipython, testing.text(ANSWER))
    result, captured = ipython.run("%%respond -f code\nA function that adds two numbers", cell_id="c1")
    assert result.success
    assert next_inputs == [("def add(a, b):\n    return a + b\n\nadd(1, 2)", False)]
    shown = ipython.markdown(captured)
    assert "The answer's 2 code blocks, joined, is in a new cell below" in shown
    assert "code only" in backend.requests[-1]["instructions"]
    assert ipython.ns["_r"].output_text == ANSWER  # the answer itself is kept whole


def test_code_keeps_the_users_instructions_and_says_when_there_is_no_code(
    ipython: Shell, next_inputs: list[tuple[str, bool]]
) -> None:
    backend = scripted(ipython, testing.text("I would rather explain it in words."))
    _, captured = ipython.run("%%respond -f code -i 'Use numpy.'\nMean of a list", cell_id="c1")
    assert next_inputs == []
    assert "The answer has no code block, so no cell was added." in ipython.markdown(captured)
    instructions = backend.requests[-1]["instructions"]
    assert instructions.startswith("Use numpy.") and "code only" in instructions


def test_code_from_a_cut_off_answer_says_it_may_end_early(
    ipython: Shell, next_inputs: list[tuple[str, bool]]
) -> None:
    scripted(ipython, testing.incomplete(testing.text("```python\nfor i in range(3):\n    print(i")))
    _, captured = ipython.run("%%respond --format code\nloop", cell_id="c1")
    assert next_inputs == [("for i in range(3):\n    print(i", False)]
    assert "cut off, so the code may end early" in ipython.markdown(captured)


def test_json_asks_for_a_json_object_and_shows_it(ipython: Shell) -> None:
    backend = scripted(ipython, testing.text('{"city": "Paris", "days": [1, 2]}'))
    _, captured = ipython.run("%%respond -f json\nThe city and days", cell_id="c1")
    request = backend.requests[-1]
    assert request["text"]["format"] == {"type": "json_object"}
    assert "JSON" in request["instructions"]  # the API refuses json_object unless the word is in the context
    assert ipython.ns["_r"].parsed == {"city": "Paris", "days": [1, 2]}
    shown = [o.data for o in captured.outputs if "application/json" in o.data]
    assert shown and shown[-1]["application/json"] == {"city": "Paris", "days": [1, 2]}
    assert json.loads(shown[-1]["text/plain"]) == {"city": "Paris", "days": [1, 2]}


def test_text_and_markdown_choose_the_view(ipython: Shell) -> None:
    scripted(ipython, testing.text("plain **answer**"), testing.text("markdown answer"))
    ipython.magics.display = "widget"
    _, captured = ipython.run("%%respond -f text\nq1", cell_id="c1")
    assert type(ipython.views[-1]).__name__ == "TextView"
    assert "plain answer" in captured.stdout  # plain text: the Markdown's marks are gone
    ipython.run("%%respond -f markdown\nq2", cell_id="c2")
    assert type(ipython.views[-1]).__name__ == "MarkdownView"


def test_a_bad_format_is_a_usage_error_and_sends_nothing(ipython: Shell) -> None:
    backend = scripted(ipython, testing.text("never"))
    result, captured = ipython.run("%%respond -f yaml\nq", cell_id="c1")
    assert not result.success and "invalid choice: 'yaml'" in captured.stderr + str(result.error_in_exec)
    assert backend.requests == []


def test_code_in_a_real_kernel_is_a_set_next_input_payload(tmp_path: Path) -> None:
    backend = testing.OfflineBackend().script([testing.text(ANSWER)])
    env = {
        "NBRESPONSES_BACKEND": "",
        "NBRESPONSES_HISTORY": str(tmp_path / "h.sqlite"),
    }  # the loopback server
    with serve(create_app(backend.server)) as base_url, kernel(**env) as k:
        k.execute(f"%load_ext nbresponses\n%config RespondMagics.base_url = {base_url!r}")
        # as JupyterLab sends it (a frontend that can answer input() also takes set_next_input)
        outputs = k.execute(
            "%%respond -f code\nA function that adds two numbers", cell_id="cell-1", allow_stdin=True
        )
        reply = k.reply()
        assert reply["status"] == "ok", outputs
        payloads = [p for p in reply.get("payload", []) if p.get("source") == "set_next_input"]
        assert payloads == [{"source": "set_next_input", "text": "def add(a, b):\n    return a + b\n\nadd(1, 2)",
                             "replace": False}]  # fmt: skip
        shown = "\n".join(o.get("data", {}).get("text/markdown", "") for o in outputs)
        assert "is in a new cell below" in shown
        assert "code only" in backend.requests[-1]["instructions"]


def test_code_with_the_offline_backend_in_a_kernel(tmp_path: Path) -> None:
    env = {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "h.sqlite")}
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        k.execute("%%respond -f code\nPrint the numbers one to three", cell_id="cell-1", allow_stdin=True)
        payloads = [p for p in k.reply().get("payload", []) if p.get("source") == "set_next_input"]
        assert len(payloads) == 1
        code = payloads[0]["text"]
        compile(code, "<new cell>", "exec")  # the offline model's code block is runnable Python
        assert "Print the numbers one to three" in code


def test_code_in_a_headless_run_says_no_cell_was_added(tmp_path: Path) -> None:
    env = {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "h.sqlite")}
    with kernel(**env) as k:  # as nbclient, papermill and nbval run a notebook: no stdin, no frontend
        k.execute("%load_ext nbresponses")
        outputs = k.execute("%%respond -f code\nPrint the numbers one to three", cell_id="cell-1")
        assert [p for p in k.reply().get("payload", []) if p.get("source") == "set_next_input"] == []
        shown = "\n".join(o.get("data", {}).get("text/markdown", "") for o in outputs)
        assert "is not added as a cell: this run has no frontend to add it" in shown
        assert "new cell below" not in shown
