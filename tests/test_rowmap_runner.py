"""Running a map's event loop from synchronous code: results, errors, and Ctrl-C."""

from __future__ import annotations

import asyncio

import pytest

from nbresponses.rowmap._runner import run_blocking


def test_the_result_comes_back() -> None:
    async def work() -> int:
        await asyncio.sleep(0)
        return 42

    assert run_blocking(work) == (42, False)


def test_a_running_event_loop_is_no_obstacle() -> None:
    async def outer() -> int:  # like a notebook cell inside the kernel's loop
        async def inner() -> int:
            return 7

        return run_blocking(inner)[0]

    assert asyncio.run(outer()) == 7


def test_errors_are_raised_in_the_caller() -> None:
    async def broken() -> None:
        raise ValueError("nope")

    with pytest.raises(ValueError, match="nope"):
        run_blocking(broken)


def test_ctrl_c_cancels_the_coroutine_which_returns_what_it_has() -> None:
    ticks = []

    async def long() -> str:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            return "partial"
        return "all"

    def tick() -> None:
        ticks.append(1)
        raise KeyboardInterrupt

    assert run_blocking(long, on_tick=tick, tick=0.01) == ("partial", True)
    assert ticks == [1]


def test_a_coroutine_that_does_not_catch_the_cancel_raises_keyboard_interrupt() -> None:
    def tick() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_blocking(lambda: asyncio.sleep(60), on_tick=tick, tick=0.01)
