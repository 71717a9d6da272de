"""Tests of nbresponses.store._processes: which process wrote a row, and whether it still runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace

import pytest

from nbresponses.store._processes import ProcessId, current_process, is_running


def test_this_process_runs() -> None:
    me = current_process()
    assert me.pid == os.getpid() and me.host
    assert is_running(me)
    assert current_process() is me  # computed once


def test_another_hosts_process_is_assumed_to_run() -> None:
    assert is_running(ProcessId("another-host.invalid", 1, None))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_process_that_ended_or_was_killed_does_not_run() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = ProcessId(current_process().host, child.pid, None)
        assert is_running(alive)
        child.send_signal(signal.SIGKILL)
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # dead, not reaped yet: a zombie
        assert not is_running(alive)
    finally:
        child.kill()
        child.wait()
    assert not is_running(alive)  # reaped: no such pid


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="start times come from /proc")
def test_a_reused_pid_is_not_the_process_that_wrote_the_row() -> None:
    me = current_process()
    assert me.started is not None
    assert not is_running(replace(me, pid=os.getppid(), started=me.started + 12345))
    assert is_running(ProcessId(me.host, os.getppid(), None))  # no start time recorded: the pid decides
