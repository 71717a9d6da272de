"""A real IPython InteractiveShell with nbresponses loaded, for magic tests (no kernel)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output

from nbresponses.magics._magic import RespondMagics


class Shell:
    """An InteractiveShell, the RespondMagics instance and helpers to run cells and read outputs."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell
        self.magics: RespondMagics = shell.magics_manager.registry["RespondMagics"]
        self.views: list[Any] = []

    def run(self, cell: str, *, cell_id: str | None = None) -> tuple[Any, CapturedIO]:
        """Run a cell (with a cell id like JupyterLab sends); returns its result and captured output."""
        with capture_output(display=True) as captured:
            result = self.shell.run_cell(cell, store_history=True, cell_id=cell_id)
        return result, captured

    @property
    def ns(self) -> dict[str, Any]:
        return self.shell.user_ns  # type: ignore[no-any-return]

    def markdown(self, captured: CapturedIO) -> str:
        """Every text/markdown output of a run, joined."""
        return "\n".join(o.data.get("text/markdown", "") for o in captured.outputs)


@pytest.fixture
def ipython(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shell]:
    monkeypatch.setenv("NBRESPONSES_HISTORY", str(tmp_path / "history.sqlite"))
    monkeypatch.setenv("NBRESPONSES_BACKEND", "offline")
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "nbresponses")
    wrapped = Shell(shell)
    import nbresponses.render as render

    original = render.make_view

    def recording_make_view(*args: Any, **kwargs: Any) -> Any:
        view = original(*args, **kwargs)
        wrapped.views.append(view)
        return view

    monkeypatch.setattr(render, "make_view", recording_make_view)
    wrapped.magics.display = "markdown"
    yield wrapped
    shell.run_line_magic("unload_ext", "nbresponses")
    InteractiveShell.clear_instance()
