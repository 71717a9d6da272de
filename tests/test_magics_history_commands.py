"""``%respond history --search TEXT`` and ``%respond export [THREAD] FILE``, in a shell and in a kernel."""

from __future__ import annotations

import json
from pathlib import Path

from markdown_it import MarkdownIt

from nbresponses import testing
from nbresponses.offline import create_app
from tests.kernel_client import kernel
from tests.loopback import serve
from tests.magic_shell import Shell


def converse(ipython: Shell) -> testing.OfflineBackend:
    backend = testing.OfflineBackend().script([
        testing.text("Use **pd.merge**(left, right) <b>now</b>."),
        testing.text("A histogram: df.hist()."),
        testing.text("Left joins keep every left row."),
    ])  # fmt: skip
    ipython.magics.session.use_client(backend.client())
    ipython.run("%%respond\nHow do I merge DataFrames?", cell_id="a")
    ipython.run("%%respond\nAnd a histogram?", cell_id="b")
    ipython.run("%%respond --thread joins\nWhat is a left join?", cell_id="c")
    return backend


def test_search_lists_matching_turns_of_this_notebook_with_highlights(ipython: Shell) -> None:
    converse(ipython)
    _, captured = ipython.run("%respond history --search merge")
    table = ipython.markdown(captured)
    assert table.startswith("1 turn matching merge in this notebook")
    assert "How do I **merge** DataFrames" in table
    assert "| Use \\*\\*pd.**merge**\\*\\*(left, right)… |" in table  # an excerpt around the match
    _, captured = ipython.run("%respond history --search now")
    table = ipython.markdown(captured)
    html = MarkdownIt("commonmark").enable("table").render(table)
    assert (
        "<b>" not in html and "&lt;b&gt;<strong>now</strong>&lt;/b&gt;" in html
    )  # the answer's HTML is text
    _, captured = ipython.run("%respond history --search left")
    table = ipython.markdown(captured)
    assert table.startswith("2 turns matching left") and "joins" in table and "default" in table


def test_search_without_matches_and_without_a_query(ipython: Shell) -> None:
    converse(ipython)
    _, captured = ipython.run("%respond history --search quaternion")
    assert "No turn matches 'quaternion' in this notebook (--all searches every notebook)." in captured.stdout
    result, _ = ipython.run("%respond history --search")
    assert not result.success and "Usage: %respond history --search TEXT" in str(result.error_in_exec)
    result, _ = ipython.run("%respond history --search x --limit 0")
    assert not result.success


def test_search_across_notebooks(ipython: Shell) -> None:
    converse(ipython)
    ipython.magics.session.notebook = "/another.ipynb"
    _, captured = ipython.run("%respond history --search histogram")
    assert "No turn matches" in captured.stdout
    _, captured = ipython.run("%respond history --search histogram --all")
    table = ipython.markdown(captured)
    assert "1 turn matching histogram in the history" in table and "| notebook |" in table


def test_export_a_thread_as_markdown_and_jsonl(ipython: Shell, tmp_path: Path) -> None:
    converse(ipython)
    markdown, jsonl = tmp_path / "default.md", tmp_path / "joins.jsonl"
    _, captured = ipython.run(f"%respond export {markdown}")
    assert f"Wrote 2 turns of thread 'default' to {markdown}." in captured.stdout
    text = markdown.read_text(encoding="utf-8")
    assert "How do I merge DataFrames?" in text and "df.hist()" in text and "&lt;b&gt;now&lt;/b&gt;" in text
    _, captured = ipython.run(f"%respond export joins '{jsonl}'")
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [r["prompt"].strip() for r in rows] == ["What is a left join?"] and rows[0]["thread"] == "joins"


def test_export_mistakes_are_one_line(ipython: Shell, tmp_path: Path) -> None:
    converse(ipython)
    result, _ = ipython.run("%respond export")
    assert not result.success and "Usage: %respond export [THREAD] FILE.md|FILE.jsonl [--all]" in str(
        result.error_in_exec
    )
    result, _ = ipython.run(f"%respond export nothere {tmp_path / 'x.md'}")
    assert not result.success and "Thread 'nothere' has no turns in this notebook." in str(
        result.error_in_exec
    )
    backend = testing.OfflineBackend().script([testing.text("Sure.")])
    ipython.magics.session.use_client(backend.client())
    for line in (f"%respond export {tmp_path / 'x.json'}", "%respond export joins out.txt"):
        result, _ = ipython.run(line)  # a file of another kind is a mistake, not a prompt
        assert not result.success and "Export to a .md (Markdown) or .jsonl (JSON Lines) file" in str(
            result.error_in_exec
        )
    assert backend.requests == [] and not (tmp_path / "x.json").exists()
    result, _ = ipython.run("%respond export the table to CSV, how?")
    assert result.success and backend.requests[-1]["input"][-1]["content"][0]["text"].startswith(
        "export the table"
    )


def test_search_and_export_in_a_kernel(tmp_path: Path) -> None:
    backend = testing.OfflineBackend().script(
        [testing.text("Pivot with df.pivot_table."), testing.text("ok")]
    )
    env = {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": str(tmp_path / "h.sqlite"),
           "NBRESPONSES_NOTEBOOK": str(tmp_path / "nb.ipynb")}  # fmt: skip
    with serve(create_app(backend.server)) as base_url, kernel(**env) as k:
        k.execute(f"%load_ext nbresponses\n%config RespondMagics.base_url = {base_url!r}")
        k.execute("%%respond\nHow do I reshape a table?", cell_id="a")
        k.execute("%%respond\nThanks", cell_id="b")
        shown = "\n".join(
            o.get("data", {}).get("text/markdown", "") for o in k.execute("%respond history --search pivot")
        )
        assert "1 turn matching pivot" in shown and "**Pivot** with df.**pivot**\\_" in shown
        target = tmp_path / "thread.md"
        k.execute(f"%respond export {target}")
        assert (
            "Pivot with df.pivot\\_table." not in target.read_text()
            and "Pivot with df.pivot_table." in target.read_text()
        )
        k.restart()  # the index survives a restart, like the history
        k.execute("%load_ext nbresponses")
        shown = "\n".join(
            o.get("data", {}).get("text/markdown", "") for o in k.execute("%respond history --search reshape")
        )
        assert "1 turn matching reshape" in shown


def test_search_results_fit_100_columns_as_plain_text(ipython: Shell) -> None:
    long = "The merge keeps every key of both tables, " * 8
    backend = testing.OfflineBackend().script([testing.text(long), testing.text(long)])
    ipython.magics.session.use_client(backend.client())
    ipython.run(
        "%%respond --thread a-rather-long-thread-name\n" + "Tell me how merge works. " * 6, cell_id="a"
    )
    ipython.run(
        "%%respond -m gpt-4.1-mini-2025-04-14\nAnd merge again, please, with all the details?", cell_id="b"
    )
    for line in ("%respond history --search merge", "%respond history --search merge --all"):
        _, captured = ipython.run(line)
        plain = "\n".join(o.data.get("text/plain", "") for o in captured.outputs)
        assert "merge" in plain and "turn" in plain
        assert max(len(row) for row in plain.splitlines()) <= 100, plain
