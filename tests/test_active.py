"""Tests of nbresponses._active: the loaded magic's session, read by `nbresponses.last` and `usage`."""

from __future__ import annotations

import gc

import nbresponses
from nbresponses._active import active_session, register_session, unregister_session
from nbresponses.types.response import Response
from tests.magic_shell import Shell, ipython  # noqa: F401


class Session:
    def __init__(self, notebook: str) -> None:
        self.notebook: str | None = notebook
        self.last_response: Response | None = None


def test_register_unregister_and_a_session_that_is_gone() -> None:
    first, second = Session("a.ipynb"), Session("b.ipynb")
    register_session(first)
    assert active_session() is first
    register_session(second)
    unregister_session(first)  # not the active one: nothing changes
    assert active_session() is second
    unregister_session(second)
    assert active_session() is None and nbresponses.last() is None
    third = Session("c.ipynb")
    register_session(third)
    del third
    gc.collect()
    assert active_session() is None  # only a weak reference is kept


def test_the_loaded_magic_is_what_last_and_usage_read(ipython: Shell) -> None:  # noqa: F811
    assert active_session() is ipython.magics.session
    ipython.run("%%respond\nHello there")
    assert nbresponses.last() is ipython.ns["_r"]
    rows = nbresponses.usage(as_frame=False)
    assert [row.notebook for row in rows] == [ipython.magics.session.notebook]
