"""Stopping a server started by a test: ask it to end, then insist."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen[bytes], *, grace: float = 15) -> None:
    """Terminate ``process``, kill it if it is still running after ``grace`` seconds, and reap it."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)
