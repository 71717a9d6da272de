"""``%respond history --search TEXT`` and ``%respond export [THREAD] FILE``: the history, searched and written out."""

from __future__ import annotations

import re
import shlex
from datetime import datetime
from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from ._subcommands import _clip, markdown_table, show_markdown

if TYPE_CHECKING:
    from ._magic import RespondMagics

__all__ = ["export_command", "search_command"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#$|~])")
_SEARCH_USAGE = "Usage: %respond history --search TEXT [--all] [--limit N]"
_EXPORT_USAGE = "Usage: %respond export [THREAD] FILE.md|FILE.jsonl [--all]"


def _plain(text: str) -> str:
    """Untrusted text as literal Markdown: every character that could be markup is escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _highlighted(text: str, words: list[str], width: int) -> str:
    from nbresponses.store._search import snippet

    excerpt, spans = snippet(text, words, width=width)
    out, position = [], 0
    for start, end in spans:
        out += [_plain(excerpt[position:start]), "**", _plain(excerpt[start:end]), "**"]
        position = end
    out.append(_plain(excerpt[position:]))
    return "".join(out)


def _clip_start(text: str, width: int) -> str:
    """The end of a long notebook path is what tells notebooks apart: ``…/reports/q3.ipynb``."""
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _split_search(args: str) -> tuple[str, bool, int]:
    try:
        words = shlex.split(args, posix=True)
    except ValueError:
        words = args.split()
    every, limit, rest = False, 20, []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--all":
            every = True
        elif word == "--limit":
            if index + 1 >= len(words) or not words[index + 1].isdigit() or int(words[index + 1]) < 1:
                raise UsageError(_SEARCH_USAGE + "  (--limit takes a number above 0)")
            limit, index = int(words[index + 1]), index + 1
        elif word != "--search":
            rest.append(f'"{word}"' if " " in word else word)  # a quoted phrase stays one term
        index += 1
    return " ".join(rest), every, limit


def search_command(m: RespondMagics, args: str) -> None:
    """``%respond history --search TEXT [--all] [--limit N]``: turns whose prompt or answer has every term."""
    from nbresponses.store._search import terms

    query, every, limit = _split_search(args)
    if not terms(query):
        raise UsageError(_SEARCH_USAGE)
    store = m.session.store(m.history_path)
    notebook = None if every else (m.session.notebook or "")
    hits = store.search(query, notebook=notebook, limit=limit + 1)
    where = "the history" if every else "this notebook (--all searches every notebook)"
    if not hits:
        print(f"No turn matches {query!r} in {where}.")
        return
    words = terms(query)
    # The table fits 100 columns in a terminal: excerpts around the match, clipped names, no model column.
    context, answer_context = (7, 10) if every else (11, 15)
    header = ["turn", *(["notebook"] if every else []), "thread", "when", "prompt", "answer"]
    rows = []
    for hit in hits[:limit]:
        when = datetime.fromtimestamp(hit.started_at).strftime("%m-%d %H:%M")
        notebook_cell = [_plain(_clip_start(hit.notebook, 14))] if every else []
        prompt, answer = (
            _highlighted(hit.prompt, words, context),
            _highlighted(hit.answer, words, answer_context),
        )
        rows.append([hit.turn_id, *notebook_cell, _plain(_clip(hit.thread, 12)), when, prompt, answer])
    more = f" (the first {limit}; --limit N shows more)" if len(hits) > limit else ""
    count = f"{len(rows)} turn{'s' if len(rows) != 1 else ''}"
    show_markdown(f"{count} matching {_plain(query)!s} in {where}{more}:\n\n" + markdown_table(header, rows))


def export_command(m: RespondMagics, args: str) -> None:
    """``%respond export [THREAD] FILE [--all]``: write a thread as Markdown (``.md``) or JSON Lines (``.jsonl``)."""
    from nbresponses.export import ExportError, export_thread

    try:
        words = shlex.split(args, posix=True)
    except ValueError as error:
        raise UsageError(f"{_EXPORT_USAGE}  ({error})") from None
    every = "--all" in words
    names = [w for w in words if w != "--all"]
    if not names or len(names) > 2 or any(n.startswith("-") for n in names):
        raise UsageError(_EXPORT_USAGE)
    thread, path = (names[0], names[1]) if len(names) == 2 else (m.thread, names[0])
    store = m.session.store(m.history_path)
    try:
        count = export_thread(store, m.session.notebook or "", thread, path, all_turns=every)
    except ExportError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"Could not write {path}: {error.strerror or error}") from None
    print(f"Wrote {count} turn{'s' if count != 1 else ''} of thread {thread!r} to {path}.")


_FILE_NAME = re.compile(r"[^\s]*[/\\][^\s]*|[\w~.-]+\.[A-Za-z0-9]{1,10}")
"""A word that names a file: it has a folder in it, or a suffix (``out.json``, ``~/notes/t.md``)."""


def looks_like_export(args: str) -> bool:
    """Whether a ``%respond export ...`` line is the subcommand: it ends in a file name.

    Any file name counts, so that ``%respond export out.json`` is told to use .md or .jsonl instead of being
    sent to the model as a prompt; "export the table to CSV" is a prompt.
    """
    try:
        words = shlex.split(args, posix=True)
    except ValueError:
        return False
    names = [w for w in words if w != "--all"]
    return 0 < len(names) <= 2 and _FILE_NAME.fullmatch(names[-1]) is not None
