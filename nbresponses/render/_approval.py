"""Approval buttons that work while the cell is still running.

A kernel runs one cell at a time on its main thread, and button clicks arrive as comm messages that wait behind
the running cell: a cell that waits for a click never sees it. ipykernel 7 has *subshells* (threads with their
own event loop) and routes a comm's replies to the subshell that last published on it, so the buttons' comms
are routed to a subshell made for the question: the click is handled there while the cell waits.

That routing is ipykernel's own machinery, reached through private names; `comm_route` returns None wherever
it is missing (another kernel, an older ipykernel, terminal IPython), and the caller falls back to ``input()``.
Only when no one can answer (a headless run: the execute request does not allow stdin) is the call denied.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import html
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import ipywidgets as widgets

from ._base import Decision, running_kernel

__all__ = ["ApprovalCard", "comm_route"]

_SETUP_TIMEOUT = 5.0  # seconds for ipykernel's shell-channel thread to start or stop a subshell


def _on_shell_channel(kernel: Any, action: Callable[[], Any]) -> Any:
    """Run ``action`` on ipykernel's shell-channel thread (where subshells are made) and return its result."""
    thread = kernel.shell_channel_thread
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def run() -> None:
        try:
            done.set_result(action())
        except BaseException as error:
            done.set_exception(error)

    thread.io_loop.add_callback(run)
    return done.result(timeout=_SETUP_TIMEOUT)


@contextlib.contextmanager
def _routed(kernel: Any, comms: Sequence[Any]) -> Iterator[None]:
    manager = kernel.shell_channel_thread.manager
    subshell_id = _on_shell_channel(kernel, manager._create_subshell)
    try:
        for comm in comms:
            comm._reply_subshell_id = subshell_id
        yield
    finally:
        for comm in comms:
            comm._reply_subshell_id = None
        with contextlib.suppress(Exception):
            _on_shell_channel(kernel, lambda: manager._delete_subshell(subshell_id))


def comm_route(comms: Sequence[Any]) -> contextlib.AbstractContextManager[None] | None:
    """A context in which messages from the frontend to ``comms`` are handled although the cell is running.

    None where the kernel cannot do it (then ask with ``input()`` instead).
    """
    kernel = running_kernel()
    if kernel is None or not getattr(kernel, "_supports_kernel_subshells", False):
        return None
    thread = getattr(kernel, "shell_channel_thread", None)
    if thread is None or not hasattr(thread, "io_loop"):
        return None
    if not all(hasattr(comm, "_reply_subshell_for") for comm in comms):
        return None  # an ipykernel whose comms do not route replies
    return _routed(kernel, comms)


class ApprovalCard:
    """A card asking whether to run one tool call: Run, Run all (the rest of this cell's calls), Deny."""

    def __init__(self, name: str) -> None:
        # The arguments are on the call's own card, just above: the question does not repeat them.
        self.question = widgets.HTML(
            f"<b>🔐 Run</b> <code>{html.escape(name)}</code> with the arguments on its card above?"
        )
        self.run = widgets.Button(description="Run", button_style="success", icon="play")
        self.run_all = widgets.Button(description="Run all", tooltip="Run this and the cell's next calls")
        self.deny = widgets.Button(description="Deny", button_style="danger", icon="ban")
        self.buttons = (self.run, self.run_all, self.deny)
        self.box = widgets.VBox([self.question, widgets.HBox(list(self.buttons))])
        self.box.layout.border = "1px solid color-mix(in srgb, currentColor 65%, transparent)"  # see _theme
        self.box.layout.padding = "4px 10px"
        self.decision: Decision | None = None
        self._decided = threading.Event()
        decisions: tuple[Decision, ...] = ("run", "run_all", "deny")
        for button, decision in zip(self.buttons, decisions, strict=True):
            button.on_click(self._choose(decision))

    @property
    def comms(self) -> list[Any]:
        """The comms the frontend answers on."""
        return [button.comm for button in self.buttons if button.comm is not None]

    def _choose(self, decision: Decision) -> Callable[[Any], None]:
        def chosen(_button: Any) -> None:
            if self.decision is None:
                self.decision = decision
                self._decided.set()

        return chosen

    def wait(self, poll: float = 0.1) -> Decision:
        """Block until a button is clicked (short waits, so Ctrl-C interrupts at once)."""
        while not self._decided.wait(poll):
            pass
        assert self.decision is not None
        return self.decision

    def close(self) -> None:
        """Close the card's widgets (their comms with the frontend)."""
        for widget in (*self.buttons, self.question, *self.box.children, self.box):
            widget.close()
