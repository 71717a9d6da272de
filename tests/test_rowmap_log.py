"""The map tables of the history: answered rows by key, batches, usage, and the migration that adds them."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from nbresponses.rowmap import MapLog
from nbresponses.rowmap._log import SavedRow
from nbresponses.store import SCHEMA_VERSION, HistoryStore
from nbresponses.types.response import Response


def response(text: str, *, status: str = "completed") -> Response:
    return Response.model_validate({
        "id": f"resp_{abs(hash(text))}", "status": status, "model": "gpt-4.1-mini",
        "output": [{"type": "message", "id": "m", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
        "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 2}, "output_tokens": 5,
                  "output_tokens_details": {"reasoning_tokens": 1}, "total_tokens": 15},
    })  # fmt: skip


def test_answers_are_found_by_key_in_any_notebook(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        log = MapLog(store, "nb", cell_id="c", thread="map")
        assert log.save([SavedRow("k1", response("one"), 0.5, request={"model": "m", "input": "x"}),
                         SavedRow("k2", response("two", status="incomplete"), None)]) == 2  # fmt: skip
        found = log.answered(["k1", "k2", "k3"])
        assert set(found) == {"k1", "k2"} and found["k1"].output_text == "one" and found["k1"].cost_usd == 0.5
        assert found["k2"].status == "incomplete" and Response.model_validate_json(
            found["k2"].response_json or ""
        )
        # A headless re-run has another notebook key: the same request is found there too.
        headless = MapLog(store, "kernel:1234-abcd")
        assert headless.answered(["k1"])["k1"].output_text == "one"
        log.forget(["k1"])
        assert set(log.answered(["k1", "k2"])) == {"k2"}
        assert notebooks_with_rows(store) == ["nb"]
        # This notebook's answer first, else the newest of any notebook.
        MapLog(store, "a").save([SavedRow("k3", response("a's"), None)])
        MapLog(store, "b").save([SavedRow("k3", response("b's"), None)])
        assert MapLog(store, "a").answered(["k3"])["k3"].output_text == "a's"
        assert MapLog(store, "c").answered(["k3"])["k3"].output_text == "b's"
        assert {u.thread for u in store.usage_rows("c")} <= {"map"} and store.usage_rows("c") == []
        usage = store.usage_rows("nb")  # the spend stays with the notebook that paid for it
        assert [(u.thread, u.input_tokens, u.cached_tokens, u.reasoning_tokens) for u in usage] == [
            ("map", 10, 2, 1)
        ]


def notebooks_with_rows(store: HistoryStore) -> list[str]:
    return [row[0] for row in store._read("SELECT DISTINCT notebook FROM map_rows")]


def test_keys_are_scrubbed_from_what_is_written(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite", secrets=["sk-live-secret-value-123456"]) as store:
        MapLog(store, "nb").save([SavedRow("k", response("key sk-live-secret-value-123456"), None,
                                           request={"input": "sk-live-secret-value-123456"})])  # fmt: skip
    raw = (tmp_path / "h.sqlite").read_bytes()
    assert b"sk-live-secret-value-123456" not in raw


def test_batches_are_recorded_and_found_by_their_keys(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        log = MapLog(store, "nb", cell_id="c")
        log.add_batch(
            "batch_1", keys=["a", "b"], base_url="u", model="m", status="validating", input_file_id="f"
        )
        assert log.open_batch(["b", "z"], "u").batch_id == "batch_1"
        assert log.open_batch(["z"], "u") is None and log.open_batch(["a"], "other-backend") is None
        log.update_batch(
            "batch_1", status="completed", counts={"total": 2, "completed": 2, "failed": 0}, collected=True
        )
        record = log.batch("batch_1")
        assert record.status == "completed" and record.counts["completed"] == 2 and record.collected_at
        assert log.open_batch(["a"], "u") is None  # collected: a new run submits anew
        assert [b.batch_id for b in log.batches()] == ["batch_1"] and record.keys == ("a", "b")


def test_an_open_batch_is_found_from_another_notebook_key(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite") as store:
        first = MapLog(store, "kernel:run-1")
        first.add_batch(
            "batch_1", keys=["a"], base_url="u", model="m", status="in_progress", input_file_id="f"
        )
        first.add_batch("batch_2", keys=["b"], base_url="elsewhere", model="m", status="in_progress",
                        input_file_id="f")  # fmt: skip
        first.add_batch("batch_3", keys=["c"], base_url="u", model="m", status="completed", input_file_id="f")
        first.update_batch("batch_3", status="completed", collected=True)
        second = MapLog(store, "kernel:run-2")
        assert second.open_batch(["a"], "u").batch_id == "batch_1"  # a headless re-run finds it
        assert second.batches() == []
        # What a run here can act on: the open batches on this backend (not collected ones, not other backends).
        assert [b.batch_id for b in second.batches(open_at="u")] == ["batch_1"]
        assert sorted(b.batch_id for b in first.batches(open_at="u")) == ["batch_1", "batch_2", "batch_3"]


def test_a_version_3_history_gains_the_map_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with HistoryStore(path) as store:
        turn = store.begin_turn("nb", "default", parent_id=None, prompt="hi", request={"model": "m"})
        store.finish_turn(turn.id, status="completed", response={"id": "resp_1", "model": "m"}, cost_usd=0.1)
    with contextlib.closing(sqlite3.connect(path)) as old:  # as the version before the map tables left it
        old.execute("DROP TABLE map_rows")
        old.execute("DROP TABLE map_batches")
        old.execute("PRAGMA user_version = 3")
    with HistoryStore(path) as store:
        assert store._read("PRAGMA user_version")[0][0] == SCHEMA_VERSION >= 4
        MapLog(store, "nb").save([SavedRow("k", response("x"), 0.2)])
        assert [(u.thread, u.cost_usd) for u in store.usage_rows("nb")] == [("default", 0.1), ("map", 0.2)]
