"""``%%respond --map DF`` and ``%respond batches`` in a real InteractiveShell (offline backend): bad input ends in
one line with nothing sent; schemas give columns; threads, budgets and batches."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from IPython.core.error import UsageError

from nbresponses import testing
from nbresponses._config import Secret
from tests.loopback import serve
from tests.magic_shell import Shell


@pytest.fixture
def shell(ipython: Shell) -> Shell:
    ipython.ns["df"] = pd.DataFrame({"text": ["good", "bad"]}, index=["a", "b"])
    ipython.ns["empty"] = pd.DataFrame({"text": []})
    ipython.ns["words"] = ["not", "a", "frame"]
    return ipython


def posts(shell: Shell) -> list[dict[str, Any]]:
    server = shell.magics.session.offline_server
    return [e for e in (server.journal if server is not None else []) if e["method"] == "POST"]


def usage_error(shell: Shell, cell: str) -> str:
    result, _ = shell.run(cell)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    return str(result.error_in_exec)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (
            "%%respond --map df\nRate {txt}",
            "The template uses {txt}, which is neither a column of df "
            "(columns: text) nor a variable. Did you mean {text}? Nothing was sent",
        ),
        (
            "%%respond --map df\nRate {Text} and {T}",  # {T}: a typo of a column only if one is named t
            "The template uses {Text}, which is neither a column of df (columns: text) nor a variable. "
            "Did you mean {text}? Nothing was sent",
        ),
        ("%%respond --map empty\nRate {text}", "empty has no rows: nothing to send."),
        ("%%respond --map words\nRate {value}", "words is a list, not a pandas DataFrame"),
        (
            "%%respond --map nothing\nRate {text}",
            "--map nothing: no such variable in the notebook. Nothing was sent.",
        ),
        ("%%respond --batch\nRate", "--batch applies to a map: add --map DF"),
        ("%%respond --fresh\nRate", "--fresh applies to a map"),
        ("%%respond --concurrency 4\nRate", "--concurrency applies to a map"),
        ("%%respond --map df --tools f\nRate {text}", "--map does not combine with --tools"),
        ("%%respond --map df --background\nRate {text}", "--map does not combine with --background"),
        ("%%respond --map df --batch --thread t\nRate {text}", "--batch does not combine with --thread"),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_sent(shell: Shell, cell: str, message: str) -> None:
    assert message in usage_error(shell, cell)
    assert posts(shell) == []


def test_a_concurrency_of_zero_is_a_usage_error(shell: Shell) -> None:
    assert "from 1 to 1,000, got 0" in usage_error(shell, "%%respond --map df --concurrency 0\nRate {text}")
    assert "is not a Python variable name" in usage_error(shell, "%%respond --map 'my df'\nRate {text}")


def test_batch_on_a_backend_without_the_batch_api_is_one_line(
    shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NBRESPONSES_BACKEND")
    app = testing.LoadTestApp(latency=0)
    with serve(app) as url:
        shell.magics.base_url = url
        shell.magics.session.login_key = Secret("sk-test-key-for-loopback")
        message = usage_error(shell, "%%respond --map df --batch\nRate {text}")
    assert "has no Batch API (GET /batches answered HTTP 404)" in message and "Nothing was sent" in message
    assert app.stats.requests == 0


def test_a_map_binds_a_frame_aligned_with_the_index(shell: Shell) -> None:
    result, captured = shell.run("%%respond --map df --out labels -m gpt-4.1-mini\nRate: {text}")
    assert result.error_in_exec is None
    frame = shell.ns["labels"]
    assert frame is shell.ns["_r"] and list(frame.index) == ["a", "b"]
    assert [b["input"] for b in (e["body"] for e in posts(shell))] == ["Rate: good", "Rate: bad"]
    final = captured.outputs[-1].data
    assert (
        "Mapped df (2 rows) with gpt-4.1-mini" in final["text/plain"] and "labels" in final["text/markdown"]
    )
    # While it runs, the view says it is mapping (a terminal prints that line, then the summary's).
    live = [o.data["text/plain"] for o in captured.outputs if "text/plain" in o.data]
    assert any(text.startswith("Mapping df (2 rows) with gpt-4.1-mini, up to") for text in live), live


def test_a_schema_gives_columns_and_json_a_dict_column(shell: Shell) -> None:
    shell.run("from pydantic import BaseModel\nclass Label(BaseModel):\n    label: str\n    score: float")
    shell.run("%%respond --map df --schema Label\nRate: {text}")
    assert list(shell.ns["_r"].columns[:2]) == ["label", "score"] and shell.ns["_r"]["error"].isna().all()
    shell.run("%%respond --map df --json\nRate {text} as JSON")
    assert isinstance(shell.ns["_r"]["json"]["a"], dict)


def test_the_line_magic_maps_too(shell: Shell) -> None:
    shell.run("%respond --map df -q Rate: {text}")
    assert list(shell.ns["_r"]["status"]) == ["completed", "completed"]


def test_a_rerun_sends_only_rows_without_an_answer(shell: Shell) -> None:
    shell.run("%%respond --map df -q\nRate: {text}", cell_id="c1")
    shell.ns["df"] = pd.DataFrame({"text": ["good", "bad", "new"]}, index=["a", "b", "c"])
    shell.run("%%respond --map df -q\nRate: {text}", cell_id="c1")
    assert [e["body"]["input"] for e in posts(shell)] == ["Rate: good", "Rate: bad", "Rate: new"]
    assert list(shell.ns["_r"]["resumed"]) == [True, True, False]
    shell.run("%%respond --map df --fresh -q\nRate: {text}", cell_id="c1")
    assert len(posts(shell)) == 6


def test_rows_continue_a_thread_when_asked_and_leave_it_unchanged(shell: Shell) -> None:
    shell.run("%%respond --thread ctx\nMy name is Ada.", cell_id="t1")
    head = shell.ns["_r"].id
    shell.run("%%respond --map df --thread ctx -q\nRate: {text}")
    sent = [e["body"] for e in posts(shell)][1:]
    assert [b.get("previous_response_id") for b in sent] == [head, head]
    shell.run("%%respond --thread ctx\nAnd now?", cell_id="t2")
    assert posts(shell)[-1]["body"]["previous_response_id"] == head  # the rows did not move the thread
    shell.run("%%respond --map df -q\nRate again: {text}")
    assert "previous_response_id" not in posts(shell)[-1]["body"]  # without --thread rows are independent
    shell.run("%%respond --map df --thread ctx --new -q\nRate anew: {text}")
    assert "previous_response_id" not in posts(shell)[-1]["body"]  # --new: the thread starts afresh


def test_the_budget_is_checked_before_the_map(shell: Shell) -> None:
    shell.magics.prices = {"gpt-4.1": {"input": 1_000_000, "output": 1_000_000}}
    shell.run("%%respond -q\nSpend.")
    assert "Budget reached" in usage_error(shell, "%%respond --map df --budget 1\nRate {text}")
    assert len(posts(shell)) == 1


def test_the_budget_stops_a_map_partway(shell: Shell) -> None:
    shell.magics.prices = {"gpt-4.1": {"input": 100_000, "output": 100_000}}
    shell.ns["df"] = pd.DataFrame({"text": [f"row {i}" for i in range(20)]})
    _, captured = shell.run("%%respond --map df --budget 10 --concurrency 1\nRate {text}")
    frame = shell.ns["_r"]
    assert (frame.status == "not_sent").sum() > 0 and (frame.status == "completed").sum() > 0
    assert "Stopped sending: budget reached" in captured.outputs[-1].data["text/markdown"]


def test_map_rows_count_in_the_notebooks_usage(shell: Shell) -> None:
    shell.run("%%respond --map df -q\nRate {text}")
    _, captured = shell.run("%respond usage")
    assert "| map |" in shell.markdown(captured)


def test_batches_are_submitted_listed_cancelled_and_collected(shell: Shell) -> None:
    _, captured = shell.run("%%respond --map df --batch\nRate {text}", cell_id="b1")
    final = captured.outputs[-1].data["text/markdown"]
    assert "Submitted batch batch_" in final and list(shell.ns["_r"].status) == ["pending", "pending"]
    batch_id = final.split("Submitted batch ")[1].split(" ")[0]
    _, listing = shell.run("%respond batches")
    assert batch_id in shell.markdown(listing)
    _, cancelled = shell.run(f"%respond batches cancel {batch_id}")
    assert f"Batch {batch_id} is cancelling" in cancelled.stdout
    _, collected = shell.run("%%respond --map df --batch\nRate {text}", cell_id="b1")
    assert f"Collected batch {batch_id} (cancelled" in collected.outputs[-1].data["text/markdown"]
    assert "Usage: %respond batches" in usage_error(shell, "%respond batches frobnicate")
    assert "Could not cancel" in usage_error(shell, "%respond batches cancel batch_nope")


def test_no_batches_yet(shell: Shell) -> None:
    _, captured = shell.run("%respond batches")
    assert "No batches in this notebook yet" in captured.stdout
