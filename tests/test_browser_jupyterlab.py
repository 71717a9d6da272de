"""The quickstart in a real JupyterLab, in Debian's Chromium driven by Playwright (no browser download).

JupyterLab runs on 127.0.0.1 over a copy of ``notebooks/quickstart.ipynb``; the test clicks into each code cell
up to the first ``%%respond`` one and presses Shift+Enter, then checks in the DOM that the ipywidgets live view
was replaced in place by the static output (one output, no widget left, no "Loading widget"), with the offline
backend's answer and the usage bar; then it saves the notebook from JupyterLab and takes a screenshot. Outside CI
it skips when Chromium, Playwright or JupyterLab is missing; under ``CI=true`` it fails instead.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.jupyterlab_server import LabServer, jupyterlab_server

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "notebooks" / "quickstart.ipynb"
CHROMIUM = Path(os.environ.get("NBRESPONSES_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("NBRESPONSES_BROWSER_ARTIFACTS") or REPO / "build" / "browser")
# The network is closed: without the background-networking flags Chromium waits on refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip
WAIT_MS = 60_000  # a hang guard for each wait, far above what a step takes on a loaded 2-core machine
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires the browser test to run)")
    pytest.skip(reason)


def _require_tools() -> None:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set NBRESPONSES_CHROMIUM)")
    for module in ("playwright", "jupyterlab"):
        if importlib.util.find_spec(module) is None:
            _unavailable(f"the {module} package is not installed (pip install -e '.[dev]')")
    manager = Path(sys.prefix, "share", "jupyter", "labextensions", "@jupyter-widgets", "jupyterlab-manager")
    if not manager.is_dir():
        _unavailable(f"the ipywidgets lab extension is not installed ({manager} is missing)")


def _first_respond_cell(notebook: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code" and "".join(cell["source"]).startswith("%%respond"):
            return index, cell
    raise AssertionError(f"{QUICKSTART} has no %%respond cell")


def _stored_answer(cell: dict[str, Any]) -> tuple[str, str]:
    """The first line of the stored answer and its usage line, from the output's plain text."""
    (output,) = [
        o for o in cell["outputs"] if "nbresponses-header" in "".join(o.get("data", {}).get("text/html", ""))
    ]
    lines = "".join(output["data"]["text/plain"]).strip().splitlines()
    return lines[2], lines[-1]  # after the header line and a blank one


def _masked(line: str) -> str:
    line = re.sub(r"(first token|total) \d+\.\d+ s", r"\1 T s", line)
    return re.sub(r"speed \d+ tok/s", "speed N tok/s", line)


def _fresh_copy(target: Path) -> None:
    """Copy the quickstart with its outputs and saved widget state removed.

    JupyterLab would otherwise draw the stored widget state on opening, and the answer would be on the page
    before any cell ran.
    """
    notebook = json.loads(QUICKSTART.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook["metadata"].pop("widgets", None)
    target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[LabServer]:
    _require_tools()
    root = tmp_path / "root"
    root.mkdir()
    _fresh_copy(root / "quickstart.ipynb")
    state = tmp_path / "state"
    state.mkdir()
    with jupyterlab_server(root, state=state) as server:
        yield server


@pytest.fixture
def page(lab: LabServer) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=WAIT_MS
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1100})
            tab = context.new_page()
            tab.set_default_timeout(WAIT_MS)
            yield tab
        finally:
            browser.close()


@contextlib.contextmanager
def _diagnosed(page: Any, lab: LabServer, errors: list[str]) -> Iterator[None]:
    """On a failed step, save a screenshot and add the browser's errors and the server's log to the message."""
    try:
        yield
    except Exception as exc:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / "quickstart-failure.png"))
        raise AssertionError(
            f"{exc}\n--- browser errors:\n"
            + "\n".join(errors[-20:])
            + f"\n--- jupyter lab log:\n{lab.log_tail()}"
        ) from exc


