"""The IPython side: ``%load_ext nbresponses`` registers `RespondMagics` (``%%respond`` and ``%respond``)."""

from __future__ import annotations

from typing import Any

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%respond`` / ``%respond`` in ``ipython`` (called by ``%load_ext nbresponses``)."""
    from ._magic import RespondMagics

    if "RespondMagics" in ipython.magics_manager.registry:
        return  # loading twice keeps the first instance and its state
    ipython.register_magics(RespondMagics(shell=ipython))


def unload_ipython_extension(ipython: Any) -> None:
    """Release the magic's client and history file (``%unload_ext nbresponses``)."""
    magics = ipython.magics_manager.registry.pop("RespondMagics", None)
    if magics is not None:
        magics.close()
        for kind in ("line", "cell"):
            ipython.magics_manager.magics[kind].pop("respond", None)
