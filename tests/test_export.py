"""A thread written out: Markdown to read (model output made safe) and JSON Lines to process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from nbresponses.export import ExportError, export_thread, safe_markdown, thread_jsonl, thread_markdown
from nbresponses.store import HistoryStore

NB = "/home/u/analysis.ipynb"


def response(text: str, *, calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    output: list[dict[str, Any]] = [{"type": "message", "role": "assistant",
                                     "content": [{"type": "output_text", "text": text, "annotations": []}]}] if text else []  # fmt: skip
    output += calls or []
    return {"id": f"resp_{abs(hash(text)) % 10_000}", "model": "gpt-4.1", "status": "completed", "output": output,
            "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}}  # fmt: skip


def turn(store: HistoryStore, prompt: str, text: str, *, cell: str | None = None, after: int | None = None,
         **kwargs: Any) -> int:  # fmt: skip
    parent = store.parent_for(NB, "default", cell)
    parent_id = (
        after if after is not None else parent.id if parent else None
    )  # a tool round continues its turn
    record = store.begin_turn(NB, "default", parent_id=parent_id, cell_id=cell, prompt=prompt,
                              input_items=kwargs.pop("input_items", None))  # fmt: skip
    store.finish_turn(record.id, status="completed", response=response(text, **kwargs), cost_usd=0.00012)
    return record.id


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    with HistoryStore(tmp_path / "h.sqlite") as opened:
        yield opened


def html_of(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


def test_safe_markdown_escapes_html_and_unsafe_links_but_not_code() -> None:
    text = (
        "Hi <script>alert(1)</script> and <img src=x onerror=alert(1)>\n"
        "[click](javascript:alert(1)) [ok](https://example.com) [rel](#part)\n"
        "[ref]: javascript:alert(2)\n\n"
        "> a quote with <b>bold</b>\n\n"
        "`<b>inline</b>` stays code\n"
        '```html\n<div onclick="x()">kept as code</div>\n```\n'
        "a < b and c > d"
    )
    safe = safe_markdown(text)
    html = html_of(safe)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "javascript:" not in html.split("<code>")[0]
    assert 'href="https://example.com"' in html and 'href="#part"' in html
    assert "<blockquote>" in html
    assert "<code>&lt;b&gt;inline&lt;/b&gt;</code>" in html  # code spans are code, shown as typed
    assert "&lt;div onclick=&quot;x()&quot;&gt;kept as code&lt;/div&gt;" in html
    assert "a &lt; b and c &gt; d" in html


def test_markdown_of_a_thread_with_a_tool_round(store: HistoryStore) -> None:
    call = {
        "type": "function_call",
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
        "call_id": "call_1",
    }
    asked = turn(store, "Weather in Paris?", "", calls=[call], cell="a")
    turn(store, "(tool outputs)", "It is **sunny** in Paris.", cell="a", after=asked,
         input_items=[{"type": "function_call_output", "call_id": "call_1", "output": "sunny, 21 C"}])  # fmt: skip
    turn(store, "Thanks <3", "You're welcome.", cell="b")
    turns = store.active_path(NB, "default")
    text = thread_markdown(turns, notebook=NB, thread="default")
    assert text.startswith(
        "# Thread `default`\n\nNotebook `/home/u/analysis.ipynb` · 3 turns (the active conversation)"
    )
    assert '**Tool calls:**\n- `get_weather({"city": "Paris"})`' in text
    assert "**Tool results sent:**\n- `call_1`: `sunny, 21 C`" in text
    assert "It is **sunny** in Paris." in text and "Thanks &lt;3" in text
    assert "\\$0.0001" in text  # a dollar sign that does not start math
    assert text.index("Weather in Paris?") < text.index("sunny, 21 C") < text.index("welcome")


def test_jsonl_has_one_object_per_turn(store: HistoryStore) -> None:
    first = turn(store, "One?", "1", cell="a")
    second = turn(store, "Two?", "2", cell="b")
    lines = thread_jsonl(store.active_path(NB, "default")).splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["turn_id"] for r in rows] == [first, second]
    assert rows[1]["prompt"] == "Two?" and rows[1]["answer"] == "2" and rows[1]["parent_id"] == first
    assert rows[1]["usage"]["total_tokens"] == 15 and rows[1]["cost_usd"] == pytest.approx(0.00012)
    assert rows[1]["started_at"].endswith("+00:00") and rows[1]["output"][0]["type"] == "message"


def test_export_writes_the_active_path_or_every_turn(store: HistoryStore, tmp_path: Path) -> None:
    turn(store, "First try", "old answer", cell="a")
    turn(store, "Second try", "new answer", cell="a")  # the re-run replaces the first
    count = export_thread(store, NB, "default", tmp_path / "out" / "thread.md")
    text = (tmp_path / "out" / "thread.md").read_text(encoding="utf-8")
    assert count == 1 and "new answer" in text and "old answer" not in text
    assert export_thread(store, NB, "default", tmp_path / "all.jsonl", all_turns=True) == 2
    statuses = [
        json.loads(line)["superseded_by"] is not None
        for line in (tmp_path / "all.jsonl").read_text().splitlines()
    ]
    assert statuses == [True, False]


def test_export_mistakes(store: HistoryStore, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.md \(Markdown\) or \.jsonl"):
        export_thread(store, NB, "default", tmp_path / "x.txt")
    with pytest.raises(ExportError, match="has no turns in this notebook"):
        export_thread(store, NB, "default", tmp_path / "x.md")
    turn(store, "q", "a", cell="a")
    store.reset(NB, "default")
    with pytest.raises(ExportError, match="since it was reset; add --all"):
        export_thread(store, NB, "default", tmp_path / "x.md")
    assert export_thread(store, NB, "default", tmp_path / "x.md", all_turns=True) == 1
