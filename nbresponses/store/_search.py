"""Full-text search of the history: an SQLite FTS5 index of every turn's prompt and answer.

The index (``turns_fts``, rowid = ``turns.id``) is kept by triggers on ``turns``, so every write path of the
store keeps it current without knowing about it: a turn is indexed when it is written ``in_progress`` (its
prompt) and again when it finishes (its answer, read from ``response_json`` by SQLite's JSON functions).

It uses FTS5's ``trigram`` tokenizer: a term matches anywhere inside a word, case-insensitively, in every
language (Chinese and Japanese have no spaces between words for a word tokenizer to split on). Terms shorter
than three characters, which trigrams cannot index, are matched with ``LIKE``. A Python whose SQLite lacks
FTS5 still opens the history: the index is not created and search scans the table with ``LIKE`` instead.
"""

from __future__ import annotations

import re
import shlex
import sqlite3
from dataclasses import dataclass
from typing import Any

__all__ = ["SearchHit", "create_index", "fts5_available", "search", "snippet", "terms"]

# The answer of a response JSON: the text (or refusal) of each part of each assistant message, one per line.
_ANSWER = """(CASE WHEN json_valid({column}) THEN (SELECT group_concat(
    COALESCE(json_extract(part.value, '$.text'), json_extract(part.value, '$.refusal')), char(10))
    FROM json_each({column}, '$.output') AS item, json_each(item.value, '$.content') AS part
    WHERE json_extract(item.value, '$.type') = 'message') END)"""
_STATEMENTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS turns_fts USING fts5(prompt, answer, tokenize = 'trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS turns_fts_insert AFTER INSERT ON turns BEGIN
        INSERT INTO turns_fts (rowid, prompt, answer)
        VALUES (new.id, new.prompt, {_ANSWER.format(column="new.response_json")}); END""",
    f"""CREATE TRIGGER IF NOT EXISTS turns_fts_update AFTER UPDATE OF prompt, response_json ON turns BEGIN
        INSERT OR REPLACE INTO turns_fts (rowid, prompt, answer)
        VALUES (new.id, new.prompt, {_ANSWER.format(column="new.response_json")}); END""",
    """CREATE TRIGGER IF NOT EXISTS turns_fts_delete AFTER DELETE ON turns BEGIN
        DELETE FROM turns_fts WHERE rowid = old.id; END""",
    f"""INSERT OR REPLACE INTO turns_fts (rowid, prompt, answer)
        SELECT id, prompt, {_ANSWER.format(column="response_json")} FROM turns""",
)
_MIN_TRIGRAM = 3
_SNIPPET = 70  # characters of context on each side of the first match


def fts5_available(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (SQLite 3.34+ built with FTS5)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.nbresponses_fts5_probe USING fts5(x, tokenize = 'trigram')")
    except sqlite3.OperationalError:
        return False
    conn.execute("DROP TABLE temp.nbresponses_fts5_probe")
    return True


def create_index(conn: sqlite3.Connection) -> None:
    """The migration: create the index and its triggers and fill it with the turns already written."""
    if fts5_available(conn):
        for statement in _STATEMENTS:
            conn.execute(statement)


def has_index(conn: sqlite3.Connection) -> bool:
    """Whether the history file has the full-text index."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'turns_fts'"
    return conn.execute(sql).fetchone() is not None


def terms(query: str) -> list[str]:
    """The terms of a query: words, or "quoted phrases"; every term must match."""
    try:
        words = shlex.split(query)
    except ValueError:  # an unbalanced quote: read the text as plain words
        words = query.replace('"', " ").replace("'", " ").split()
    return [w for w in (" ".join(word.split()) for word in words) if w]


@dataclass(frozen=True)
class SearchHit:
    """A turn that matched, with the text it matched in."""

    turn_id: int
    notebook: str
    thread: str
    started_at: float
    model: str | None
    status: str
    response_id: str | None
    prompt: str
    answer: str


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(
    conn: sqlite3.Connection, query: str, *, notebook: str | None = None, limit: int = 20
) -> list[SearchHit]:
    """The turns whose prompt or answer contains every term of ``query``, best matches first, then newest.

    Raises:
        ValueError: the query has no terms.
    """
    words = terms(query)
    if not words:
        raise ValueError("Search for what? Give a word or a phrase.")
    indexed = has_index(conn)
    long_terms = [w for w in words if len(w) >= _MIN_TRIGRAM] if indexed else []
    short_terms = [w for w in words if w not in long_terms]
    where: list[str] = []
    params: list[Any] = []
    if indexed:
        answer, source = "f.answer", "turns t JOIN turns_fts f ON f.rowid = t.id"
        text = ("f.prompt", "f.answer")
    else:
        answer, source = "t.response_json", "turns t"
        text = ("t.prompt", "t.response_json")
    if long_terms:
        where.append("turns_fts MATCH ?")
        params.append(" AND ".join('"' + w.replace('"', '""') + '"' for w in long_terms))
    for term in short_terms:
        where.append(f"({text[0]} LIKE ? ESCAPE '\\' OR {text[1]} LIKE ? ESCAPE '\\')")
        params += [_like(term), _like(term)]
    if notebook is not None:
        where.append("t.notebook = ?")
        params.append(notebook)
    order = "bm25(turns_fts), t.id DESC" if long_terms else "t.id DESC"
    sql = f"""SELECT t.id, t.notebook, t.thread, t.started_at, t.model, t.status, t.response_id,
        COALESCE(t.prompt, ''), COALESCE({answer}, '') FROM {source}
        WHERE {" AND ".join(where)} ORDER BY {order} LIMIT ?"""
    rows = conn.execute(sql, (*params, limit)).fetchall()
    hits = [SearchHit(*row) for row in rows]
    if not indexed:  # the LIKE scan read the raw JSON: show the answer's text instead
        hits = [_with_answer_text(hit) for hit in hits]
    return hits


def _with_answer_text(hit: SearchHit) -> SearchHit:
    import dataclasses
    import json

    try:
        data = json.loads(hit.answer) if hit.answer else {}
    except ValueError:
        data = {}
    parts = [
        part.get("text") or part.get("refusal") or ""
        for item in (data.get("output") or [] if isinstance(data, dict) else [])
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, dict)
    ]
    return dataclasses.replace(hit, answer="\n".join(p for p in parts if p))


def snippet(text: str, words: list[str], *, width: int = _SNIPPET) -> tuple[str, list[tuple[int, int]]]:
    """A one-line excerpt of ``text`` around the first match, and the spans of every match in it."""
    flat = " ".join(text.split())
    if not flat:
        return "", []
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(flat)
    start = max(0, first.start() - width) if first else 0
    end = min(len(flat), (first.end() if first else 0) + width)
    if first is None:
        end = min(len(flat), 2 * width)
    excerpt = ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
    return excerpt, [(m.start(), m.end()) for m in pattern.finditer(excerpt)]
