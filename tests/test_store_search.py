"""Full-text search of the history (`HistoryStore.search`): an FTS5 trigram index kept by triggers, every word
must match, any language, a LIKE scan where SQLite has no FTS5, and old history files indexed on upgrade."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from nbresponses.store import SCHEMA_VERSION, HistoryStore, _search

NB = "/home/u/analysis.ipynb"


def answer(text: str) -> dict[str, Any]:
    part = {"type": "output_text", "text": text, "annotations": []}
    return {"id": "resp_x", "model": "gpt-4.1", "status": "completed",
            "output": [{"type": "reasoning", "summary": []}, {"type": "message", "role": "assistant", "content": [part]}]}  # fmt: skip


def turn(
    store: HistoryStore, prompt: str, reply: str | None, *, nb: str = NB, thread: str = "default"
) -> int:
    parent = store.parent_for(nb, thread)
    record = store.begin_turn(nb, thread, parent_id=parent.id if parent else None, prompt=prompt)
    if reply is not None:
        store.finish_turn(record.id, status="completed", response=answer(reply))
    return record.id


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    with HistoryStore(tmp_path / "h.sqlite") as opened:
        yield opened


def test_prompts_and_answers_are_found_by_every_word(store: HistoryStore) -> None:
    first = turn(store, "How do I merge two DataFrames?", "Use pd.merge(left, right, on='id').")
    turn(store, "Plot a histogram", "Use df.hist() or matplotlib's plt.hist.")
    third = turn(store, "And a left join?", "pd.merge(..., how='left') keeps every row of the left frame.")
    assert [h.turn_id for h in store.search("merge")] and {h.turn_id for h in store.search("merge")} == {
        first,
        third,
    }
    assert [h.turn_id for h in store.search("MERGE Join")] == [third]  # both words, any case
    assert [h.turn_id for h in store.search("\"how='left'\"")] == [third]  # a quoted phrase
    assert store.search("merge histogram") == []
    hit = store.search("datafram")[0]  # inside a word: trigrams match substrings
    assert (
        hit.turn_id == first and hit.prompt == "How do I merge two DataFrames?" and "pd.merge" in hit.answer
    )


def test_an_in_progress_turn_is_found_by_its_prompt_and_then_by_its_answer(store: HistoryStore) -> None:
    parent = store.parent_for(NB, "default")
    record = store.begin_turn(
        NB, "default", parent_id=parent.id if parent else None, prompt="Quarterly revenue"
    )
    assert [h.turn_id for h in store.search("quarterly")] == [record.id]
    assert store.search("forecast") == []
    store.finish_turn(record.id, status="completed", response=answer("The forecast rises 4%."))
    assert [h.turn_id for h in store.search("forecast")] == [record.id]


def test_chinese_and_short_terms(store: HistoryStore) -> None:
    chinese = turn(store, "如何合并两个数据框？", "使用 pd.merge 合并数据框。")
    short = turn(store, "What is pi?", "About 3.14.")
    assert [h.turn_id for h in store.search("数据框")] == [chinese]  # three characters: the index
    assert [h.turn_id for h in store.search("合并")] == [chinese]  # two: a LIKE scan
    assert [h.turn_id for h in store.search("pi")] == [short]
    assert [h.turn_id for h in store.search("pi 3.14")] == [short]
    assert store.search("50%") == [] and store.search("a_b") == []  # LIKE wildcards are literal


def test_search_by_notebook_and_limit(store: HistoryStore) -> None:
    mine = [turn(store, f"sales report {i}", "ok") for i in range(3)]
    other = turn(store, "sales forecast", "ok", nb="/other.ipynb")
    assert {h.turn_id for h in store.search("sales", notebook=NB)} == set(mine)
    assert other in {h.turn_id for h in store.search("sales")}
    assert len(store.search("sales", limit=2)) == 2


def test_an_empty_query_is_an_error(store: HistoryStore) -> None:
    with pytest.raises(ValueError, match="Search for what"):
        store.search("   ")


def test_the_answer_comes_from_messages_only_and_bad_json_does_not_break_writes(store: HistoryStore) -> None:
    tool_round = turn(store, "(tool outputs)", None)
    store.finish_turn(tool_round, status="completed",
                      response={"output": [{"type": "function_call", "name": "get_weather", "arguments": "{}"}]})  # fmt: skip
    assert store.search("get_weather") == []  # a call is not an answer
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE turns SET response_json = 'not json' WHERE id = ?", (tool_round,))  # a damaged row
    conn.commit()
    conn.close()
    assert [h.turn_id for h in store.search("tool outputs")] == [tool_round]


def test_without_fts5_search_scans_the_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_search, "fts5_available", lambda conn: False)
    with HistoryStore(tmp_path / "plain.sqlite") as plain:
        first = turn(plain, "How do I merge?", "Use pd.merge.")
        turn(plain, "Plot", "Use hist.")
        conn = sqlite3.connect(plain.path)
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'turns_fts'").fetchone()[0] == 0
        conn.close()
        hits = plain.search("pd.merge")
        assert [h.turn_id for h in hits] == [first] and hits[0].answer == "Use pd.merge."


def test_a_version_1_file_is_indexed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    from nbresponses.store._schema import MIGRATIONS

    for statement in MIGRATIONS[0]:
        conn.execute(statement)  # type: ignore[arg-type]
    conn.execute("INSERT INTO threads (notebook, name, created_at) VALUES (?, 'default', 0)", (NB,))
    conn.execute(
        """INSERT INTO turns (notebook, thread, generation, status, prompt, started_at, response_json)
        VALUES (?, 'default', 0, 'completed', 'old question about pivots', 0, ?)""",
        (NB, json.dumps(answer("Use df.pivot_table."))),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with HistoryStore(path) as upgraded:
        assert [h.prompt for h in upgraded.search("pivot_table")] == ["old question about pivots"]
        version = upgraded._read("PRAGMA user_version")[0][0]
        assert version == SCHEMA_VERSION


def test_fts5_is_in_this_pythons_sqlite() -> None:
    # CI runs this on every Python it claims: each one's SQLite must have FTS5 with the trigram tokenizer.
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        assert _search.fts5_available(conn), sqlite3.sqlite_version


def test_snippets_center_on_the_first_match() -> None:
    text = "x " * 100 + "the Merge step " + "y " * 100
    excerpt, spans = _search.snippet(text, ["merge"])
    assert excerpt.startswith("…") and excerpt.endswith("…") and len(excerpt) < 200
    assert [excerpt[a:b] for a, b in spans] == ["Merge"]
    assert _search.terms('pandas "left join" x') == ["pandas", "left join", "x"]
    assert _search.terms('unbalanced "quote') == ["unbalanced", "quote"]
