"""Which process wrote a history row, and whether it still runs (stdlib only, no third-party process library).

A process is named by its host, its pid and, where the system tells it, its start time, so that a pid reused by
a later process is not mistaken for the one that wrote the row.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from functools import cache

__all__ = ["ProcessId", "current_process", "is_running"]


@dataclass(frozen=True)
class ProcessId:
    """A process on a host: ``started`` is its start time in the system's own units, when known."""

    host: str
    pid: int
    started: float | None = None


def _linux_stat(pid: int) -> tuple[str, float] | None:
    """The state (field 3) and start time (field 22: clock ticks after boot) of ``/proc/PID/stat``."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
    fields = text[text.rfind(b")") + 2 :].split()
    try:
        return fields[0].decode(), float(fields[19])
    except (IndexError, ValueError, UnicodeDecodeError):
        return None


@cache
def current_process() -> ProcessId:
    """This process (computed once: a process's identity does not change)."""
    pid = os.getpid()
    stat = _linux_stat(pid) if sys.platform.startswith("linux") else None
    return ProcessId(socket.gethostname(), pid, stat[1] if stat else None)


def _pid_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return bool(ok) and code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    except OSError:
        return False
    return True


def is_running(process: ProcessId) -> bool:
    """Whether ``process`` still runs, as far as this host can tell; another host's process counts as running."""
    if process.host != current_process().host:
        return True  # cannot be checked from here: assume it may still be running
    if process.pid == os.getpid():
        return process.started is None or process.started == current_process().started
    if not _pid_exists(process.pid):
        return False
    if sys.platform.startswith("linux") and (stat := _linux_stat(process.pid)) is not None:
        state, started = stat
        if state in ("Z", "X"):  # killed, not yet reaped by its parent: it runs no more
            return False
        return process.started is None or started == process.started  # else the pid was reused
    return True
