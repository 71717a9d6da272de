"""Tests of nbresponses.store._history (HistoryStore): the parent rule, supersession, threads, persistence, scrubbing,
concurrency."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sqlite3
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from nbresponses._exceptions import HistoryError, RateLimitError
from nbresponses.store import (
    SCHEMA_VERSION,
    HistoryStore,
    TurnRecord,
    TurnStatus,
    default_history_path,
    scrub,
)

NB = "/home/u/analysis.ipynb"
PLANTED_KEY = "sk-proj-" + "Zq8Xw2Lk9Vb4Nm7Rt1Yp3Hs6Jd0Fg5Ca"


def response(
    turn_id: int, text: str = "ok", *, tokens: int = 15, model: str = "gpt-test-2025"
) -> dict[str, Any]:
    return {
        "id": f"resp_{turn_id:04d}",
        "object": "response",
        "model": model,
        "status": "completed",
        "output": [
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}
        ],
        "usage": {
            "input_tokens": tokens - 5,
            "input_tokens_details": {"cached_tokens": 2},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 1},
            "total_tokens": tokens,
        },
    }


def run(
    store: HistoryStore,
    cell: str | None,
    *,
    thread: str = "default",
    status: TurnStatus = "completed",
    nb: str = NB,
) -> TurnRecord:
    """What the conversation layer does for one cell: parent, begin, finish."""
    parent = store.parent_for(nb, thread, cell)
    request = {
        "model": "gpt-test",
        "input": f"prompt of {cell}",
        "previous_response_id": parent.response_id if parent else None,
    }
    turn = store.begin_turn(
        nb,
        thread,
        parent_id=parent.id if parent else None,
        cell_id=cell,
        prompt=f"prompt of {cell}",
        request=request,
        input_items=[{"role": "user", "content": f"prompt of {cell}"}],
    )
    assert turn.status == "in_progress"
    if status in ("completed", "incomplete"):
        return store.finish_turn(turn.id, status=status, response=response(turn.id, f"answer to {cell}"))
    return store.finish_turn(turn.id, status=status, error=RuntimeError(f"{status} on purpose"))


@pytest.fixture
def store(tmp_path: Path) -> Any:
    ticks = itertools.count(1_700_000_000)
    with HistoryStore(tmp_path / "history.sqlite3", clock=lambda: float(next(ticks))) as opened:
        yield opened


# ----- the parent rule, as a table -----
# Each step runs a cell: label "B'" is a re-run of cell "B", "~n" has no cell id (terminal IPython).
# expected: (parent label or None) per step, the final active path, and the labels left superseded.
SCENARIOS: dict[str, tuple[list[tuple[str, TurnStatus, str | None]], str, str]] = {
    "append": ([("A", "completed", None), ("B", "completed", "A"), ("C", "completed", "B")], "A B C", ""),
    "re-run B replaces B and drops C": (
        [
            ("A", "completed", None),
            ("B", "completed", "A"),
            ("C", "completed", "B"),
            ("B'", "completed", "A"),
        ],
        "A B'",
        "B C",
    ),
    "C' then continues from B'": (
        [
            ("A", "completed", None),
            ("B", "completed", "A"),
            ("C", "completed", "B"),
            ("B'", "completed", "A"),
            ("C'", "completed", "B'"),
        ],
        "A B' C'",
        "B C",
    ),
    "re-run B twice": (
        [
            ("A", "completed", None),
            ("B", "completed", "A"),
            ("C", "completed", "B"),
            ("B'", "completed", "A"),
            ("B''", "completed", "A"),
        ],
        "A B''",
        "B C B'",
    ),
    "re-run A after C": (
        [
            ("A", "completed", None),
            ("B", "completed", "A"),
            ("C", "completed", "B"),
            ("A'", "completed", None),
        ],
        "A'",
        "A B C",
    ),
    "a failed turn is never a parent": (
        [("A", "completed", None), ("B", "failed", "A"), ("C", "completed", "A")],
        "A C",
        "",
    ),
    "re-run of a cell whose turn failed": (
        [("A", "completed", None), ("B", "failed", "A"), ("B'", "completed", "A")],
        "A B'",
        "",
    ),
    "a failed re-run changes nothing": (
        [
            ("A", "completed", None),
            ("B", "completed", "A"),
            ("C", "completed", "B"),
            ("B'", "failed", "A"),
            ("D", "completed", "C"),
        ],
        "A B C D",
        "",
    ),
    "failed re-run, then a good one": (
        [("A", "completed", None), ("B", "completed", "A"), ("B'", "failed", "A"), ("B''", "completed", "A")],
        "A B''",
        "B",
    ),
    "interrupted and cancelled turns are never parents": (
        [
            ("A", "completed", None),
            ("B", "interrupted", "A"),
            ("C", "cancelled", "A"),
            ("D", "completed", "A"),
        ],
        "A D",
        "",
    ),
    "an incomplete turn can be continued": (
        [("A", "incomplete", None), ("B", "completed", "A")],
        "A B",
        "",
    ),
    "no cell ids: turns append": (
        [
            ("~1", "completed", None),
            ("~2", "completed", "~1"),
            ("~3", "failed", "~2"),
            ("~4", "completed", "~2"),
        ],
        "~1 ~2 ~4",
        "",
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_parent_rule(store: HistoryStore, name: str) -> None:
    steps, expected_path, expected_superseded = SCENARIOS[name]
    label_of: dict[int, str] = {}
    for label, status, expected_parent in steps:
        cell = None if label.startswith("~") else label.rstrip("'")
        turn = run(store, cell, status=status)
        label_of[turn.id] = label
        assert (label_of[turn.parent_id] if turn.parent_id else None) == expected_parent, label
        assert turn.status == status
    assert [label_of[t.id] for t in store.active_path(NB)] == expected_path.split()
    history = store.history(NB)
    assert [label_of[t.id] for t in history] == [s[0] for s in steps]  # every turn kept, in order
    assert sorted(label_of[t.id] for t in history if t.superseded_by) == sorted(expected_superseded.split())


def test_superseded_turns_point_at_their_replacement(store: HistoryStore) -> None:
    a, b, c = run(store, "A"), run(store, "B"), run(store, "C")
    b2 = run(store, "B")
    assert b2.parent_id == a.id
    assert b2.previous_response_id == a.response_id
    by = {t.id: t.superseded_by for t in store.history(NB)}
    assert by == {a.id: None, b.id: b2.id, c.id: b2.id, b2.id: None}
    assert store.threads(NB)[0].head_response_id == b2.response_id
    assert [t.id for t in store.history(NB, include_superseded=False)] == [a.id, b2.id]


def test_interrupted_turn_keeps_error_and_partial_response(store: HistoryStore) -> None:
    a = run(store, "A")
    turn = store.begin_turn(NB, parent_id=a.id, cell_id="B", prompt="tell me a story")
    partial = {
        "id": "resp_partial",
        "object": "response",
        "status": "in_progress",
        "model": "gpt-test-2025",
        "output": [
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Once upon a"}],
            }
        ],
    }
    done = store.finish_turn(
        turn.id, status="interrupted", response=partial, first_token_at=123.0, error=KeyboardInterrupt()
    )
    assert (done.status, done.error_type, done.response_id, done.first_token_at) == (
        "interrupted",
        "KeyboardInterrupt",
        "resp_partial",
        123.0,
    )
    assert done.response is not None
    assert done.output_items[0]["content"][0]["text"] == "Once upon a"
    assert done.finished_at is not None and done.finished_at > done.started_at
    assert store.parent_for(NB, "default", "C") == a
    assert store.parent_for(NB, "default", "B") == a


def test_failed_turn_records_api_error(store: HistoryStore) -> None:
    turn = store.begin_turn(NB, parent_id=None, cell_id="A", request={"model": "gpt-test", "input": "hi"})
    error = RateLimitError(
        "Slow down", status=429, type="requests", code="rate_limit_exceeded", request_id="req_1"
    )
    done = store.finish_turn(turn.id, status="failed", error=error)
    assert (done.error_type, done.error_code, done.model) == (
        "RateLimitError",
        "rate_limit_exceeded",
        "gpt-test",
    )
    assert done.error_message is not None and "Slow down" in done.error_message
    assert store.parent_for(NB) is None


def test_begin_and_finish_refuse_misuse(store: HistoryStore) -> None:
    failed = run(store, "A", status="failed")
    with pytest.raises(ValueError, match="only a completed turn"):
        store.begin_turn(NB, parent_id=failed.id)
    with pytest.raises(LookupError):
        store.begin_turn(NB, parent_id=999)
    with pytest.raises(ValueError, match="already finished"):
        store.finish_turn(failed.id, status="completed")
    turn = store.begin_turn(NB, parent_id=None)
    with pytest.raises(ValueError, match="cannot finish"):
        store.finish_turn(turn.id, status="in_progress")
    with pytest.raises(LookupError):
        store.finish_turn(12345, status="completed")
    with pytest.raises(ValueError, match="non-empty"):
        store.begin_turn(NB, "", parent_id=None)


def test_discard_turn_removes_a_failed_attempt_only(store: HistoryStore) -> None:
    first = run(store, "A")
    attempt = run(store, "B", status="failed")
    store.discard_turn(attempt.id)  # the attempt a conversation resent at once: no row, no usage, no number
    assert [t.id for t in store.history(NB)] == [first.id] and store.turn_numbers(NB) == {first.id: 1}
    assert [row.turn_id for row in store.usage_rows(NB)] == [first.id]
    assert [hit.turn_id for hit in store.search("prompt of", notebook=NB)] == [first.id]  # not searchable
    with pytest.raises(LookupError):
        store.discard_turn(attempt.id)
    running = store.begin_turn(NB, parent_id=first.id, cell_id="C")
    for kept in (first, running):  # a completed turn (a head, a parent) and a running one stay
        with pytest.raises(ValueError, match="only a failed attempt"):
            store.discard_turn(kept.id)
    assert len(store.history(NB)) == 2


def test_in_progress_row_exists_before_the_request_and_is_never_a_parent(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as first:
        a = run(first, "A")
        first.begin_turn(NB, parent_id=a.id, cell_id="B", prompt="never finished")  # then the kernel dies
    with HistoryStore(path) as second:
        rows = second.history(NB)
        assert [t.status for t in rows] == ["completed", "in_progress"]
        assert second.parent_for(NB, "default", "C") == rows[0]


def test_restart_continues_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as kernel:
        a, b = run(kernel, "A"), run(kernel, "B")
    with HistoryStore(path) as restarted:  # a kernel restart: same file, new connection
        assert [t.id for t in restarted.active_path(NB)] == [a.id, b.id]
        parent = restarted.parent_for(NB, "default", "C")
        assert parent is not None and parent.response_id == b.response_id
        rerun = run(restarted, "B")
        assert rerun.parent_id == a.id
    with HistoryStore(path) as again:
        assert [t.id for t in again.active_path(NB)] == [a.id, rerun.id]


def test_reset_starts_a_new_generation_and_keeps_old_turns(store: HistoryStore) -> None:
    a, b = run(store, "A"), run(store, "B")
    assert store.reset(NB) == 1
    assert store.parent_for(NB, "default", "C") is None
    assert store.active_path(NB) == []
    c = run(store, "C")
    assert c.parent_id is None and c.generation == 1
    assert store.parent_for(NB, "default", "A") == c  # A's old turn is not on the new path: it appends
    assert [t.id for t in store.history(NB)] == [a.id, b.id, c.id]
    assert [t.generation for t in store.history(NB)] == [0, 0, 1]
    thread = store.threads(NB)[0]
    assert (thread.generation, thread.head_id, thread.turn_count, thread.reset_at is not None) == (
        1,
        c.id,
        3,
        True,
    )


def test_a_turn_finishing_after_a_reset_stays_in_its_generation(store: HistoryStore) -> None:
    a = run(store, "A")
    turn = store.begin_turn(NB, parent_id=a.id, cell_id="B")
    store.reset(NB)
    done = store.finish_turn(turn.id, status="completed", response=response(turn.id))
    assert (done.generation, done.superseded_by) == (0, None)
    assert store.active_path(NB) == []


def test_two_turns_on_one_parent_last_completion_wins(store: HistoryStore) -> None:
    a = run(store, None)
    x = store.begin_turn(NB, parent_id=a.id)
    y = store.begin_turn(NB, parent_id=a.id)
    store.finish_turn(x.id, status="completed", response=response(x.id))
    store.finish_turn(y.id, status="completed", response=response(y.id))
    assert [t.id for t in store.active_path(NB)] == [a.id, y.id]
    assert store.get_turn(x.id).superseded_by == y.id


def test_a_running_turn_built_on_a_replaced_one_stays_off_the_path(store: HistoryStore) -> None:
    a, b = run(store, "A"), run(store, "B")
    d = store.begin_turn(NB, parent_id=b.id, cell_id="D")  # still running when B is re-run
    b2 = run(store, "B")
    assert store.get_turn(d.id).superseded_by == b2.id
    store.finish_turn(d.id, status="completed", response=response(d.id))
    assert [t.id for t in store.active_path(NB)] == [a.id, b2.id]


def test_fork_copies_the_path_by_reference(store: HistoryStore) -> None:
    store.set_mode(NB, "default", "client")
    a, b, c = run(store, "A"), run(store, "B"), run(store, "C")
    forked = store.fork(NB, b.response_id or "", "alt")
    assert (forked.name, forked.head_id, forked.forked_from, forked.mode) == ("alt", b.id, b.id, "client")
    assert [t.id for t in store.active_path(NB, "alt")] == [a.id, b.id]
    d = run(store, "D", thread="alt")
    assert d.parent_id == b.id
    assert [t.id for t in store.active_path(NB, "alt")] == [a.id, b.id, d.id]
    assert [t.id for t in store.active_path(NB)] == [a.id, b.id, c.id]
    # Re-running B in the source thread supersedes there only; the fork keeps its path.
    b2 = run(store, "B")
    assert [t.id for t in store.active_path(NB)] == [a.id, b2.id]
    assert [t.id for t in store.active_path(NB, "alt")] == [a.id, b.id, d.id]
    assert store.get_turn(d.id).superseded_by is None


def test_rerun_in_a_fork_of_a_cell_from_the_source_thread(store: HistoryStore) -> None:
    a, b, c = run(store, "A"), run(store, "B"), run(store, "C")
    store.fork(NB, "C", "alt")  # by cell id
    d = run(store, "D", thread="alt")
    b_alt = run(store, "B", thread="alt")
    assert b_alt.parent_id == a.id
    assert [t.id for t in store.active_path(NB, "alt")] == [a.id, b_alt.id]
    assert store.get_turn(d.id).superseded_by == b_alt.id
    assert [store.get_turn(t).superseded_by for t in (b.id, c.id)] == [None, None]
    assert [t.id for t in store.active_path(NB)] == [a.id, b.id, c.id]
    # A turn of the fork still running on C when the re-run completed is kept, off the path.
    late = store.begin_turn(NB, "alt", parent_id=c.id, cell_id="E")
    b_alt2 = run(store, "B", thread="alt")
    done = store.finish_turn(late.id, status="completed", response=response(late.id))
    assert done.superseded_by == b_alt2.id
    assert [t.id for t in store.active_path(NB, "alt")] == [a.id, b_alt2.id]


def test_fork_errors(store: HistoryStore) -> None:
    run(store, "A")
    failed = run(store, "B", status="failed")
    with pytest.raises(ValueError, match="only a completed turn"):
        store.fork(NB, failed.id, "alt")
    with pytest.raises(LookupError):
        store.fork(NB, "resp_missing", "alt")
    store.fork(NB, "A", "alt")
    with pytest.raises(ValueError, match="already exists"):
        store.fork(NB, "A", "alt")
    assert store.resolve(NB, 1).cell_id == "A"
    assert store.resolve(NB, "1").cell_id == "A"


def test_threads_listing(store: HistoryStore) -> None:
    run(store, "A")
    run(store, "B", status="failed")
    run(store, "X", thread="other")
    store.set_mode(NB, "other", "client")
    store.set_mode(NB, "empty", "server")
    run(store, "A", nb="/elsewhere.ipynb")
    listing = store.threads(NB)
    assert [(t.name, t.mode, t.turn_count, t.total_tokens) for t in listing] == [
        ("default", "server", 2, 15),
        ("other", "client", 1, 15),
        ("empty", "server", 0, 0),
    ]
    assert listing[0].head_response_id == store.history(NB)[0].response_id
    assert listing[2].head_id is None and listing[2].last_turn_at is None
    with pytest.raises(ValueError, match="mode"):
        store.set_mode(NB, "other", "both")  # type: ignore[arg-type]


def test_thread_mode_agrees_with_the_listing(store: HistoryStore) -> None:
    assert store.thread_mode(NB, "never-created") == "server"
    run(store, "A")
    store.set_mode(NB, "side", "client")
    run(store, "B", thread="side", nb="/elsewhere.ipynb")  # same name, other notebook: its own mode
    modes = {t.name: t.mode for t in store.threads(NB)}
    assert modes == {"default": "server", "side": "client"}
    assert {name: store.thread_mode(NB, name) for name in modes} == modes
    assert store.thread_mode("/elsewhere.ipynb", "side") == "server"
    store.set_mode(NB, "side", "server")
    assert store.thread_mode(NB, "side") == "server"


def test_history_and_find_turn(store: HistoryStore) -> None:
    a = run(store, "A")
    b = run(store, "B")
    other = run(store, "A", thread="other")
    b2 = run(store, "B")
    assert [t.id for t in store.history(NB)] == [a.id, b.id, b2.id]
    assert [t.id for t in store.history(NB, None)] == [a.id, b.id, other.id, b2.id]
    assert store.find_turn(response_id=b.response_id) == store.get_turn(b.id)
    assert store.find_turn(NB, cell_id="B") == b2  # the live one, not the superseded one
    assert store.find_turn(NB, response_id="resp_none") is None
    with pytest.raises(ValueError):
        store.find_turn(NB)
    assert (b2.prompt, b2.model, b2.input_tokens, b2.cached_tokens, b2.reasoning_tokens) == (
        "prompt of B",
        "gpt-test-2025",
        10,
        2,
        1,
    )
    assert b2.request == {"model": "gpt-test", "input": "prompt of B", "previous_response_id": a.response_id}


def test_usage_rows_give_totals_per_model(store: HistoryStore) -> None:
    run(store, "A")
    run(store, "B", status="failed")
    turn = store.begin_turn(NB, parent_id=None, cell_id="C")
    store.finish_turn(
        turn.id, status="completed", response=response(turn.id, model="gpt-big", tokens=100), cost_usd=0.25
    )
    store.begin_turn(NB, parent_id=None, cell_id="D")  # running: not counted yet
    rows = store.usage_rows(NB)
    assert [r.status for r in rows] == ["completed", "failed", "completed"]
    totals: Counter[str] = Counter()
    for row in rows:
        totals[row.model or "?"] += row.total_tokens
    assert totals == {"gpt-test-2025": 15, "gpt-test": 0, "gpt-big": 100}
    assert rows[2].cost_usd == 0.25 and rows[2].input_tokens == 95
    assert store.usage_rows(thread="nope") == []


def test_client_state_items_follow_the_path(store: HistoryStore) -> None:
    store.set_mode(NB, "default", "client")
    reasoning = {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [],
        "encrypted_content": "gAAAAABo-sk-AAAAAAAAAAAAAAAAAAAAAAAAA_bearer-x==",
    }
    first = store.begin_turn(
        NB, parent_id=None, cell_id="A", input_items=[{"role": "user", "content": "one"}]
    )
    store.finish_turn(
        first.id,
        status="completed",
        response=response(first.id),
        output_items=[reasoning, {"type": "message", "role": "assistant", "content": []}],
    )
    second = run(store, "B")
    items = store.context_items(second.id)
    assert [i.get("type", i.get("role")) for i in items] == [
        "user",
        "reasoning",
        "message",
        "user",
        "message",
    ]
    assert items[1]["encrypted_content"] == reasoning["encrypted_content"]  # byte for byte
    assert store.context_items(None) == []


def test_no_api_key_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    custom = "azure-key-3f9a8b7c6d5e4f30"
    with HistoryStore(path, secrets=[custom]) as store:
        request = {
            "model": "gpt-test",
            "input": f"my key is {PLANTED_KEY}, and {custom}",
            "extra_headers": {"Authorization": f"Bearer {PLANTED_KEY}", "api-key": custom},
            "metadata": {"api_key": "plain-secret-value-123"},
        }
        turn = store.begin_turn(NB, parent_id=None, cell_id="A", prompt=f"use {PLANTED_KEY}", request=request)
        store.finish_turn(
            turn.id, status="failed", error=RuntimeError(f"Incorrect API key provided: {PLANTED_KEY}")
        )
        stored = store.get_turn(turn.id)
        assert stored.request is not None and stored.request["extra_headers"]["Authorization"] == "[redacted]"
        assert stored.request["metadata"]["api_key"] == "[redacted]"
        assert stored.prompt == "use [redacted]"
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in (PLANTED_KEY, custom, "plain-secret-value-123", PLANTED_KEY[8:20]):
        assert secret.encode() not in blob


def test_scrub_leaves_ordinary_text_alone() -> None:
    assert scrub("use sk-learn or task-scheduler") == "use sk-learn or task-scheduler"
    assert scrub({"headers": {"authorization": ""}}) == {"headers": {"authorization": ""}}
    assert scrub(["x", 1, None, {"k": f"{PLANTED_KEY}!"}]) == ["x", 1, None, {"k": "[redacted]!"}]


def test_pydantic_requests_are_serialized(store: HistoryStore) -> None:
    from nbresponses.types.request import ResponseCreateParams

    params = ResponseCreateParams(model="gpt-test", input="hello")
    turn = store.begin_turn(NB, parent_id=None, request=params)
    assert turn.model == "gpt-test"
    assert turn.request is not None and turn.request["input"] == "hello"


def test_schema_created_on_an_empty_file_and_kept_on_reopen(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "h.sqlite3"
    path.parent.mkdir(parents=True)
    path.touch()  # version 0: an empty file
    with HistoryStore(path) as store:
        run(store, "A")
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"threads", "turns"} <= tables
    finally:
        raw.close()
    with HistoryStore(path) as reopened:
        assert len(reopened.history(NB)) == 1


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(HistoryError, match="newer nbresponses"):
        HistoryStore(path)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_directories_are_created_and_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "history.sqlite3"
    with HistoryStore(path):
        pass
    assert path.stat().st_mode & 0o777 == 0o600


def test_default_history_path(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_history_path({"NBRESPONSES_HISTORY": "/x/h.db", "HOME": "/home/u"}) == Path("/x/h.db")
    monkeypatch.delenv("NBRESPONSES_HISTORY", raising=False)
    monkeypatch.setenv("HOME", "/home/u")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    if sys.platform.startswith("linux"):  # platformdirs decides per platform; the one here is Linux
        linux = default_history_path({})
        assert linux == Path("/home/u/.local/share/nbresponses/history.sqlite3")
        monkeypatch.setenv("XDG_DATA_HOME", "/data")
        assert default_history_path({}) == Path("/data/nbresponses/history.sqlite3")
        monkeypatch.setenv("XDG_DATA_HOME", "rel")  # a relative XDG_DATA_HOME is ignored, as the spec says
        assert default_history_path({}) == linux
    import platformdirs

    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    expected = platformdirs.user_data_path("nbresponses", appauthor=False) / "history.sqlite3"
    assert default_history_path({}) == expected


def test_threads_of_one_process_share_a_store(store: HistoryStore) -> None:
    def work(name: str) -> None:
        for _ in range(25):
            run(store, None, thread=name)

    workers = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for i in range(4):
        path = store.active_path(NB, f"t{i}")
        assert len(path) == 25
        assert all(child.parent_id == parent.id for parent, child in itertools.pairwise(path))


def _kernel(path: str, thread: str, count: int, start: Any) -> None:
    """One 'kernel' process writing ``count`` turns; every tenth fails. Both open the new file at once."""
    start.wait(timeout=60)
    with HistoryStore(path) as store:
        for n in range(count):
            run(store, f"cell-{n}", thread=thread, status="failed" if n % 10 == 9 else "completed")


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    kernels = [context.Process(target=_kernel, args=(path, f"k{i}", 500, start)) for i in range(2)]
    for kernel in kernels:
        kernel.start()
    for kernel in kernels:
        kernel.join(timeout=100)
    assert [k.exitcode for k in kernels] == [0, 0]
    with HistoryStore(path) as store:
        rows = store.history(NB, None)
        assert len(rows) == 1000
        assert Counter((t.thread, t.status) for t in rows) == {
            ("k0", "completed"): 450,
            ("k0", "failed"): 50,
            ("k1", "completed"): 450,
            ("k1", "failed"): 50,
        }
        for name in ("k0", "k1"):
            chain = store.active_path(NB, name)
            assert [t.cell_id for t in chain] == [f"cell-{n}" for n in range(500) if n % 10 != 9]
            assert all(t.finished_at is not None and t.response_id for t in chain)


def test_in_memory_store() -> None:
    with HistoryStore(":memory:") as store:
        a = run(store, "A")
        assert store.parent_for(NB, "default", "B") == a


def test_each_request_is_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    big = "x" * 2_000_000
    items = [{"role": "user", "content": big}]
    with HistoryStore(path) as store:
        turn = store.begin_turn(NB, parent_id=None, request={"model": "m", "input": items}, input_items=items)
        stored = store.get_turn(turn.id)
        assert stored.request == {"model": "m", "input": items}  # given back whole
        assert stored.request_json is not None and big not in stored.request_json  # but stored once
        small = [{"role": "user", "content": "small"}]
        other = store.begin_turn(
            NB, "t2", parent_id=None, request={"model": "m", "input": "other"}, input_items=small
        )
        assert store.get_turn(other.id).request == {"model": "m", "input": "other"}  # not the items: kept
    assert path.stat().st_size < 1.5 * len(big)


def test_text_utf8_cannot_carry_is_stored_with_replacement_characters(store: HistoryStore) -> None:
    turn = store.begin_turn(NB, parent_id=None, prompt="a\ud800b", request={"input": "c\udce9"})
    stored = store.get_turn(turn.id)
    assert stored.prompt == "a\ufffdb" and stored.request == {"input": "c\ufffd"}


def test_a_version_2_file_is_migrated_and_its_running_turns_end(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as store:
        done = run(store, "A")
        left = store.begin_turn(NB, parent_id=done.id, cell_id="B", prompt="left running by an older version")
    raw = sqlite3.connect(path)  # as nbresponses of schema 2 left it
    raw.execute("DROP INDEX turns_open")
    for column in ("owner_host", "owner_pid", "owner_started"):
        raw.execute(f"ALTER TABLE turns DROP COLUMN {column}")
    raw.execute("UPDATE turns SET status = 'in_progress', finished_at = NULL WHERE id = ?", (left.id,))
    raw.execute("DROP TABLE map_rows")  # (and the map tables of schema 4)
    raw.execute("DROP TABLE map_batches")
    raw.execute("PRAGMA user_version = 2")
    raw.commit()
    raw.close()
    with HistoryStore(path) as store:
        assert store.get_turn(left.id).status == "interrupted" and store.get_turn(left.id).owner is None
        assert store.get_turn(done.id).status == "completed"
        assert store.parent_for(NB, "default", "C").id == done.id
