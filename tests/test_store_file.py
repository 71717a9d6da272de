"""Tests of nbresponses.store._file: every unusable history path is one HistoryError naming it, and the
user's file is never written to, repaired or replaced."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from nbresponses._exceptions import HistoryError
from nbresponses.store import SCHEMA_VERSION, HistoryStore, open_history
from nbresponses.store._file import connect

TABLES = frozenset({"threads", "turns", "api_routes"})


def opened(path: Path) -> sqlite3.Connection:
    return connect(path, busy_timeout=1, schema_version=SCHEMA_VERSION, tables=TABLES)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    thesis = tmp_path / "history.sqlite"
    thesis.write_text("chapter one\n" * 1000)
    before = digest(thesis)
    with pytest.raises(
        HistoryError, match=r"history\.sqlite cannot be used: it is not an SQLite database\.$"
    ):
        opened(thesis)
    assert digest(thesis) == before and sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite"]


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE customers (id INTEGER)")
    raw.commit()
    raw.close()
    before = digest(path)
    with pytest.raises(HistoryError, match=r"another program's SQLite database \(tables customers\)"):
        HistoryStore(path)
    assert digest(path) == before  # not even switched to WAL


def test_a_newer_schema_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    before = digest(path)
    with pytest.raises(HistoryError, match="written by a newer nbresponses"):
        opened(path)
    assert digest(path) == before


def test_folders_and_impossible_paths_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="it is a folder, not a file"):
        opened(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(HistoryError, match="cannot be created"):
        opened(tmp_path / "file" / "h.sqlite")


def test_read_only_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.sqlite"
    HistoryStore(path).close()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: mode & os.W_OK == 0 and real_access(p, mode))
    with pytest.raises(HistoryError, match="cannot be written: it is read-only"):
        opened(path)


def test_an_empty_file_is_a_new_history(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    path.touch()
    with HistoryStore(path) as store:
        assert store.history("nb") == []


def test_open_history_falls_back_to_memory_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "bad.sqlite").write_bytes(b"\x00garbage")
    store, note = open_history(tmp_path / "bad.sqlite")
    assert store.in_memory and note is not None
    assert note.startswith(f"The history file {tmp_path / 'bad.sqlite'} cannot be used")
    assert "kept in memory only" in note
    turn = store.begin_turn("nb", parent_id=None, prompt="still works")
    store.finish_turn(turn.id, status="completed", response={"id": "resp_1"})
    assert store.active_path("nb")[-1].response_id == "resp_1"
    good, none = open_history(tmp_path / "good.sqlite")
    assert none is None and not good.in_memory
