"""Every answer reads right wherever the notebook is opened: JupyterLab and Notebook 7 in Debian's Chromium
(Playwright), light and dark, saved and reopened, and its ``nbconvert --to html`` export with the network shut.

The notebook's answer holds prices ("$5 and $10"), math (``$x^2$``), a table and hostile HTML; a notebook
function runs as a tool; one answer is cut short (a notice) and one request fails (an error); ``%respond usage``
shows its tables. The checks read the DOM: the text is there, the prices are no math and the math is, nothing
the model wrote became an element, every colour we set reaches 4.5:1 on the dark theme, and the export shows the
answer, the usage and the tool card without a single request off this machine. Screenshots go to
``build/browser/``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.jupyterlab_server import LabServer, jupyterlab_server
from tests.test_browser_jupyterlab import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    _diagnosed,
    _require_tools,
)

pytestmark = pytest.mark.browser

SETUP = '''from nbresponses import testing

def lookup_price(item: str) -> str:
    """The price of an item."""
    return {"tea": "$5", "coffee": "$10"}[item]

ANSWER = """Costs are $5 and $10, so two cups cost $15.

The area grows as $x^2$.

| item | price |
|---|---:|
| tea | $5 |
| coffee | $10 |

<img src=x onerror="document.body.dataset.pwned = 'img'"> <script>document.body.dataset.pwned = 'script'</script>
[click me](javascript:document.body.dataset.pwned='link') ![pixel](https://tracker.example/p.png)"""

backend = testing.OfflineBackend().script([
    testing.reply(testing.function_call("lookup_price", {"item": "tea"}, call_id="c1")),
    testing.reply(testing.text(ANSWER)),
    testing.incomplete(testing.text("A long essay starts")),
    testing.http_error(400, code="invalid_value", message="That value is not allowed."),
])
get_ipython().magics_manager.registry["RespondMagics"].session.use_client(backend.client())'''

CELLS = [
    "%load_ext nbresponses",
    SETUP,
    "%%respond --tools lookup_price\nWhat do tea and coffee cost?",
    "%respond --max-output-tokens 5 Write a long essay",
    "%respond Once more",
    "%respond usage",
]
RESPOND, INCOMPLETE, FAILED, USAGE = 2, 3, 4, 5

# Contrast of every element whose style we set (a colour, a border colour) against the page behind it.
CONTRAST_JS = """(root) => {
  // Computed colours read "rgb(r, g, b)", "rgba(r, g, b, a)" or, for color-mix, "color(srgb r g b / a)" (0 to 1).
  const rgb = (s) => {
    const n = (s.match(/[\\d.]+/g) || []).map(Number);
    return s.startsWith("color(srgb") ? [n[0] * 255, n[1] * 255, n[2] * 255, ...n.slice(3)] : n;
  };
  const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const over = (c, bg) => c.length === 4 ? c.slice(0, 3).map((v, i) => v * c[3] + bg[i] * (1 - c[3])) : c;
  const out = [];
  for (const el of root.querySelectorAll("[style*='color']")) {
    const bg = background(el);
    const style = getComputedStyle(el);
    const prop = el.getAttribute("style").includes("border") ? style.borderTopColor : style.color;
    const fg = over(rgb(prop), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push({ratio: (a + 0.05) / (b + 0.05), color: prop, text: el.textContent.slice(0, 40)});
  }
  return out;
}"""


def write_notebook(path: Path) -> None:
    cells = [
        {"cell_type": "code", "id": f"cell-{n}", "metadata": {}, "execution_count": None, "outputs": [],
         "source": source}
        for n, source in enumerate(CELLS)
    ]  # fmt: skip
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


@pytest.fixture(params=["lab", "notebook"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LabServer]:
    _require_tools()
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / "answers.ipynb")
    state = tmp_path / "state"
    state.mkdir()
    with jupyterlab_server(root, state=state, app=request.param) as server:
        yield server


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=WAIT_MS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def offline_page(browser: Any, blocked: list[str]) -> Any:
    """A page that can reach this machine only: every other request is refused (and listed in ``blocked``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1400})

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:", "http://127.0.0.1", "ws://127.0.0.1", "about:")):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return page


def wait_for_connected_kernel(page: Any, server: LabServer) -> None:
    # The toolbar reads "idle" before the kernel's websocket is up; keys typed then are dropped. The page's own
    # wait (not time.sleep) lets Playwright serve the routed requests meanwhile.
    for _ in range(WAIT_MS // 200):
        if any(k["connections"] >= 1 and k["execution_state"] == "idle" for k in server.kernels()):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"no idle kernel connected to the page: {server.kernels()}")


def run_all(page: Any, server: LabServer) -> None:
    from playwright.sync_api import expect

    cells = page.locator(".jp-Notebook .jp-Cell")
    expect(cells).to_have_count(len(CELLS))
    wait_for_connected_kernel(page, server)
    for count, n in enumerate(range(len(CELLS)), start=1):
        cell = cells.nth(n)
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        expect(cell.locator(".jp-InputArea-prompt")).to_have_text(f"[{count}]:")


def check_answers(page: Any) -> None:
    """What the DOM must show, live or reopened from the saved file."""
    from playwright.sync_api import expect

    cells = page.locator(".jp-Notebook .jp-Cell")
    answer = cells.nth(RESPOND).locator(".jp-OutputArea")
    expect(answer).to_contain_text("Costs are $5 and $10, so two cups cost $15.")
    expect(answer.locator("mjx-container")).to_have_count(1)  # $x^2$ is typeset...
    expect(answer.locator("mjx-container")).to_have_attribute("jax", "CHTML")
    assert "$x^2$" not in answer.inner_text()
    for price in ("$5", "$10", "$15"):  # ... and no price is
        assert answer.locator("mjx-container", has_text=price.strip("$")).count() == 0, price
    expect(answer.locator("table tr")).to_have_count(3)
    expect(answer).to_contain_text(
        '<img src=x onerror="document.body.dataset.pwned'
    )  # the model's HTML, as text
    for injected in ("img[src='x']", "script", "a[href^='javascript']", "img[src^='https://tracker']"):
        assert answer.locator(injected).count() == 0, injected
    assert page.evaluate("document.body.dataset.pwned") is None
    expect(answer).to_contain_text("function call lookup_price — done in")  # one card for the call
    expect(answer.locator("text=function call")).to_have_count(1)
    expect(answer).to_contain_text("sum of 2 requests")
    expect(cells.nth(INCOMPLETE).locator(".jp-OutputArea")).to_contain_text("Incomplete")
    expect(cells.nth(FAILED).locator(".jp-OutputArea")).to_contain_text("BadRequestError (HTTP 400")
    usage = cells.nth(USAGE).locator(".jp-OutputArea")
    expect(usage.locator("table")).to_have_count(2)  # by thread, by model
    assert usage.locator("table tr").count() >= 4
    expect(usage.locator("td", has_text="$0").first).to_be_visible()
    assert usage.locator("mjx-container").count() == 0


def saved_outputs(page: Any, path: Path) -> list[dict[str, Any]]:
    """The %%respond cell's outputs once the app has written them to the file."""
    for _ in range(WAIT_MS // 200):
        outputs: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cells"][RESPOND][
            "outputs"
        ]
        if outputs:
            return outputs
        page.wait_for_timeout(200)
    raise AssertionError(f"{path} was not saved with its outputs")


def check_contrast(page: Any, where: str) -> None:
    cells = page.locator(".jp-Notebook")
    measured = cells.evaluate(CONTRAST_JS)
    assert len(measured) >= 5, measured  # warn, error, muted labels, card borders
    low = [m for m in measured if m["ratio"] < 4.5]
    assert not low, (where, low)


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    page.locator(".jp-Notebook .jp-Cell").nth(RESPOND).scroll_into_view_if_needed()
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return shot


@pytest.mark.timeout(600)
def test_answers_read_right_live_reopened_dark_and_exported(
    app: LabServer, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    blocked: list[str] = []
    page = offline_page(browser, blocked)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    with _diagnosed(page, app, errors):
        page.goto(app.lab_url("answers.ipynb"))
        run_all(page, app)
        check_answers(page)
        # Saved, the notebook keeps one static output per %%respond cell: no widget, no empty output.
        page.keyboard.press("Control+s")
        outputs = saved_outputs(page, app.root / "answers.ipynb")
        assert [sorted(o["data"]) for o in outputs] == [["text/html", "text/markdown", "text/plain"]]
        # Reopened from the file, it reads the same.
        page.reload()
        check_answers(page)
        screenshot(page, f"{app.app}-light.png")
        check_contrast(page, f"{app.app} light")
        app.set_theme("JupyterLab Dark")
        page.reload()
        expect(page.locator("body[data-jp-theme-light='false']")).to_have_count(1)
        check_answers(page)
        screenshot(page, f"{app.app}-dark.png")
        check_contrast(page, f"{app.app} dark")
    assert not [url for url in blocked if "127.0.0.1" in url]

    # The export, opened with the network shut: the answer, the usage and the tool card are in the page itself.
    exported = tmp_path / "answers.html"
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(app.root / "answers.ipynb"),
         "--output", str(exported)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    blocked.clear()
    page = offline_page(browser, blocked)
    page.goto(exported.as_uri())
    body = page.locator("body")
    expect(body).to_contain_text("Costs are $5 and $10, so two cups cost $15.")
    expect(body).to_contain_text("function call lookup_price — done in")
    expect(body).to_contain_text("sum of 2 requests")
    expect(page.locator("table")).to_have_count(3)  # the answer's table and the two usage tables
    expect(body).not_to_contain_text("Loading widget")
    assert page.evaluate("document.body.dataset.pwned") is None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{app.app}-nbconvert-offline.png"), full_page=True)
    assert all("127.0.0.1" not in url for url in blocked)  # whatever was refused was off this machine
