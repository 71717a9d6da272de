"""Tests of nbresponses.store._owners (through the store): turns of processes that ended are closed, another
running process holds its thread, and re-runs replace only within a kernel lineage."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbresponses.store import HistoryStore
from nbresponses.store._owners import BUSY_LIMIT_S, HeadMoved, ThreadBusy
from nbresponses.store._processes import current_process

NB = "nb"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "h.sqlite") as opened:
        yield opened


@pytest.fixture
def other_kernel() -> Iterator[int]:
    """The pid of another process that keeps running (another kernel on the same notebook)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def owned_by(store: HistoryStore, turn_id: int, pid: int, *, started: float | None = None) -> None:
    """Rewrite a row as if process ``pid`` of this host had written it."""
    with store._write() as conn:  # noqa: SLF001
        sql = "UPDATE turns SET owner_pid = ?, owner_started = ? WHERE id = ?"
        conn.execute(sql, (pid, started, turn_id))


def turn(store: HistoryStore, cell: str | None, *, finish: bool = True, **kwargs: object) -> int:
    parent = store.parent_for(NB, "default", cell)
    began = store.begin_turn(NB, parent_id=parent.id if parent else None, cell_id=cell, prompt=cell, **kwargs)
    if finish:
        store.finish_turn(began.id, status="completed", response={"id": f"resp_{began.id}"})
    return began.id


def test_turns_record_their_process(store: HistoryStore) -> None:
    me = current_process()
    assert store.get_turn(turn(store, "a")).owner == me


def test_running_turns_of_processes_that_ended_become_interrupted_on_open(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with HistoryStore(path) as store:
        done = turn(store, "a")
        crashed = turn(store, "b", finish=False)
        owned_by(store, crashed, dead_pid())
        mine = turn(store, "c", finish=False)  # this process still runs: its turn is left alone
    with HistoryStore(path) as reopened:
        assert reopened.get_turn(crashed).status == "interrupted"
        assert reopened.get_turn(crashed).error_type == "ProcessEnded"
        assert reopened.get_turn(mine).status == "in_progress"
        assert reopened.parent_for(NB, "default", "d").id == done  # an interrupted turn is never a parent


def test_another_running_process_holds_its_thread(store: HistoryStore, other_kernel: int) -> None:
    head = store.get_turn(turn(store, "a"))
    theirs = turn(store, "b", finish=False)
    owned_by(store, theirs, other_kernel, started=None)
    with pytest.raises(ThreadBusy) as busy:
        store.begin_turn(NB, parent_id=head.id, cell_id="c", expected_head=head.id)
    assert busy.value.owner.pid == other_kernel and busy.value.turn_id == theirs
    store.begin_turn(NB, "other thread", parent_id=None, expected_head=None)  # other threads are free
    store.finish_turn(theirs, status="completed", response={"id": "resp_theirs"})
    with pytest.raises(HeadMoved):  # their turn moved the head: the request must be built again
        store.begin_turn(NB, parent_id=head.id, cell_id="c", expected_head=head.id)
    assert store.begin_turn(NB, parent_id=theirs, cell_id="c", expected_head=theirs).parent_id == theirs


def test_a_stuck_turn_or_one_of_a_process_that_ended_does_not_hold_the_thread(
    tmp_path: Path, other_kernel: int
) -> None:
    clock = [1000.0]
    with HistoryStore(tmp_path / "h.sqlite", clock=lambda: clock[0]) as store:
        stuck = turn(store, "a", finish=False)
        owned_by(store, stuck, other_kernel)
        crashed = turn(store, "b", finish=False)
        owned_by(store, crashed, dead_pid())
        clock[0] += BUSY_LIMIT_S + 1
        store.begin_turn(NB, parent_id=None, cell_id="c", expected_head=None)
        assert store.get_turn(crashed).status == "interrupted"  # closed on the way
        assert store.get_turn(stuck).status == "in_progress"  # its process still runs: only not waited for


def test_a_rerun_replaces_within_its_lineage_only(store: HistoryStore, other_kernel: int) -> None:
    a = turn(store, "a")
    b = turn(store, "b")
    assert store.parent_for(NB, "default", "b").id == a  # my own cell: a re-run replaces it
    owned_by(store, b, dead_pid())
    assert store.parent_for(NB, "default", "b").id == a  # a restarted kernel's predecessor: still its lineage
    owned_by(store, b, other_kernel)
    assert store.parent_for(NB, "default", "b").id == b  # another running kernel's cell b: append after it
    c = turn(store, "c")
    assert store.parent_for(NB, "default", "a").id == c  # re-running a would supersede their b: append
    assert all(t.superseded_by is None for t in store.history(NB))
