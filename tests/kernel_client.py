"""Drive a real IPython kernel the way JupyterLab does (execute_request with metadata.cellId)."""

from __future__ import annotations

import json
import os
import queue
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from jupyter_client.manager import KernelManager


class Kernel:
    """A started kernel and a blocking client."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.env = dict(env)
        self.manager.start_kernel(env=self.env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        self.last_reply: dict[str, Any] = {}
        """The ``execute_reply`` content of the last `execute` (``status``, ``ename`` of a UsageError too)."""

    def execute(
        self, code: str, *, cell_id: str | None = None, timeout: float = 60, allow_stdin: bool = False
    ) -> list[dict[str, Any]]:
        """Run code (as the cell ``cell_id``); return its iopub messages up to idle. Raises on a Python error.

        ``allow_stdin`` is False as nbclient sends it (a headless run); JupyterLab sends True.
        """
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": allow_stdin, "stop_on_error": True}  # fmt: skip
        message = self.client.session.msg(
            "execute_request", content, metadata={"cellId": cell_id} if cell_id else {}
        )
        self.client.shell_channel.send(message)
        msg_id = message["header"]["msg_id"]
        outputs: list[dict[str, Any]] = []
        while True:
            try:
                reply = self.client.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(
                    f"no output from the kernel within {timeout} s for {code[:60]!r}"
                ) from None
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            kind = reply["msg_type"]
            if kind == "status" and reply["content"]["execution_state"] == "idle":
                self.last_reply = self._reply(msg_id, timeout)
                return outputs
            if kind in ("stream", "display_data", "update_display_data", "execute_result", "error"):
                outputs.append({"msg_type": kind, **reply["content"]})

    def _reply(self, msg_id: str, timeout: float) -> dict[str, Any]:
        while True:
            message = self.client.get_shell_msg(timeout=timeout)
            if message["parent_header"].get("msg_id") == msg_id:
                return dict(message["content"])

    def interrupt_when_shown(self, code: str, text: str) -> list[dict[str, Any]]:
        """Run ``code``; once ``text`` is in an output (widget state, display, stream), interrupt the kernel."""
        msg_id = self.client.execute(code)
        outputs: list[dict[str, Any]] = []
        interrupted = False
        while True:
            message = self.client.get_iopub_msg(timeout=60)  # a hang guard, not a timing assertion
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "status" and content["execution_state"] == "idle":
                self.last_reply = self._reply(msg_id, 60)
                return outputs
            outputs.append({"msg_type": kind, **content})
            if not interrupted and text in json.dumps(content):
                self.manager.interrupt_kernel()
                interrupted = True

    def reply(self) -> dict[str, Any]:
        """The execute_reply content of the last `execute`, with its payloads (``set_next_input``, ``page``)."""
        return self.last_reply

    def value(self, expression: str) -> Any:
        """The JSON value of an expression evaluated in the kernel."""
        outputs = self.execute(f"import json as _json; print(_json.dumps({expression}))")
        errors = [o for o in outputs if o["msg_type"] == "error"]
        assert not errors, errors
        return json.loads(
            "".join(o["text"] for o in outputs if o["msg_type"] == "stream" and o["name"] == "stdout")
        )

    def restart(self) -> None:
        self.client.stop_channels()
        self.manager.restart_kernel(now=True, env=self.env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@contextmanager
def kernel(**env: str) -> Iterator[Kernel]:
    """A kernel with the offline backend, a private history file and the given extra environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    started = Kernel({**base, **env})
    try:
        yield started
    finally:
        started.shutdown()
