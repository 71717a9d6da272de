"""Tests of the nbresponses.store package: the names users and the rest of the library import from it."""

from __future__ import annotations

from pathlib import Path

import nbresponses.store as store


def test_the_package_exports_what_it_always_did() -> None:
    assert sorted(store.__all__) == [
        "DEFAULT_THREAD",
        "HeadMoved",
        "HistoryStore",
        "SCHEMA_VERSION",
        "ThreadBusy",
        "ThreadMode",
        "ThreadRecord",
        "TurnRecord",
        "TurnStatus",
        "UsageRow",
        "default_history_path",
        "open_history",
        "scrub",
    ]
    for name in store.__all__:
        assert getattr(store, name) is not None, name


def test_a_history_opened_through_the_package_keeps_a_turn(tmp_path: Path) -> None:
    with store.HistoryStore(tmp_path / "h.sqlite") as history:
        turn = history.begin_turn("nb", store.DEFAULT_THREAD, parent_id=None, prompt="hi")
        closed = history.finish_turn(turn.id, status="completed", response={"id": "resp_1", "output": []})
    assert isinstance(closed, store.TurnRecord) and closed.continuable and closed.response_id == "resp_1"
    reopened, problem = store.open_history(tmp_path / "h.sqlite")
    with reopened:
        assert problem is None and [t.prompt for t in reopened.history("nb")] == ["hi"]
