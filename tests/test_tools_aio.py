"""nbresponses.tools._aio: a tool's coroutine run from synchronous code on the loop its objects belong to."""

from __future__ import annotations

import asyncio
import signal
import threading
from typing import Any

import pytest

from nbresponses.tools._aio import run_coroutine


async def double(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


def test_without_a_loop_it_is_asyncio_run() -> None:
    assert run_coroutine(double(4)) == 8


def test_a_given_loop_that_is_not_running_is_used() -> None:
    loop = asyncio.new_event_loop()
    try:
        queue: asyncio.Queue[str] = asyncio.Queue()
        loop.run_until_complete(queue.put("from an earlier cell"))  # terminal IPython's top-level await

        async def take() -> str:
            return await asyncio.wait_for(queue.get(), 5)

        assert run_coroutine(take(), loop=loop) == "from an earlier cell"
    finally:
        loop.close()


def test_inside_a_running_loop_it_runs_nested_on_that_loop() -> None:
    order: list[str] = []

    async def cell() -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        loop.call_soon(order.append, "ready before the tool")  # set aside, run after the cell step
        loop.call_later(0.01, future.set_result, "earlier cell's future")
        outer = asyncio.current_task()

        async def tool() -> str:
            order.append("tool")
            assert asyncio.current_task() is not outer
            return await future

        value = run_coroutine(tool())  # synchronous, as the magic is
        assert asyncio.current_task() is outer  # the cell's task is back
        order.append("cell goes on")
        await asyncio.sleep(0)
        return value

    assert asyncio.run(cell()) == "earlier cell's future"
    assert order == ["tool", "cell goes on", "ready before the tool"]


def test_an_exception_of_the_coroutine_reaches_the_caller() -> None:
    async def fail() -> None:
        raise ValueError("bad")

    async def cell() -> None:
        with pytest.raises(ValueError, match="bad"):
            run_coroutine(fail())

    asyncio.run(cell())


def test_ctrl_c_cancels_the_nested_tool_and_reaches_the_cell() -> None:
    cleaned: list[str] = []

    async def stuck() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned.append("cleaned up")

    async def cell() -> str:
        loop = asyncio.get_running_loop()
        # A kernel interrupt is SIGINT to the kernel's main thread: Python raises KeyboardInterrupt there.
        main = threading.main_thread().ident
        threading.Timer(0.05, signal.pthread_kill, (main, signal.SIGINT)).start()
        try:
            run_coroutine(stuck())
        except KeyboardInterrupt:
            pass
        await asyncio.sleep(0)  # the loop still works
        return "interrupted" if loop.is_running() else "?"

    # Not asyncio.run: it turns SIGINT into a cancellation; a kernel's sync cell gets KeyboardInterrupt.
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(cell()) == "interrupted"
    finally:
        loop.close()
    assert cleaned == ["cleaned up"]


# ----- in a real kernel: the tool awaits what earlier cells made on the kernel's loop -----

TOOL = '''
import nbresponses

@nbresponses.tool
async def fetch_value(key: str) -> str:
    """Fetch the value of a key.

    Args:
        key: which value.
    """
    if not ready.done():
        loop.call_later(0.05, ready.set_result, 42)
    async with lock:
        got = await ready
    item = await queue.get()
    return f"{key}={got}, {item}, same loop: {asyncio.get_running_loop() is loop}"
'''


def test_an_async_tool_awaits_objects_of_earlier_cells_in_a_kernel(tmp_path: Any) -> None:
    from tests.kernel_client import kernel

    env = {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "h.sqlite")}
    with kernel(**env) as k:
        k.execute("%load_ext nbresponses")
        k.execute("import asyncio\nloop = asyncio.get_running_loop()\nready = loop.create_future()\n"
                  "lock = asyncio.Lock()\nqueue = asyncio.Queue()\nawait queue.put('queued earlier')")  # fmt: skip
        k.execute(TOOL)
        outputs = k.execute("%%respond --tools fetch_value\nPlease fetch the value for key x", cell_id="c1")
        assert not [o for o in outputs if o["msg_type"] == "error"], outputs
        text = k.value("_r.output_text")
        assert "=42, queued earlier, same loop: True" in text, text
        assert "different loop" not in text
        assert k.value("await asyncio.sleep(0, 'the loop still runs')") == "the loop still runs"


def test_interrupting_an_async_tool_in_a_kernel_cancels_it(tmp_path: Any) -> None:
    import queue as queues

    from nbresponses import testing
    from nbresponses.offline import create_app
    from tests.kernel_client import kernel
    from tests.loopback import serve

    backend = testing.OfflineBackend().script(
        [testing.function_call("wait_forever", {}), testing.text("never")]
    )
    env = {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": str(tmp_path / "h.sqlite")}
    with serve(create_app(backend.server)) as base_url, kernel(**env) as k:
        k.execute(f"%load_ext nbresponses\n%config RespondMagics.base_url = {base_url!r}")
        k.execute(
            "import asyncio, nbresponses\n"
            "stopped = []\n"
            "@nbresponses.tool\n"
            "async def wait_forever() -> str:\n"
            '    """Wait."""\n'
            "    try:  # the interrupt may land anywhere after the print: inside the try\n"
            "        print('tool started', flush=True)\n"
            "        await asyncio.sleep(3600)\n"
            "    finally:\n"
            "        stopped.append('the tool was stopped')\n"
            "    return 'never'"
        )
        msg_id = k.client.execute("%%respond --tools wait_forever\nwait", allow_stdin=False)
        interrupted = False
        errors = []
        while True:
            try:
                message = k.client.get_iopub_msg(timeout=30)  # a hang guard, not a timing assertion
            except queues.Empty:
                pytest.fail("the cell did not end after the interrupt")
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            content = message["content"]
            if (
                message["msg_type"] == "stream"
                and "tool started" in content.get("text", "")
                and not interrupted
            ):
                k.manager.interrupt_kernel()
                interrupted = True
            if message["msg_type"] == "error":
                errors.append(content)
            if message["msg_type"] == "status" and content["execution_state"] == "idle":
                break
        assert interrupted and errors and errors[0]["ename"] == "TurnInterrupted"
        assert k.value("stopped") == ["the tool was stopped"]
        assert k.value("1 + 1") == 2
        assert len(backend.requests) == 1  # the tool never finished: no output was sent
