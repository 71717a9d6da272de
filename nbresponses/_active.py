"""The notebook session the magic serves in this process, for `nbresponses.last` and `nbresponses.usage`.

``%load_ext nbresponses`` registers the session of its `RespondMagics` here and ``%unload_ext`` removes it, so
those functions need neither IPython nor the magic's name. Only a weak reference is kept: the state itself
belongs to the magics instance (one per kernel), and a session that is gone reads as none.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .types.response import Response

__all__ = ["Session", "active_session", "register_session", "unregister_session"]


class Session(Protocol):
    """What the functions of `nbresponses` read from the active notebook session."""

    @property
    def last_response(self) -> Response | None: ...
    @property
    def notebook(self) -> str | None: ...


class _Active:
    """One weak reference to the active session (process-wide: there is one IPython shell per kernel)."""

    __slots__ = ("ref",)

    def __init__(self) -> None:
        self.ref: weakref.ReferenceType[Session] | None = None


_ACTIVE = _Active()


def register_session(session: Session) -> None:
    """Make ``session`` the active one (called when the extension is loaded)."""
    _ACTIVE.ref = weakref.ref(session)


def unregister_session(session: Session) -> None:
    """Forget ``session`` if it is the active one (called when the extension is unloaded)."""
    if active_session() is session:
        _ACTIVE.ref = None


def active_session() -> Session | None:
    """The session of the loaded extension, or None (no ``%load_ext nbresponses`` in this process)."""
    return _ACTIVE.ref() if _ACTIVE.ref is not None else None
