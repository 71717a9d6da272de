"""``-f/--format code|markdown|json|text``: what the answer becomes once the turn is over.

``code`` puts the answer's code in a new cell below (IPython's ``set_next_input``: JupyterLab, Notebook 7 and
VS Code add the cell; terminal IPython fills the next prompt) and says so; ``json`` shows the parsed object as
JSON; ``text`` and ``markdown`` choose the live view.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from IPython.display import display

if TYPE_CHECKING:
    from nbresponses.types.response import Response

    from ._magic import RespondMagics
    from ._options import RespondOptions

__all__ = ["deliver", "view_mode"]


def view_mode(options: RespondOptions, configured: str) -> str:
    """The live view of this turn: ``-f text`` prints plain text, ``-f markdown`` updates Markdown in place."""
    if options.format in ("text", "markdown"):
        return options.format
    return configured


def _where(shell: Any) -> str:
    if type(shell).__name__ == "TerminalInteractiveShell":
        return "at the next prompt"
    return "in a new cell below"


def _blocks(count: int) -> str:
    if count == 0:
        return "The answer (bare code, no code block)"
    return "The answer's code" if count == 1 else f"The answer's {count} code blocks, joined,"


def code_to_next_cell(magics: RespondMagics, response: Response) -> str:
    """Put the answer's code in a new cell below; return the sentence that says what happened."""
    from ._codeblocks import notebook_code

    found = notebook_code(response.output_text)
    if not found.code.strip():
        return "The answer has no code block, so no cell was added."
    from nbresponses.render import interactive_frontend

    if type(magics.shell).__name__ != "TerminalInteractiveShell" and not interactive_frontend():
        # nbclient, papermill, nbval: no frontend takes set_next_input's payload, so no cell would appear
        said = f"{_blocks(found.blocks)} is not added as a cell: this run has no frontend to add it (a headless run)."
        if found.left_out:
            said += " Blocks in other languages were left out."
        return said + " The code is in the answer above and in _r.output_text."
    if magics.shell is not None:
        magics.shell.set_next_input(found.code, replace=False)
    said = f"{_blocks(found.blocks)} is {_where(magics.shell)}: check it before running it."
    if found.left_out:
        kinds = ", ".join(sorted({language or "plain" for language in found.left_out}))
        said += f" Blocks in other languages ({kinds}) were left out."
    from nbresponses.types.response import end_status

    if end_status(response.status) == "incomplete":
        said += " The answer was cut off, so the code may end early."
    return said


def _json_value(parsed: Any) -> Any:
    dump = getattr(parsed, "model_dump", None)
    return dump(mode="json") if callable(dump) else parsed


def show_json(parsed: Any) -> None:
    """Show a parsed answer as JSON (a collapsible tree in JupyterLab; indented text elsewhere)."""
    value = _json_value(parsed)
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    bundle: dict[str, Any] = {"text/plain": text}
    if isinstance(value, dict | list):
        bundle["application/json"] = value
    display(bundle, raw=True)


def deliver(magics: RespondMagics, options: RespondOptions, response: Response) -> list[str]:
    """Do what ``-f`` asks with a finished answer; return the notices to show."""
    if options.format == "code":
        return [code_to_next_cell(magics, response)]
    if options.format == "json" and response.parsed is not None:
        show_json(response.parsed)
    return []
