"""``%%respond --map`` in a real kernel against a loopback server with latency and injected 429s (issue 17).

The server (`nbresponses.testing.LoadTestApp`) counts on its side: requests in flight at their peak, the rounds
of latency the answers took (``ceil(rows / concurrency)`` for a client that keeps its slots full; the wall time
is ``rounds × latency``, measured by ``benchmarks/map_throughput.py``), 429s sent, and requests that came before
a 429's ``retry-after-ms`` was over.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from nbresponses import testing
from tests.kernel_client import Kernel, kernel
from tests.loopback import serve

ROWS = 40
FRAME = (
    "import pandas as pd\n"
    f"df = pd.DataFrame({{'q': [f'question {{i}}' for i in range({ROWS})]}}, index=[f'row{{i}}' for i in range({ROWS})])"
)
CELL = "%%respond --map df --concurrency 8 -m gpt-4.1-mini\nQ: {q}"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
            "NBRESPONSES_NOTEBOOK": str(tmp_path / "notebook.ipynb"), "OPENAI_API_KEY": "sk-test-loopback-key-000"}  # fmt: skip


def errors(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in outputs if o["msg_type"] == "error"]


def final_bundle(outputs: list[dict[str, Any]]) -> dict[str, str]:
    """The cell's last output as it ends (the progress view is replaced in place by the summary)."""
    return [o["data"] for o in outputs if o["msg_type"] in ("display_data", "update_display_data")][-1]


def test_rows_are_sent_concurrently_capped_aligned_and_resumed(env: dict[str, str]) -> None:
    app = testing.LoadTestApp(latency=0.2)
    with serve(app) as url, kernel(**env, OPENAI_BASE_URL=url) as k:
        k.execute(f"%load_ext nbresponses\n%config RespondMagics.display = 'widget'\n{FRAME}")
        outputs = k.execute(CELL, cell_id="map-cell")
        assert not errors(outputs), outputs
        stats = app.stats
        assert stats.requests == ROWS and stats.rate_limited == 0
        assert stats.peak_in_flight == 8  # all 8 slots used, never a 9th (counted by the server)
        assert max(stats.in_flight_at_arrival) <= 7
        # 5 rounds of 0.2 s make the ideal 1 s; one more for a slow connection of the first wave.
        assert ROWS // 8 <= stats.rounds <= ROWS // 8 + 1
        # Every row is aligned with its own answer, in df's index.
        frame = k.value("_r.reset_index().to_dict('records')")
        assert [r["index"] for r in frame] == [f"row{i}" for i in range(ROWS)]
        assert all(r["output_text"] == f"Answer: Q: question {i}" for i, r in enumerate(frame))
        assert {r["status"] for r in frame} == {"completed"} and not any(r["resumed"] for r in frame)
        assert all(r["input_tokens"] > 0 and r["cost_usd"] > 0 and r["response_id"] for r in frame)
        # The final output is a static summary: no widget needed to read it in a saved notebook.
        final = final_bundle(outputs)
        assert "application/vnd.jupyter.widget-view+json" not in final
        assert "Mapped df (40 rows)" in final["text/markdown"] and "done **40/40**" in final["text/markdown"]
        assert "Answer: Q: question 0" in final["text/html"]
        live = [
            o
            for o in outputs
            if o["msg_type"] == "display_data" and "application/vnd.jupyter.widget-view+json" in o["data"]
        ]
        assert live, "the progress bar widget was shown while the rows were sent"
        # Re-running the same cell sends nothing: every row is answered in the history.
        rerun = k.execute(CELL, cell_id="map-cell")
        assert not errors(rerun)
        assert app.stats.requests == ROWS
        assert k.value("int(_r.resumed.sum())") == ROWS
        assert "40 rows were answered by an earlier run" in final_bundle(rerun)["text/markdown"]
        # --fresh sends them all again.
        k.execute(CELL.replace("--map df", "--map df --fresh"), cell_id="map-cell")
        assert app.stats.requests == 2 * ROWS