def _wait_for_connected_kernel(lab: LabServer) -> None:
    # The toolbar reads "idle" before the kernel's websocket is up; keys typed then are dropped.
    deadline = time.monotonic() + WAIT_MS / 1000
    while not any(k["connections"] >= 1 and k["execution_state"] == "idle" for k in lab.kernels()):
        assert time.monotonic() < deadline, f"no idle kernel connected to the page: {lab.kernels()}"
        time.sleep(0.1)


def _run_cell(page: Any, cell: Any, count: int) -> None:
    """Click into a code cell, press Shift+Enter, wait for its prompt to show execution ``count``."""
    from playwright.sync_api import expect

    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-InputArea-prompt")).to_have_text(f"[{count}]:")


@pytest.mark.timeout(300)
def test_quickstart_respond_cell_streams_into_the_widget_view(lab: LabServer, page: Any) -> None:
    from playwright.sync_api import expect

    notebook = json.loads(QUICKSTART.read_text(encoding="utf-8"))
    index, respond_source = _first_respond_cell(notebook)
    answer, usage_line = _stored_answer(respond_source)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda msg: errors.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)

    with _diagnosed(page, lab, errors):
        page.goto(lab.lab_url("quickstart.ipynb"))
        page.locator(".jp-Notebook .jp-Cell").nth(index).wait_for()
        _wait_for_connected_kernel(lab)
        idle = page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']")
        idle.wait_for()

        cells = page.locator(".jp-Notebook .jp-Cell")
        code_cells = [
            n for n, cell in enumerate(notebook["cells"][: index + 1]) if cell["cell_type"] == "code"
        ]
        assert "".join(notebook["cells"][code_cells[0]]["source"]) == "%load_ext nbresponses"
        for count, n in enumerate(code_cells, start=1):
            _run_cell(page, cells.nth(n), count)
        idle.wait_for()

        cell = cells.nth(index)
        view = cell.locator(".jp-OutputArea-output .nbresponses", has=page.locator(".nbresponses-header"))
        expect(view).to_have_count(1)
        expect(view).to_contain_text(answer)
        header, usage = view.locator(".nbresponses-header"), view.locator(".nbresponses-stats")
        expect(header).to_contain_text(re.compile(r"gpt-4\.1 · thread default"))
        expect(usage).to_contain_text("first token")

        # The usage bar's chips, read back as the one-line form, equal the line the headless run stored in the
        # notebook (token counts and cost; nbval checks those), timings masked as notebooks/sanitize.cfg does.
        chips = usage.evaluate(
            "el => [...el.querySelectorAll('b')].map(b => [b.previousElementSibling?.textContent.trim() ?? '',"
            " b.textContent.trim()])"
        )
        labels = [label for label, _ in chips]
        assert {"input", "output", "first token", "total"} <= set(labels), chips
        shown = " · ".join(value if label == "cost" else f"{label} {value}" for label, value in chips)
        assert _masked(shown) == _masked(usage_line), (shown, usage_line)

        # The live widgets were replaced in place: one output, the static HTML, no widget and no empty output.
        expect(cell.locator(".jupyter-widgets")).to_have_count(0)
        for output in cell.locator(".jp-OutputArea-output").all():  # the offline notice and the answer
            assert output.inner_text().strip(), "an empty output"
        expect(cell.locator(".jp-OutputArea")).not_to_contain_text("Loading widget")
        expect(cell.locator(".jp-OutputArea")).not_to_contain_text("Error displaying widget")

        # Saved from JupyterLab, the cell keeps the static output: HTML, Markdown and plain text, no widget.
        dirty = page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")
        expect(dirty).to_have_count(1)
        page.keyboard.press("Control+s")
        expect(dirty).to_have_count(0)
        saved = json.loads((lab.root / "quickstart.ipynb").read_text(encoding="utf-8"))["cells"][index]
        (static,) = [
            o for o in saved["outputs"] if "nbresponses-header" in "".join(o["data"].get("text/html", ""))
        ]
        assert WIDGET_MIME not in static["data"] and answer in "".join(static["data"]["text/markdown"])
        assert saved["execution_count"] == len(code_cells)

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "quickstart.png"
        shot.unlink(missing_ok=True)
        cell.scroll_into_view_if_needed()
        page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
