"""Run ``python -m nbresponses.offline`` as its own process on a free loopback port, as a user would."""

from __future__ import annotations

import contextlib
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator

from tests.processes import stop

_URL = re.compile(rb"http://127\.0\.0\.1:(\d+)/v1")


@contextlib.contextmanager
def offline_process(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:PORT/v1``) of a running offline server; stop it afterwards."""
    command = [sys.executable, "-m", "nbresponses.offline", "--host", "127.0.0.1", "--port", "0", *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        deadline = time.monotonic() + 60
        line = b""
        while not line.endswith(b"\n"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the offline server did not start: {process.stderr.read().decode()[-2000:]}"
                )
            ready, _, _ = select.select([process.stdout], [], [], 0.1)
            if ready:
                line += os.read(process.stdout.fileno(), 4096)
        found = _URL.search(line)
        assert found is not None, line
        yield f"http://127.0.0.1:{int(found.group(1))}/v1"
    finally:
        stop(process)
        process.stdout.close()
        process.stderr.close()
