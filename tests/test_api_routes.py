"""Tests of nbresponses._api_routes: auto mode's memory in the history database, and its migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nbresponses._api_routes import StoredRoutes
from nbresponses.store import SCHEMA_VERSION, HistoryStore

URL = "https://gateway.test/v1"


def test_routes_are_kept_per_base_url_and_model_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as store:
        routes = StoredRoutes(store)
        assert routes.api_route(URL, "deepseek-chat") is None
        routes.set_api_route(URL, "deepseek-chat", "chat")
        routes.set_api_route(URL, "gpt-4.1", "responses")
        routes.set_api_route("http://localhost:11434/v1", "llama3.2", "chat")
    with HistoryStore(path) as store:
        routes = StoredRoutes(store)
        assert routes.api_route(URL, "deepseek-chat") == "chat"
        assert routes.routes(URL) == {"deepseek-chat": "chat", "gpt-4.1": "responses"}
        routes.set_api_route(URL, "gpt-4.1", "chat")  # a later refusal changes it
        assert routes.api_route(URL, "gpt-4.1") == "chat"
        routes.forget(URL, "gpt-4.1")
        assert routes.api_route(URL, "gpt-4.1") is None
        with pytest.raises(ValueError, match="api must be"):
            routes.set_api_route(URL, "m", "bridge")


def test_a_version_1_history_is_migrated_and_keeps_its_turns(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as store:
        turn = store.begin_turn("nb", "default", parent_id=None, prompt="hi", request={"model": "m"})
        store.finish_turn(turn.id, status="completed", response={"id": "resp_1", "model": "m"})
    raw = sqlite3.connect(path)  # roll the file back to schema 1, as an older nbresponses left it
    raw.execute("DROP TABLE api_routes")
    raw.execute("DROP INDEX turns_open")  # and the owners of schema 3
    for column in ("owner_host", "owner_pid", "owner_started"):
        raw.execute(f"ALTER TABLE turns DROP COLUMN {column}")
    raw.execute("DROP TABLE map_rows")  # and the map tables of schema 4
    raw.execute("DROP TABLE map_batches")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with HistoryStore(path) as store:
        assert [t.response_id for t in store.history("nb", "default")] == ["resp_1"]
        StoredRoutes(store).set_api_route(URL, "m", "chat")
        assert StoredRoutes(store).api_route(URL, "m") == "chat"
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 4
    raw.close()
