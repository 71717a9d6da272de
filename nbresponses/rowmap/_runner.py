"""Running a map's event loop from synchronous code, where Ctrl-C must stop it and keep what was done.

A notebook cell already runs inside the kernel's event loop, so the map gets a loop of its own in a worker
thread; the calling thread waits for it in short steps, calling back between them (a progress view refreshing
at most ``1 / tick`` times a second, from the thread that owns the display), and turns a ``KeyboardInterrupt``
(the kernel's interrupt arrives in that thread) into cancelling the map's task, which then keeps and records its
answered rows and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["run_blocking"]

T = TypeVar("T")


def run_blocking(
    make: Callable[[], Awaitable[T]], *, on_tick: Callable[[], None] | None = None, tick: float = 0.1
) -> tuple[T, bool]:
    """Run the coroutine ``make()`` in a new event loop in a worker thread; return its result and whether the
    wait was interrupted (Ctrl-C cancelled the coroutine, which should then return what it has).

    Raises:
        BaseException: whatever the coroutine raised.
    """
    state: dict[str, Any] = {}
    ready = threading.Event()
    cancel = threading.Event()
    # Waited on instead of Thread.join: a join interrupted by Ctrl-C can report a running thread as stopped.
    finished = threading.Event()

    async def main() -> T:
        state["loop"], state["task"] = asyncio.get_running_loop(), asyncio.current_task()
        ready.set()
        if cancel.is_set():
            raise asyncio.CancelledError
        return await make()

    def target() -> None:
        try:
            state["result"] = asyncio.run(main())
        except BaseException as error:  # handed to the waiting thread
            state["error"] = error
        finally:
            ready.set()
            finished.set()

    thread = threading.Thread(target=target, name="nbresponses-map", daemon=True)
    thread.start()
    interrupted = False
    while not finished.is_set():
        try:
            if not finished.wait(tick) and on_tick is not None:
                on_tick()
        except KeyboardInterrupt:
            if not interrupted:
                interrupted = True
                cancel.set()
                ready.wait(5)
                loop, task = state.get("loop"), state.get("task")
                if loop is not None and task is not None:
                    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the map had finished
                        loop.call_soon_threadsafe(task.cancel)
    thread.join()
    if "error" in state:
        error = state["error"]
        if isinstance(error, asyncio.CancelledError):
            raise KeyboardInterrupt from None
        raise error
    return state["result"], interrupted
