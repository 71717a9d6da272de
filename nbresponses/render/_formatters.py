"""How a `Response` shows itself in IPython: registered with IPython's display formatters by this layer.

The types never import the render layer; ``%load_ext nbresponses`` calls `register_display`, which tells the
shell's mimebundle formatter to show any `nbresponses.types.response.Response` (by name: registering imports
no model) as the same safe HTML, Markdown and text the magic leaves in a cell, with its repr as the text.
"""

from __future__ import annotations

from typing import Any

__all__ = ["register_display", "response_mimebundle", "unregister_display"]

_MODULE, _NAME = "nbresponses.types.response", "Response"


def response_mimebundle(response: Any) -> dict[str, str]:
    """A response's rich display: safe HTML and Markdown renderings (answer, tool cards), with a text fallback."""
    from ._bundle import response_bundle

    return {**response_bundle(response), "text/plain": repr(response)}


def register_display(shell: Any) -> None:
    """Show every `Response` displayed in ``shell`` as `response_mimebundle` (idempotent)."""
    shell.display_formatter.mimebundle_formatter.for_type_by_name(_MODULE, _NAME, response_mimebundle)


def unregister_display(shell: Any) -> None:
    """Undo `register_display` (``%unload_ext nbresponses``)."""
    formatter = shell.display_formatter.mimebundle_formatter
    formatter.deferred_printers.pop((_MODULE, _NAME), None)
    for cls in list(formatter.type_printers):
        if (cls.__module__, cls.__name__) == (_MODULE, _NAME):
            formatter.type_printers.pop(cls)
