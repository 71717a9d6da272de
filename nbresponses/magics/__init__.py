"""The IPython side: ``%load_ext nbresponses`` registers `RespondMagics` (``%%respond`` and ``%respond``).

Loading also registers how a `Response` displays (`nbresponses.render.register_display`) and makes the
magic's session the one `nbresponses.last` and `nbresponses.usage` read (`nbresponses._active`). Everything
else (the client, the history, the views) loads on the first ``%%respond``, so loading stays cheap.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["load_ipython_extension", "protect_prompt_question_marks", "unload_ipython_extension"]

_LINE_MAGIC = re.compile(r"^(\s*)%respond\s+(.*?)(\r?\n?)$")


def protect_prompt_question_marks(lines: list[str]) -> list[str]:
    """Send ``%respond What is X?`` to the magic instead of IPython's ``X?`` help.

    IPython reads a trailing ``?`` as a help request for the last word; a prompt is a question, so lines of the
    line magic are turned into the call IPython would make, with the text intact.
    """
    out = []
    for line in lines:
        match = _LINE_MAGIC.match(line)
        if match and match.group(2).rstrip().endswith("?"):
            indent, text, end = match.groups()
            out.append(f"{indent}get_ipython().run_line_magic('respond', {text!r}){end or ''}")
        else:
            out.append(line)
    return out


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%respond`` / ``%respond`` in ``ipython`` (called by ``%load_ext nbresponses``)."""
    from nbresponses._active import register_session
    from nbresponses.render import register_display

    from ._magic import RespondMagics

    if "RespondMagics" in ipython.magics_manager.registry:
        return  # loading twice keeps the first instance and its state
    magics = RespondMagics(shell=ipython)
    ipython.register_magics(magics)
    register_session(magics.session)
    register_display(ipython)
    transforms = ipython.input_transformer_manager.line_transforms
    if protect_prompt_question_marks not in transforms:
        transforms.append(protect_prompt_question_marks)


def unload_ipython_extension(ipython: Any) -> None:
    """Release the magic's client and history file (``%unload_ext nbresponses``)."""
    from nbresponses._active import unregister_session
    from nbresponses.render import unregister_display

    magics = ipython.magics_manager.registry.pop("RespondMagics", None)
    if magics is not None:
        unregister_session(magics.session)
        unregister_display(ipython)
        magics.close()
        for kind in ("line", "cell"):
            ipython.magics_manager.magics[kind].pop("respond", None)
    transforms = ipython.input_transformer_manager.line_transforms
    if protect_prompt_question_marks in transforms:
        transforms.remove(protect_prompt_question_marks)
