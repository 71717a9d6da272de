"""The API key, set to a marker, appears nowhere: not in an executed notebook, its errors, reprs or the history."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from nbresponses.offline import OfflineServer, create_app
from tests.loopback import serve

MARKER = "sk-MARKER0key0that0must0never0show0up"


def test_marker_key_appears_nowhere(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    cells = [
        "%load_ext nbresponses",
        "%%respond\nHello over real HTTP",
        "%respond config",
        "import nbresponses\nclient = nbresponses.Client()\nprint(repr(client), client)",
        "try:\n    client.responses.retrieve('resp_missing')\nexcept nbresponses.APIError as e:\n    print(str(e), repr(e), e.hint)",
        "%%respond --thread other -m gpt-4.1\nanother turn {client}",
        "print(_r.model_dump_json())",
    ]
    with serve(create_app(OfflineServer())) as base_url:
        env = {k: v for k, v in os.environ.items() if k != "NBRESPONSES_BACKEND"}
        env.update(OPENAI_API_KEY=MARKER, OPENAI_BASE_URL=base_url, NBRESPONSES_HISTORY=str(history))
        notebook = new_notebook(cells=[new_code_cell(c) for c in cells])
        client = NotebookClient(notebook, kernel_name="python3", timeout=60, allow_errors=False)
        client.km = client.create_kernel_manager()
        client.start_new_kernel(env=env)
        client.start_new_kernel_client()
        try:
            client.execute(cleanup_kc=False, reset_kc=False)
        finally:
            client._cleanup_kernel()  # noqa: SLF001
    path = tmp_path / "executed.ipynb"
    nbformat.write(notebook, path)
    saved = path.read_text(encoding="utf-8")
    assert (
        "Hello over real HTTP" in saved and "not found" in saved
    )  # the cells really ran and talked to the API
    assert MARKER not in saved
    for file in tmp_path.glob("history.sqlite*"):
        assert MARKER.encode() not in file.read_bytes(), file.name