def test_429s_are_retried_after_the_wait_the_server_asked(env: dict[str, str]) -> None:
    app = testing.LoadTestApp(latency=0.2, rate_limit_at={5, 17, 30}, retry_after_ms=250)
    with serve(app) as url, kernel(**env, OPENAI_BASE_URL=url) as k:
        k.execute(f"%load_ext nbresponses\n%config RespondMagics.display = 'markdown'\n{FRAME}")
        outputs = k.execute(CELL)
        assert not errors(outputs), outputs
        stats = app.stats
        assert stats.rate_limited == 3 and stats.requests == ROWS + 3
        assert stats.early == 0  # no request came while a retry-after-ms was running
        assert stats.peak_in_flight <= 8
        assert stats.rounds <= 2 * ROWS // 8  # within twice the ideal rounds
        assert k.value("sorted(set(_r.status))") == ["completed"]
        assert k.value("bool((_r.output_text == 'Answer: Q: ' + df.q).all())")
        assert "rate-limited **3×**" in final_bundle(outputs)["text/markdown"]


def test_rate_limit_headers_slow_the_map_before_any_429(env: dict[str, str]) -> None:
    app = testing.LoadTestApp(latency=0.05, requests_per_window=10, window=0.4)
    with serve(app) as url, kernel(**env, OPENAI_BASE_URL=url) as k:
        k.execute(f"%load_ext nbresponses\n{FRAME}")
        assert not errors(k.execute(CELL))
        assert app.stats.requests == ROWS and app.stats.rate_limited == 0
        assert k.value("int((_r.status == 'completed').sum())") == ROWS


def interrupt_after(k: Kernel, cell: str, answered: int) -> list[dict[str, Any]]:
    """Run ``cell``; interrupt the kernel once the progress shows ``answered`` rows done."""
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
        plain = json.dumps(content.get("data", {}).get("text/plain", ""))
        done = [
            int(w.split("/")[0])
            for w in plain.replace("\\u00b7", " ").split()
            if "/" in w and w.split("/")[0].isdigit()
        ]
        if not interrupted and done and done[0] >= answered:
            k.manager.interrupt_kernel()
            interrupted = True


def test_an_interrupt_keeps_the_answered_rows_and_a_rerun_sends_the_rest(env: dict[str, str]) -> None:
    app = testing.LoadTestApp(latency=0.2)
    with serve(app) as url, kernel(**env, OPENAI_BASE_URL=url) as k:
        k.execute(f"%load_ext nbresponses\n%config RespondMagics.display = 'markdown'\n{FRAME}")
        cell = CELL.replace("--concurrency 8", "--concurrency 2")
        outputs = interrupt_after(k, cell, answered=4)
        assert [e["ename"] for e in errors(outputs)] == ["MapInterruptedError"], [
            (o["msg_type"], o.get("data", {}).get("text/plain", ""), o.get("traceback")) for o in outputs[-4:]
        ]
        message = "".join(errors(outputs)[0]["traceback"])
        assert "Traceback" not in message and "rows answered and kept (bound to _r)" in message
        kept = k.value("int((_r.status == 'completed').sum())")
        assert 4 <= kept < ROWS
        k.execute("done = _r.status == 'completed'")
        assert k.value("bool((_r.output_text[done] == ('Answer: Q: ' + df.q)[done]).all())")
        assert k.value("sorted(set(_r.status))") in (
            ["completed", "interrupted", "not_sent"],
            ["completed", "not_sent"],
        )
        assert "Interrupted" in final_bundle(outputs)["text/markdown"]
        sent_before = app.stats.requests
        assert not errors(k.execute(cell))
        assert app.stats.requests - sent_before == ROWS - kept  # only the rows without an answer
        assert k.value("int(_r.resumed.sum())") == kept
        assert k.value("sorted(set(_r.status))") == ["completed"]


def test_batch_survives_a_kernel_restart_between_submit_and_collect(tmp_path: Path) -> None:
    env = {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
           "NBRESPONSES_NOTEBOOK": str(tmp_path / "notebook.ipynb"), "NBRESPONSES_OFFLINE_BATCH_SECONDS": "1"}  # fmt: skip
    cell = "%%respond --map df --batch -m gpt-4.1-mini\nQ: {q}"
    with kernel(**env) as k:
        k.execute(f"%load_ext nbresponses\n{FRAME}")
        submitted = k.execute(cell, cell_id="batch-cell")
        assert not errors(submitted), submitted
        assert "Submitted batch batch_" in final_bundle(submitted)["text/markdown"]
        assert k.value("sorted(set(_r.status))") == ["pending"]
        k.restart()
        k.execute(f"%load_ext nbresponses\n{FRAME}")
        collected: list[dict[str, Any]] = []
        for _ in range(40):  # polls the way a user re-runs the cell (a hang guard, not a timing assertion)
            collected = k.execute(cell, cell_id="batch-cell")
            assert not errors(collected), collected
            if "Collected batch" in final_bundle(collected)["text/markdown"]:
                break
            time.sleep(0.25)
        assert "Collected batch" in final_bundle(collected)["text/markdown"]
        assert k.value("sorted(set(_r.status))") == ["completed"]
        assert k.value("all(f'question {i}' in t for i, t in enumerate(_r.output_text))")
        listing = "".join(o.get("data", {}).get("text/markdown", "") for o in k.execute("%respond batches"))
        assert listing.count("batch_") == 1 and "completed" in listing  # submitted once, across the restart
        again = k.execute(cell, cell_id="batch-cell")  # answered rows come from the history now
        assert k.value("int(_r.resumed.sum())") == ROWS
        assert "Submitted" not in final_bundle(again)["text/markdown"]


