"""Running an ``async def`` tool from the synchronous tool loop, on the event loop its objects belong to.

In a Jupyter kernel a cell runs *inside* the kernel's event loop: the loop's thread is busy running the cell, so
``asyncio.run`` cannot be used there, and running the coroutine on a new loop in another thread breaks every
asyncio object the notebook made earlier (a lock, a queue, an ``httpx.AsyncClient``, a future: "attached to a
different loop"). So the coroutine runs on the kernel's own loop: this module steps that loop from inside the
cell until the coroutine is done (a nested run). While it runs, the loop's other work goes on too (timers,
sockets, widget messages); a new cell cannot start, because the kernel runs one cell at a time under its own
lock, which the running cell holds.

Stepping a running loop is what ``loop.run_until_complete`` refuses to do, so it uses private parts of asyncio
that have not changed since Python 3.7: ``BaseEventLoop._run_once`` (one pass of the loop), its ``_ready`` queue,
and ``asyncio.tasks._enter_task`` / ``_leave_task`` (the cell's task is set aside while the tool's task steps,
then set back). Unlike ``nest_asyncio`` (which ipykernel ships for its Tk loop), nothing is patched: the
nesting lasts as long as the tool runs. A loop without ``_run_once`` (uvloop) falls back to a loop of its own
in a thread, as before.

Where no loop runs in this thread (a script, terminal IPython), the coroutine runs on ``loop`` when given
(IPython's own loop, on which its top-level ``await`` ran earlier cells) or else with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

__all__ = ["run_coroutine"]

_T = TypeVar("_T")
_CANCEL_GRACE_S = 1.0  # after Ctrl-C, how long a cancelled tool may take to run its cleanup


def _as_coroutine(awaitable: Awaitable[_T]) -> Coroutine[Any, Any, _T]:
    if asyncio.iscoroutine(awaitable):
        return awaitable

    async def wait() -> _T:
        return await awaitable

    return wait()


def _nested(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[_T]) -> _T:
    """Run ``awaitable`` on ``loop``, which is running in this thread (we were called from one of its callbacks).

    The loop is in the middle of a pass over its ready callbacks (the cell's task step is one of them), and
    that pass goes on popping the callbacks it counted once we return: so the callbacks ready now are set
    aside for that pass, the nested passes see only what becomes ready while the tool runs, and the set-aside
    ones are put back in front, in order, before returning.
    """
    ready: deque[Any] = loop._ready  # type: ignore[attr-defined]
    held = list(ready)
    ready.clear()
    outer = asyncio.current_task(loop)
    if outer is not None:
        asyncio.tasks._leave_task(loop, outer)
    task = asyncio.ensure_future(awaitable, loop=loop)
    try:
        try:
            while not task.done():
                loop._run_once()  # type: ignore[attr-defined]
        except BaseException:  # Ctrl-C, or a loop callback that raised through: stop the tool, then go on up
            task.cancel()
            deadline = time.monotonic() + _CANCEL_GRACE_S
            while not task.done() and time.monotonic() < deadline:
                wake = loop.call_later(0.05, lambda: None)  # select() never waits longer than this
                loop._run_once()  # type: ignore[attr-defined]
                wake.cancel()
            raise
    finally:
        if outer is not None:
            asyncio.tasks._enter_task(loop, outer)
        ready.extendleft(reversed(held))
    return task.result()


def _in_own_thread(awaitable: Awaitable[_T]) -> _T:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(_as_coroutine(awaitable))
        except BaseException as error:  # handed back to the caller's thread
            result["error"] = error

    thread = threading.Thread(target=run, name="nbresponses-async-tool", daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]  # type: ignore[no-any-return]


def run_coroutine(awaitable: Awaitable[_T], *, loop: asyncio.AbstractEventLoop | None = None) -> _T:
    """Run ``awaitable`` to completion from synchronous code and return its result.

    Args:
        awaitable: the coroutine (or other awaitable) an async tool returned.
        loop: where to run it when no loop is running in this thread (e.g. IPython's loop in a terminal).
    """
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None:
        if hasattr(running, "_run_once"):
            return _nested(running, awaitable)
        return _in_own_thread(awaitable)
    if loop is not None and not loop.is_closed() and not loop.is_running():
        return loop.run_until_complete(_as_coroutine(awaitable))
    return asyncio.run(_as_coroutine(awaitable))
