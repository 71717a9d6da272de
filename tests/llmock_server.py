"""Start llmock (the independent Responses API mock from PyPI) on 127.0.0.1 in a subprocess, for peer tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.processes import stop


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _executable() -> list[str]:
    found = shutil.which("llmock", path=str(Path(sys.executable).parent)) or shutil.which("llmock")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("llmock is not installed (pip install -e '.[dev]')")
        pytest.skip("llmock is not installed")
    return [found]


@contextlib.contextmanager
def llmock_server() -> Iterator[str]:
    """Yield the root URL of a running llmock; kill it afterwards and check it is gone."""
    port = _free_port()
    command = [*_executable(), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"llmock exited: {process.stderr.read().decode()[-2000:] if process.stderr else ''}"
                )
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("llmock did not start within 60 s")
            time.sleep(0.05)
        yield root
    finally:
        stop(process)
        if process.stderr is not None:
            process.stderr.close()
        assert process.returncode is not None, "llmock is still running"


def add_scenario(root: str, *behaviors: dict[str, Any]) -> None:
    """Queue llmock behaviours (its admin API) for the next requests."""
    with httpx2.Client(timeout=10) as http:
        http.post(f"{root}/_llmock/scenario", json={"behaviors": list(behaviors)}).raise_for_status()


def clear_scenario(root: str) -> None:
    """Drop behaviours a test left queued."""
    with httpx2.Client(timeout=10) as http:
        http.delete(f"{root}/_llmock/scenario").raise_for_status()