def test_a_headless_rerun_in_a_fresh_kernel_sends_only_unanswered_rows(tmp_path: Path) -> None:
    """``jupyter execute`` / nbconvert / papermill: no notebook identity (no JPY_SESSION_NAME), no cell ids, a new
    kernel (so a new ``kernel:`` notebook key) each run, one history file."""
    env = {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
           "NBRESPONSES_NOTEBOOK": "", "JPY_SESSION_NAME": "", "OPENAI_API_KEY": "sk-test-loopback-key-000"}  # fmt: skip
    app = testing.LoadTestApp(latency=0)
    with serve(app) as url:
        keys = []
        for run, rows in enumerate((30, ROWS)):  # the second run's table has 10 more rows
            frame = FRAME.replace(f"range({ROWS})", f"range({rows})")
            with kernel(**env, OPENAI_BASE_URL=url) as k:
                k.execute(f"%load_ext nbresponses\n%config RespondMagics.display = 'markdown'\n{frame}")
                keys.append(k.value("get_ipython().find_magic('respond', 'cell').__self__.session.notebook"))
                outputs = k.execute(CELL)
                assert not errors(outputs), outputs
                assert k.value("sorted(set(_r.status))") == ["completed"]
                assert k.value("int(_r.resumed.sum())") == (0 if run == 0 else 30)
        assert keys[0].startswith("kernel:") and keys[1].startswith("kernel:") and keys[0] != keys[1]
        assert app.stats.requests == ROWS  # 30, then only the 10 new rows
        assert "30 rows were answered by an earlier run" in final_bundle(outputs)["text/markdown"]
        with kernel(**env, OPENAI_BASE_URL=url) as k:  # --fresh still sends them all
            k.execute(f"%load_ext nbresponses\n%config RespondMagics.display = 'markdown'\n{FRAME}")
            assert not errors(k.execute(CELL.replace("--map df", "--map df --fresh")))
            assert k.value("int(_r.resumed.sum())") == 0
        assert app.stats.requests == 2 * ROWS


def test_a_headless_rerun_of_a_batch_cell_finds_its_batch(tmp_path: Path) -> None:
    env = {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
           "NBRESPONSES_NOTEBOOK": "", "JPY_SESSION_NAME": "", "NBRESPONSES_OFFLINE_BATCH_SECONDS": "600"}  # fmt: skip
    cell = "%%respond --map df --batch -m gpt-4.1-mini\nQ: {q}"
    with kernel(**env) as k:
        k.execute(f"%load_ext nbresponses\n{FRAME}")
        submitted = final_bundle(k.execute(cell))["text/markdown"]
        assert "Submitted batch batch_" in submitted
        batch_id = submitted.split("Submitted batch ")[1].split(" ")[0]
    with kernel(**env) as k:  # a fresh headless run: another notebook key, the same requests
        k.execute(f"%load_ext nbresponses\n{FRAME}")
        again = final_bundle(k.execute(cell))["text/markdown"]
        assert "Submitted" not in again and f"Batch {batch_id} is in_progress" in again
        assert k.value("sorted(set(_r.status))") == ["pending"]
        listing = "".join(o.get("data", {}).get("text/markdown", "") for o in k.execute("%respond batches"))
        assert batch_id in listing and "headless run (" in listing and listing.count("batch_") == 1
        cancelled = "".join(o.get("text", "") for o in k.execute(f"%respond batches cancel {batch_id}"))
        assert f"Batch {batch_id} is cancelling" in cancelled
        collected = final_bundle(k.execute(cell))["text/markdown"]
        assert f"Collected batch {batch_id} (cancelled" in collected
